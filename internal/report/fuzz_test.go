package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/runnertest"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// FuzzInert: no server text, however made, becomes a command or a new line.
func FuzzInert(f *testing.F) {
	for _, s := range []string{"##[error]x", "#<b></b>#[error]", "::error::x", "a\n::warning::b", "%0A::notice::c", "#&#35;[group]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := inert(in)
		if strings.ContainsAny(out, "\r\n") || strings.Contains(out, "##[") {
			t.Fatalf("inert(%q) = %q", in, out)
		}
		if cmds := runnertest.Commands("prefix: " + out); len(cmds) != 0 {
			t.Fatalf("inert(%q) = %q reads as %+v", in, out, cmds)
		}
		if md := md(out); strings.ContainsAny(md, "<>[]|`") {
			t.Fatalf("md(%q) = %q keeps markup", out, md)
		}
	})
}

// FuzzLogLines: whatever the server names a step, says of it or answers with,
// every line the reporter prints stays plain text. The only commands are its
// own: masks, debug lines, and annotations with a title.
func FuzzLogLines(f *testing.F) {
	for _, s := range []string{"::error::x", "  ::warning::y", "Cert\n::notice::z", "##[group]g", "%0A::debug::d", "<b>::error::</b>b"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, name, text string) {
		var out bytes.Buffer
		rep := New(WithWriter(&out), WithGetenv(func(k string) string { return map[string]string{"GITHUB_ACTIONS": "true"}[k] }), WithAnnotate(config.AnnotateInformation))
		op := &snapshot.Operation{Status: text, Messages: []snapshot.Message{{Level: "error", HTML: text}}, Steps: []snapshot.Step{
			{ID: name, Name: name, Status: text, EstimatedTimeFrame: text, Messages: []snapshot.Message{{Level: text, HTML: text}}},
			{ID: text, Name: text, Status: "blocked", Messages: []snapshot.Message{{Level: "warning", HTML: name}}},
		}}
		rep.Snapshot(op, 1)
		rep.Retrying(errors.New(text), time.Second)
		_ = rep.Finish(verdict.Verdict{Status: verdict.Blocked, BlockedStep: text, Operation: op}) // no GITHUB_OUTPUT: an error, not a panic
		for _, c := range runnertest.Commands(out.String()) {
			switch c.Name {
			case "debug":
			case "error", "warning", "notice":
				if c.Properties["title"] == "" {
					t.Fatalf("a log line became an annotation: %+v\n%s", c, out.String())
				}
			default:
				t.Fatalf("server text became command %q: %+v\n%s", c.Name, c, out.String())
			}
		}
	})
}
