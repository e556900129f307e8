package report

import (
	"strings"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/runnertest"
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
