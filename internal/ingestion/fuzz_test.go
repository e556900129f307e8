package ingestion

import (
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// FuzzDecode feeds any body to both decoders and the mapping: nothing may
// panic, and a snapshot's status is known to snapshot or kept raw.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"jobID":"a","jobStatus":"completed","jobResult":"failed","errors":[{"code":"c","message":"m","details":[{"code":"d","message":"<b>"}]},"plain"]}`,
		`{"value":[{"id":"submission/p/0","target":{"targetType":"draft"}},{"id":"submission/p/1","target":{"targetType":"live"},"status":"completed","result":"succeeded","created":"2022-01-25T07:13:06.4408032Z"}]}`,
		`[{"target":{"targetType":"preview"},"status":"running"}]`, `{"errors":[[[[[[[]]]]]]]}`, `{"value":null}`, `<html>`,
	} {
		f.Add([]byte(s), "preview")
	}
	f.Fuzz(func(t *testing.T, body []byte, target string) {
		if st, err := DecodeJobStatus(body); err == nil {
			check(t, st.Snapshot())
		}
		if subs, err := DecodeSubmissions(body); err == nil {
			if s, ok := Newest(subs, target); ok {
				check(t, s.Snapshot())
			}
		}
	})
}

func check(t *testing.T, op snapshot.Operation) {
	if len(op.Steps) != 1 {
		t.Fatalf("%d steps, want 1", len(op.Steps))
	}
	if st, ok := op.State(); ok == (st == snapshot.StateUnknown) {
		t.Fatalf("status %q: state %q, known %v", op.Status, st, ok)
	}
	if p := op.Steps[0].ProgressPercentage; p != 0 && p != 100 {
		t.Fatalf("progress %d", p)
	}
}
