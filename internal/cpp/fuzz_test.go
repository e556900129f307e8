package cpp

import (
	"os"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

func FuzzDecodeOperation(f *testing.F) {
	if b, err := os.ReadFile("../../testdata/reference-operation.json"); err == nil {
		f.Add(b)
	}
	for _, s := range []string{`{}`, `[]`, `[{"steps":[{"messages":["x"]}]}]`, `{"progressPercentage":"5%"}`,
		`{"steps":[{"progressPercentage":1e308}]}`, `{"error":{"message":"m"},"previewLinks":[{"uri":"u"},"v",1]}`,
		`[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]`, `<html>`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		op, err := DecodeOperation(body)
		if err != nil {
			return
		}
		for _, s := range append(op.Steps, snapshot.Step{Status: op.Status}) {
			if st, ok := s.State(); ok == (st == snapshot.StateUnknown) {
				t.Fatalf("status %q: state %q, known %v", s.Status, st, ok)
			}
			if s.ProgressPercentage < 0 || s.ProgressPercentage > 100 {
				t.Fatalf("progress %d out of 0..100", s.ProgressPercentage)
			}
		}
	})
}

func FuzzDecodeSubmissions(f *testing.F) {
	if b, err := os.ReadFile("../../testdata/reference-submissions.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"value":[{"id":"x"}]}`))
	f.Add([]byte(`{"id":"x","submissionState":"running"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		subs, err := DecodeSubmissions(body)
		if err == nil {
			for _, s := range subs {
				if st, ok := snapshot.ParseState(s.SubmissionState); ok == (st == snapshot.StateUnknown) {
					t.Fatalf("state %q: %q, known %v", s.SubmissionState, st, ok)
				}
			}
		}
	})
}
