package runnertest

import (
	"os"
	"path/filepath"
	"testing"
)

// The injection and output tests trust this parser; a parser that saw no
// commands would let them pass without checking anything.
func TestCommands(t *testing.T) {
	log := "plain line\n" +
		"::add-mask::s3cret\n" +
		"  ::error title=Step%3A one%2C two::line%0Atwo 100%25\r\n" +
		"text then ##[warning]legacy\n" +
		"text :: not a command\n"
	cmds := Commands(log)
	if len(cmds) != 3 {
		t.Fatalf("commands = %+v; want add-mask, error and legacy", cmds)
	}
	if cmds[0].Name != "add-mask" || cmds[0].Message != "s3cret" {
		t.Errorf("mask = %+v", cmds[0])
	}
	if c := cmds[1]; c.Name != "error" || c.Properties["title"] != "Step: one, two" || c.Message != "line\ntwo 100%" {
		t.Errorf("error = %+v", c)
	}
	if cmds[2].Name != "legacy" {
		t.Errorf("legacy = %+v", cmds[2])
	}
}

func TestOutputs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out")
	content := "plain=value\nmulti<<EOF\nline 1\nline 2\nEOF\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Outputs(path)
	if err != nil || len(got) != 2 || got["plain"] != "value" || got["multi"] != "line 1\nline 2" {
		t.Fatalf("outputs = %q, %v", got, err)
	}
	for name, bad := range map[string]string{
		"unclosed heredoc": "x<<EOF\nvalue\n",
		"written twice":    "x<<D\na\nD\nx<<D\nb\nD\n",
		"stray line":       "no equals sign\n",
	} {
		if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Outputs(path); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
}
