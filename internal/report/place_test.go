package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/runnertest"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// locator places refs "tc" and "whole" in the user's file.
func locator(ref string) (string, int, bool) {
	switch ref {
	case "tc":
		return "release/configure.json", 12, true
	case "whole":
		return "release/configure.json", 0, true
	}
	return "", 0, false
}

func failedJob() *snapshot.Operation {
	m := func(text, ref string) snapshot.Message {
		return snapshot.Message{HTML: text, Level: "error", Ref: ref}
	}
	return &snapshot.Operation{Status: "failed", Steps: []snapshot.Step{{ID: "configure", Name: "Configure request", Status: "failed",
		Messages: []snapshot.Message{m("bad version", "tc"), m("elsewhere", "plan/x"), m("no ref", ""), m("the file", "whole")}}}}
}

// TestMessagesAnnotatedWhereTheirRefLies: a message whose Ref the locator
// places is annotated with file= and line= (file= alone for the file as a
// whole); one it does not place, or without a Ref, has neither. Without a
// locator nothing is placed.
func TestMessagesAnnotatedWhereTheirRefLies(t *testing.T) {
	r := newRunner(t, config.AnnotateWarning)
	r.rep.SetLocator(locator)
	r.rep.Snapshot(failedJob(), 1)
	got := map[string]map[string]string{}
	for _, c := range runnertest.Commands(r.out.String()) {
		if c.Name == "error" {
			got[c.Message] = c.Properties
		}
	}
	for text, want := range map[string]string{"bad version": "release/configure.json:12", "elsewhere": ":", "no ref": ":", "the file": "release/configure.json:"} {
		p, ok := got[text]
		if !ok {
			t.Errorf("%q is not annotated:\n%s", text, r.out.String())
			continue
		}
		if at := p["file"] + ":" + p["line"]; at != want || p["title"] != "Configure request" {
			t.Errorf("%q annotated at %q, title %q; want %q", text, at, p["title"], want)
		}
	}
	if !strings.Contains(r.out.String(), "::error file=release/configure.json,line=12,title=Configure request::bad version") {
		t.Errorf("the annotation's form:\n%s", r.out.String())
	}

	r = newRunner(t, config.AnnotateWarning)
	r.rep.Snapshot(failedJob(), 1)
	for _, c := range runnertest.Commands(r.out.String()) {
		if c.Properties["file"] != "" || c.Properties["line"] != "" {
			t.Errorf("placed without a locator: %+v", c)
		}
	}
}

// TestPlacedOutsideTheRunner: a plain line gives file:line: before the text.
func TestPlacedOutsideTheRunner(t *testing.T) {
	var out bytes.Buffer
	rep := New(WithWriter(&out), WithGetenv(func(string) string { return "" }))
	rep.SetLocator(locator)
	rep.Snapshot(failedJob(), 1)
	for _, want := range []string{"Configure request: error: release/configure.json:12: bad version", "Configure request: error: elsewhere",
		"Configure request: error: release/configure.json: the file"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, out.String())
		}
	}
}

// TestFileErrorVerdictAnnotatedOnItsLine: an invalid input in a file (bad
// JSON in configure-file) is the verdict's annotation on that line, inside
// the runner and out.
func TestFileErrorVerdictAnnotatedOnItsLine(t *testing.T) {
	err := &config.FileError{Path: "release/bad.json", Line: 4, Err: errors.New(`configure-file "release/bad.json" is not valid JSON: line 4: invalid character ','`)}
	v := verdict.Verdict{Status: verdict.Error, Err: err}
	v.Err = errors.Join(errors.New("invalid input"), err) // wrapped, as the command wraps it
	r := newRunner(t, config.AnnotateWarning)
	if e := r.rep.Finish(v); e != nil {
		t.Fatal(e)
	}
	if !strings.Contains(r.out.String(), "::error file=release/bad.json,line=4,title=marketplace-gate::invalid input") {
		t.Errorf("the verdict is not annotated on the line:\n%s", r.out.String())
	}
	var out bytes.Buffer
	rep := New(WithWriter(&out), WithGetenv(func(string) string { return "" }))
	_ = rep.Finish(v)
	if !strings.Contains(out.String(), "marketplace-gate: error: release/bad.json:4: invalid input") {
		t.Errorf("outside the runner:\n%s", out.String())
	}
}
