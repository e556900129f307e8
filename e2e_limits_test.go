package main_test

// The runner's limits and secrets as a person reads them, through the built
// binary: a summary over 1 MiB is dropped whole, an annotation past 4096
// UTF-16 units is cut (its log line too), a job shows 50 annotations, a
// job's outputs may total 1 MB in UTF-16; and a secret must not show in any
// escaped form (an HTML entity or a JSON escape renders as the secret).

import (
	"strings"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// TestBinaryRunnerWithoutGitHubActions: with container hooks (ARC kubernetes
// mode) GITHUB_ACTIONS is not set, yet GITHUB_OUTPUT and RUNNER_TEMP are:
// masks and annotations must still be printed.
func TestBinaryRunnerWithoutGitHubActions(t *testing.T) {
	for _, env := range [][]string{{"GITHUB_ACTIONS="}, {"GITHUB_ACTIONS=", "RUNNER_TEMP=/tmp"}} {
		_, url := startSim(t, "blocked")
		cmd, stdout, stderr, output, summary := action(t, inputsFor(url), false)
		for _, kv := range env {
			name, value, _ := strings.Cut(kv, "=")
			setEnv(cmd, name, value)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		r := finish(t, cmd, stdout, stderr, output, summary)
		if !strings.Contains(r.stdout, "::add-mask::"+simulator.ClientSecret) || !strings.Contains(r.stdout, "::error title=Certification::No virtual machine image") {
			t.Errorf("env %v: no mask or no annotation:\n%s", env, r.stdout)
		}
		if r.outputs["status"] != "blocked" {
			t.Errorf("env %v: outputs %v", env, r.outputs)
		}
	}
}
