package main_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
)

// actionInputs reads the inputs block of action.yml: name → default and
// required. A full YAML parser is not needed for the file we write.
func actionInputs(t *testing.T) (map[string][2]string, string) {
	t.Helper()
	b, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	block := text[strings.Index(text, "\ninputs:\n"):strings.Index(text, "\noutputs:\n")]
	got := map[string][2]string{}
	var name string
	for _, line := range strings.Split(block, "\n") {
		switch {
		case strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "   ") && strings.HasSuffix(line, ":"):
			name = strings.TrimSuffix(strings.TrimSpace(line), ":")
			got[name] = [2]string{"", "false"}
		case strings.HasPrefix(line, "    default: "):
			v := got[name]
			v[0] = strings.Trim(strings.TrimPrefix(line, "    default: "), `"'`)
			got[name] = v
		case strings.HasPrefix(line, "    required: "):
			v := got[name]
			v[1] = strings.TrimPrefix(line, "    required: ")
			got[name] = v
		}
	}
	return got, text
}

func TestActionYAMLMatchesTheBinary(t *testing.T) {
	got, text := actionInputs(t)
	if len(got) != len(config.Inputs()) {
		t.Errorf("action.yml has %d inputs, the binary %d", len(got), len(config.Inputs()))
	}
	for _, in := range config.Inputs() {
		v, ok := got[in.Name]
		if !ok {
			t.Errorf("action.yml lacks input %s", in.Name)
			continue
		}
		if v[0] != in.Default {
			t.Errorf("input %s: action.yml default %q, binary default %q", in.Name, v[0], in.Default)
		}
		if (v[1] == "true") != in.Required {
			t.Errorf("input %s: action.yml required %s, binary %v", in.Name, v[1], in.Required)
		}
	}
	// The runner sets every INPUT_ variable itself, hyphens kept; a runs.env
	// copy would lose to any workflow, job or step variable of that name
	// (ContainerActionHandler.cs adds runs.env keys only when absent), and
	// the binary reads none but the runner's spelling.
	if runs := text[strings.Index(text, "\nruns:\n"):]; strings.Contains(runs, "INPUT_") || regexp.MustCompile(`(?m)^  env:`).MatchString(runs) {
		t.Error("action.yml's runs passes INPUT_ variables through runs.env: the runner sets them, and the binary reads only INPUT_<NAME> with hyphens")
	}
	// The runner evaluates ${{ }} in action.yml's descriptions too, and with
	// no context there a single one fails every job that uses the action
	// ("Unrecognized named-value: 'github'", aws-cloudformation-github-deploy#61).
	if strings.Contains(text, "${{") {
		t.Error("action.yml holds a ${{ }} expression: the action would fail to load")
	}
	declared := regexp.MustCompile(`(?m)^  ([a-z-]+):$`).FindAllStringSubmatch(text[strings.Index(text, "\noutputs:\n"):strings.Index(text, "\nruns:\n")], -1)
	if len(declared) != len(outputs) {
		t.Errorf("action.yml declares %d outputs, the binary sets %d", len(declared), len(outputs))
	}
	for _, out := range outputs {
		if !regexp.MustCompile(`(?m)^  ` + out + `:$`).MatchString(text) {
			t.Errorf("action.yml lacks output %s", out)
		}
	}
	// On main the runner builds the Dockerfile; a release tag pins the
	// prebuilt image of that very tag (RELEASING.md).
	if !regexp.MustCompile(`(?m)^  image: (Dockerfile|docker://ghcr\.io/marketplace-gate/marketplace-gate:v\d+\.\d+\.\d+)$`).MatchString(text) {
		t.Error("action.yml's image is neither Dockerfile nor a release's ghcr.io image")
	}
	if !strings.Contains(text, "using: docker") {
		t.Error("action.yml is not a Docker action")
	}
}

// readmeTable returns the rows of the table in the README section headed
// "## <heading>": first cell (a `name`) → second cell.
func readmeTable(t *testing.T, heading string) map[string]string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n## "+heading+"\n")
	if start < 0 {
		t.Fatalf("README has no %s section", heading)
	}
	section := text[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	rows := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\|([^|]*)\\|").FindAllStringSubmatch(section, -1) {
		rows[m[1]] = strings.TrimSpace(m[2])
	}
	return rows
}

// outputs are the action's outputs, as the reporter sets them (image-version,
// sku-ids and image-urns with an image source, issue 17).
var outputs = []string{"status", "operation-id", "submission-id", "started-at", "image-version", "sku-ids", "image-urns", "offer-id", "blocked-step", "failed-step", "steps", "preview-links", "live-links", "polls", "elapsed-seconds", "results"}

// TestREADMEInputsMatchTheBinary: the README's inputs table is what users
// read first; it lists every input, no other, with the binary's default.
func TestREADMEInputsMatchTheBinary(t *testing.T) {
	rows := readmeTable(t, "Inputs")
	if len(rows) != len(config.Inputs()) {
		t.Errorf("README lists %d inputs, the binary has %d", len(rows), len(config.Inputs()))
	}
	for _, in := range config.Inputs() {
		cell, ok := rows[in.Name]
		switch {
		case !ok:
			t.Errorf("README lacks input %s", in.Name)
		case in.Default != "" && cell != "`"+in.Default+"`":
			t.Errorf("README gives input %s default %s; the binary %q", in.Name, cell, in.Default)
		case in.Default == "" && strings.HasPrefix(cell, "`"):
			t.Errorf("README gives input %s default %s; the binary has none", in.Name, cell)
		}
	}
}

func TestDockerfileInvariants(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(df, -1)
	if len(froms) < 2 {
		t.Fatalf("want a multi-stage build, got FROM lines %v", froms)
	}
	if last := froms[len(froms)-1][1]; last != "scratch" && !strings.HasPrefix(last, "gcr.io/distroless/static") {
		t.Errorf("final stage is %s; want scratch or distroless static", last)
	}
	// The image builds with .ci/build, the benchmark's build too.
	if !strings.Contains(df, "sh .ci/build ") {
		t.Error("the Dockerfile does not build with .ci/build")
	}
	if build, err := os.ReadFile(".ci/build"); err != nil || !strings.Contains(string(build), "CGO_ENABLED=0") {
		t.Error("the build is not static (CGO_ENABLED=0 in .ci/build)")
	}
	if ignore, err := os.ReadFile(".dockerignore"); err != nil || !regexp.MustCompile(`(?m)^!\.ci/build$`).Match(ignore) {
		t.Error(".dockerignore keeps .ci/build out of the build context")
	}
	if !regexp.MustCompile(`(?m)^ENTRYPOINT \["[^"]+"\]$`).MatchString(df) {
		t.Error("ENTRYPOINT is not in exec form")
	}
	if regexp.MustCompile(`(?m)^USER\b`).MatchString(df) {
		t.Error("USER would make the runner's file-command files unwritable")
	}
	main, err := os.ReadFile("main.go")
	if err != nil || !strings.Contains(string(main), `_ "golang.org/x/crypto/x509roots/fallback"`) {
		t.Error("main.go must embed CA roots for the scratch image")
	}
}

// TestREADMEOutputsMatchActionYAML: the README lists every output, no other.
func TestREADMEOutputsMatchActionYAML(t *testing.T) {
	rows := readmeTable(t, "Outputs")
	if len(rows) != len(outputs) {
		t.Errorf("README lists %d outputs, action.yml %d", len(rows), len(outputs))
	}
	for _, out := range outputs {
		if _, ok := rows[out]; !ok {
			t.Errorf("README lacks output %s", out)
		}
	}
}

// TestExamplesUseRealInputs: every with: key given to this action in the
// README's and examples/' workflows is an input (actionlint cannot check a
// remote action's inputs).
func TestExamplesUseRealInputs(t *testing.T) {
	known := map[string]bool{}
	for _, in := range config.Inputs() {
		known[in.Name] = true
	}
	files, _ := filepath.Glob("examples/*.yml")
	files = append(files, "README.md")
	uses := regexp.MustCompile(`^(\s*)(- )?uses: (marketplace-gate/marketplace-gate@\S+|\./)\s*$`)
	key := regexp.MustCompile(`^(\s*)([A-Za-z0-9_-]+):`)
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		for i := 0; i < len(lines); i++ {
			m := uses.FindStringSubmatch(lines[i])
			if m == nil {
				continue
			}
			seen++
			step := len(m[1]) + len(m[2]) // indentation of the step's keys
			inWith, withIndent := false, 0
			for j := i + 1; j < len(lines); j++ {
				k := key.FindStringSubmatch(lines[j])
				if strings.TrimSpace(lines[j]) == "" || strings.HasPrefix(strings.TrimSpace(lines[j]), "#") {
					continue
				}
				indent := len(lines[j]) - len(strings.TrimLeft(lines[j], " "))
				if indent < step || strings.HasPrefix(strings.TrimSpace(lines[j]), "- ") && indent <= step || strings.HasPrefix(lines[j], "```") {
					break
				}
				if k == nil {
					continue
				}
				switch {
				case len(k[1]) == step:
					inWith, withIndent = k[2] == "with", 0
				case inWith && (withIndent == 0 || len(k[1]) == withIndent):
					withIndent = len(k[1])
					if !known[k[2]] {
						t.Errorf("%s:%d: with: %s is not an input of the action", f, j+1, k[2])
					}
				}
			}
		}
	}
	if seen < 5 {
		t.Errorf("found %d uses of the action in README and examples; the parser lost them", seen)
	}
}

// TestEmbeddedRoots: the scratch image has no CA files, so the roots the
// APIs chain to must be in the binary; and with no CA files on disk, TLS is
// still verified (a self-signed server is refused, not trusted).
func TestEmbeddedRoots(t *testing.T) {
	b, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{"DigiCert Global Root G2", "Microsoft RSA Root Certificate Authority 2017"} {
		if !strings.Contains(string(b), root) {
			t.Errorf("the binary does not embed %q (login.microsoftonline.com, graph and CPP chain to it)", root)
		}
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"running","steps":[]}`))
	}))
	defer srv.Close()
	empty := t.TempDir()
	in := inputsFor(srv.URL)
	in["access-token"], in["tenant-id"], in["client-id"], in["client-secret"] = "tok-12345678", "", "", ""
	in["api-url"] = srv.URL
	in["timeout"] = "3s"
	r := runAction(t, in, false, "SSL_CERT_FILE="+filepath.Join(empty, "none.pem"), "SSL_CERT_DIR="+empty)
	// Refused at once, as an error: an untrusted certificate is not retried.
	if r.code != 1 || r.outputs["status"] != "error" || !strings.Contains(r.stdout, "certificate signed by unknown authority") {
		t.Fatalf("a self-signed server must be refused at once; exit %d status %q\n%s", r.code, r.outputs["status"], r.stdout)
	}
}

// TestREADMEQuickStartIsTheExample: the quick start users copy is the file
// actionlint checks.
func TestREADMEQuickStartIsTheExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("examples/publish-and-go-live.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```yaml\n"+string(example)+"```") {
		t.Error("README's quick start differs from examples/publish-and-go-live.yml")
	}
}
