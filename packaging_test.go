package main_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
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
	// On main the runner builds the Dockerfile; a release commit names the
	// image it pushed by digest, never by a tag (RELEASING.md).
	if !actionImage.MatchString(text) {
		t.Error("action.yml's image is neither Dockerfile nor a release's ghcr.io image by digest")
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
// actionlint checks (a VM image release, issue 17), and it links the
// publish-only example.
func TestREADMEQuickStartIsTheExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("examples/release-image.yml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	quick := text[strings.Index(text, "\n## Quick start"):]
	quick = quick[:strings.Index(quick[1:], "\n## ")+1]
	if !strings.Contains(quick, "```yaml\n"+string(example)+"```") {
		t.Error("README's quick start differs from examples/release-image.yml")
	}
	if !strings.Contains(quick, "(examples/publish-and-go-live.yml)") {
		t.Error("README's quick start does not link examples/publish-and-go-live.yml")
	}
}

// actionImage is what action.yml may name: the Dockerfile (main), or, on a
// release commit, the image that release pushed by its digest. Never a tag:
// a registry tag can be moved under a user who pinned the commit.
var actionImage = regexp.MustCompile(`(?m)^  image: (Dockerfile|docker://ghcr\.io/marketplace-gate/marketplace-gate@sha256:[0-9a-f]{64})$`)

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDockerfileBaseIsPinned: every base image is pinned by digest, so a
// rebuild of a commit uses the toolchain it was tested with, and nothing is
// pulled that the file does not name.
func TestDockerfileBaseIsPinned(t *testing.T) {
	df := readText(t, "Dockerfile")
	// A syntax directive makes BuildKit pull a frontend image from Docker Hub.
	if regexp.MustCompile(`(?mi)^#\s*syntax\s*=`).MatchString(df) {
		t.Error("the Dockerfile has a # syntax= line")
	}
	from := regexp.MustCompile(`(?mi)^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$`).FindAllStringSubmatch(df, -1)
	if n := len(regexp.MustCompile(`(?mi)^FROM\s`).FindAllString(df, -1)); n == 0 || n != len(from) {
		t.Fatalf("read %d of %d FROM lines", len(from), n)
	}
	pinned := regexp.MustCompile(`^[a-z0-9][a-z0-9./_-]*(:[\w.-]+)?@sha256:[0-9a-f]{64}$`)
	stages := map[string]bool{}
	for _, m := range from {
		if image := m[1]; image != "scratch" && !stages[strings.ToLower(image)] && !pinned.MatchString(image) {
			t.Errorf("FROM %s is not pinned by digest (name:tag@sha256:…)", image)
		}
		if m[2] != "" {
			stages[strings.ToLower(m[2])] = true
		}
	}
	// Dependabot's docker ecosystem moves the pin; it reads the Dockerfile
	// in the directory it is given.
	if !regexp.MustCompile(`(?m)^  - package-ecosystem: docker\n    directory: /\n`).MatchString(readText(t, ".github/dependabot.yml")) {
		t.Error("dependabot.yml does not watch the Dockerfile at / (package-ecosystem: docker)")
	}
}

// workflowJob returns the text of one job of a workflow, up to the next.
func workflowJob(t *testing.T, workflow, name string) string {
	t.Helper()
	jobs := strings.Index(workflow, "\njobs:\n")
	start := strings.Index(workflow[jobs+1:], "\n  "+name+":\n")
	if jobs < 0 || start < 0 {
		t.Fatalf("the workflow has no job %s", name)
	}
	job := workflow[jobs+1+start+1:]
	if end := regexp.MustCompile(`\n  [a-z][\w-]*:\n`).FindStringIndex(job); end != nil {
		job = job[:end[0]+1]
	}
	return job
}

// stepScript returns the "run: |" script of the step named name, dedented:
// enough YAML for the workflows we write.
func stepScript(t *testing.T, job, name string) string {
	t.Helper()
	indent := func(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }
	lines := strings.Split(job, "\n")
	for i, line := range lines {
		if strings.TrimSpace(line) != "- name: "+name {
			continue
		}
		keys := indent(line) + 2
		for j := i + 1; j < len(lines) && (strings.TrimSpace(lines[j]) == "" || indent(lines[j]) >= keys); j++ {
			if indent(lines[j]) != keys || strings.TrimSpace(lines[j]) != "run: |" {
				continue
			}
			var b strings.Builder
			for _, s := range lines[j+1:] {
				if strings.TrimSpace(s) != "" && indent(s) <= keys {
					break
				}
				b.WriteString(strings.TrimPrefix(s, strings.Repeat(" ", keys+2)) + "\n")
			}
			if strings.Contains(b.String(), "${{") {
				t.Errorf("step %q splices ${{ }} into its script; pass values through env", name)
			}
			return b.String()
		}
	}
	t.Fatalf("no step %q with a run: | script", name)
	return ""
}

// runStep runs a step's script the way the runner's default shell does
// (bash -eo pipefail), in dir, with only the given environment.
func runStep(t *testing.T, script, dir string, env ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + filepath.Join(dir, "no-gitconfig")}, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mainActionYAML is action.yml as it is on main (image: Dockerfile), also
// when the tests run on a release commit.
func mainActionYAML(t *testing.T) string {
	t.Helper()
	text := readText(t, "action.yml")
	if !actionImage.MatchString(text) {
		t.Fatal("action.yml's image is neither Dockerfile nor a release's ghcr.io image by digest")
	}
	return actionImage.ReplaceAllLiteralString(text, "  image: Dockerfile")
}

// TestReleaseWorkflowChecksBeforeItPushes: the release runs .ci/run with a
// read-only token before any push, and pushes in an order where nobody is
// pointed at an image or tag that does not exist yet.
func TestReleaseWorkflowChecksBeforeItPushes(t *testing.T) {
	wf := readText(t, ".github/workflows/release.yml")
	top := wf[:strings.Index(wf, "\njobs:\n")]
	// Run by hand with a version: no human tags a commit before its image exists.
	if !strings.Contains(top, "\n  workflow_dispatch:\n") || regexp.MustCompile(`(?m)^  (push|release|pull_request\w*|workflow_run|schedule):`).MatchString(top) {
		t.Error("the release workflow must run on workflow_dispatch only")
	}
	if strings.Contains(top, ": write") {
		t.Error("write permissions must be the release job's, not the workflow's")
	}
	if n := len(regexp.MustCompile(`(?m)^  [a-z][\w-]*:$`).FindAllString(wf[len(top):], -1)); n != 2 {
		t.Errorf("want two jobs, check and release; found %d", n)
	}
	check, release := workflowJob(t, wf, "check"), workflowJob(t, wf, "release")
	pre, ci := strings.Index(check, "- name: Preconditions\n"), strings.Index(check, "- run: .ci/run\n")
	if pre < 0 || ci < pre {
		t.Error("the check job must check the version, then run .ci/run")
	}
	if strings.Contains(check, ": write") || !strings.Contains(check, "persist-credentials: false") {
		t.Error("the check job runs tests and fetched linters: read-only token, none left in .git/config")
	}
	if !regexp.MustCompile(`(?m)^    needs: check\b`).MatchString(release) {
		t.Error("the release job must need the check job")
	}
	for _, push := range []string{"docker/build-push-action", "git push", "gh release create"} {
		if !strings.Contains(release, push) || strings.Count(wf, push) != strings.Count(release, push) {
			t.Errorf("%s must happen in the release job only", push)
		}
	}
	last := -1
	for _, step := range []string{"Build and push the image", "The pushed digest serves both platforms", "Pin the image by digest in action.yml", "Release commit and tag", "Move the major tag to this release", "GitHub release"} {
		i := strings.Index(release, "- name: "+step+"\n")
		if i < last {
			t.Errorf("release step %q is missing or out of order", step)
		}
		last = i
	}
	// The version tag is pushed once, never forced: an existing tag fails the push.
	for _, line := range strings.Split(stepScript(t, release, "Release commit and tag"), "\n") {
		if strings.Contains(line, "git push") && (strings.Contains(line, " -f") || strings.Contains(line, "--force") || !strings.Contains(line, `"refs/tags/$VERSION"`)) {
			t.Errorf("the version tag must be pushed alone, without force: %s", line)
		}
	}
}

// TestReleasePinsTheImageByDigest runs the release's rewrite of action.yml:
// the release commit names the pushed image by digest, changes nothing
// else, and the rewrite refuses anything but a digest.
func TestReleasePinsTheImageByDigest(t *testing.T) {
	script := stepScript(t, workflowJob(t, readText(t, ".github/workflows/release.yml"), "release"), "Pin the image by digest in action.yml")
	const image = "ghcr.io/marketplace-gate/marketplace-gate"
	digest := "sha256:" + strings.Repeat("0123456789abcdef", 4)
	onMain := mainActionYAML(t)
	pinned := strings.Replace(onMain, "\n  image: Dockerfile\n", "\n  image: docker://"+image+"@"+digest+"\n", 1)
	dir := t.TempDir()
	file := filepath.Join(dir, "action.yml")
	run := func(in, digest string) (string, string, error) {
		if err := os.WriteFile(file, []byte(in), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := runStep(t, script, dir, "IMAGE="+image, "DIGEST="+digest)
		return readText(t, file), out, err
	}
	got, out, err := run(onMain, digest)
	if err != nil || got != pinned {
		t.Fatalf("the rewrite must change only the image line, to the digest (err %v)\n%s", err, out)
	}
	if !actionImage.MatchString(got) {
		t.Error("the rewritten action.yml fails TestActionYAMLMatchesTheBinary's image check")
	}
	for _, c := range []struct{ name, in, digest string }{
		{"no digest", onMain, ""},
		{"a tag for a digest", onMain, "v1.4.0"},
		{"a short digest", onMain, "sha256:0123abcd"},
		{"an upper-case digest", onMain, strings.ToUpper(digest)},
		{"already pinned", pinned, digest},
		{"image: Dockerfile twice", onMain + "  image: Dockerfile\n", digest},
	} {
		if got, out, err := run(c.in, c.digest); err == nil || got != c.in {
			t.Errorf("%s: the rewrite must fail and leave action.yml alone (err %v)\n%s", c.name, err, out)
		}
	}
}

// TestReleaseRefusesABadOrExistingVersion runs the release's preconditions
// in a repository with tags: a published version is never released again.
func TestReleaseRefusesABadOrExistingVersion(t *testing.T) {
	script := stepScript(t, workflowJob(t, readText(t, ".github/workflows/release.yml"), "check"), "Preconditions")
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	onMain := mainActionYAML(t)
	if err := os.WriteFile(filepath.Join(dir, "action.yml"), []byte(onMain), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"init", "-q"}, {"commit", "-q", "--allow-empty", "-m", "x"}, {"tag", "v1.2.3"}, {"tag", "-a", "-m", "v1.3.0", "v1.3.0"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+filepath.Join(dir, "no-gitconfig"), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	for _, c := range []struct{ ref, version, says string }{
		{"refs/heads/main", "v1.2.4", ""},
		{"refs/heads/main", "v1.2.3", "already exists"},
		{"refs/heads/main", "v1.3.0", "already exists"},
		{"refs/heads/main", "1.2.4", "must look like"},
		{"refs/heads/main", "v1.2", "must look like"},
		{"refs/heads/main", "v1.2.4; touch pwned", "must look like"},
		{"refs/heads/feature", "v1.2.4", "from main"},
	} {
		out, err := runStep(t, script, dir, "GITHUB_REF="+c.ref, "VERSION="+c.version)
		switch {
		case c.says == "" && err != nil:
			t.Errorf("%s on %s: refused (%v)\n%s", c.version, c.ref, err, out)
		case c.says != "" && (err == nil || !strings.Contains(out, c.says)):
			t.Errorf("%s on %s: want a refusal saying %q; err %v\n%s", c.version, c.ref, c.says, err, out)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "action.yml"), []byte(strings.Replace(onMain, "  image: Dockerfile", "  image: docker://ghcr.io/marketplace-gate/marketplace-gate:v1.2.3", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runStep(t, script, dir, "GITHUB_REF=refs/heads/main", "VERSION=v1.2.4"); err == nil || !strings.Contains(out, "image: Dockerfile") {
		t.Errorf("main's action.yml must build the Dockerfile; want a refusal, err %v\n%s", err, out)
	}
}
