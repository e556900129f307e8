package main_test

import (
	"os"
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
		env := "INPUT_" + strings.ReplaceAll(strings.ToUpper(in.Name), "-", "_") + ": ${{ inputs." + in.Name + " }}"
		if !strings.Contains(text, env) {
			t.Errorf("runs.env does not pass %s", env)
		}
	}
	for _, out := range []string{"status", "operation-id", "offer-id", "blocked-step", "failed-step", "steps", "preview-links", "live-links", "polls", "elapsed-seconds", "results"} {
		if !regexp.MustCompile(`(?m)^  ` + out + `:$`).MatchString(text) {
			t.Errorf("action.yml lacks output %s", out)
		}
	}
	if !strings.Contains(text, "using: docker") {
		t.Error("action.yml is not a Docker action")
	}
}

// TestREADMEInputsMatchTheBinary: the README's inputs table is what users
// read first; it lists every input, no other, with the binary's default.
func TestREADMEInputsMatchTheBinary(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n## Inputs\n")
	if start < 0 {
		t.Fatal("README has no Inputs section")
	}
	section := text[start+1:]
	section = section[:strings.Index(section[3:], "\n## ")+3]
	rows := map[string]string{} // input → default cell
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\|([^|]*)\\|").FindAllStringSubmatch(section, -1) {
		rows[m[1]] = strings.TrimSpace(m[2])
	}
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
	if !strings.Contains(df, "CGO_ENABLED=0") {
		t.Error("the build is not static (CGO_ENABLED=0)")
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
