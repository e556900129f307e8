package ingestion

import (
	"strings"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// FuzzDecode feeds any body to both decoders and the mapping: nothing may
// panic, and a snapshot's status is known to snapshot or kept raw.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"jobID":"a","jobStatus":"completed","jobResult":"failed","errors":[{"code":"c","message":"m","details":[{"code":"d","message":"<b>"}]},"plain"]}`,
		`{"value":[{"id":"submission/p/0","target":{"targetType":"draft"}},{"id":"submission/p/1","target":{"targetType":"live"},"status":"completed","result":"succeeded","created":"2022-01-25T07:13:06.4408032Z"}]}`,
		`[{"target":{"targetType":"preview"},"status":"running"}]`, `{"errors":[[[[[[[]]]]]]]}`, `{"value":null}`, `<html>`,
		`{"jobId":"a","jobStatus":"completed","jobResult":"failed","jobStart":7,"jobEnd":"0001-01-01","errors":[{"code":"c","message":"m","details":{}}]}`,
		`{"value":[{"id":"submission/p/0","target":{"targetType":"live"},"created":"2022-01-25T07:13:06.4408032"},{"id":"submission/p/0","target":{"targetType":"preview"},"status":"running","created":null}]}`,
	} {
		f.Add([]byte(s), "preview", int64(0))
		f.Add([]byte(s), "live", int64(1643094786)) // 2022-01-25T07:13:06Z
	}
	f.Fuzz(func(t *testing.T, body []byte, target string, sinceUnix int64) {
		if st, err := DecodeJobStatus(body); err == nil {
			check(t, st.Snapshot())
		}
		var since time.Time
		if sinceUnix != 0 {
			since = time.Unix(sinceUnix, 0)
		}
		if subs, err := DecodeSubmissions(body); err == nil {
			if s, ok := Newest(subs, target, since); ok {
				check(t, s.Snapshot())
				// The bound is never crossed: an older or undated submission is
				// no proof, and without a bound nothing is. The one proof beside
				// its own created: a live entry of the same id created since.
				if since.IsZero() || !createdSince(s, since) && !liveSince(subs, s.ID, since) {
					t.Fatalf("submission created %q picked with since %v", s.Created, since)
				}
			}
			if s, ok := Latest(subs, target); ok {
				check(t, s.Snapshot())
			}
		}
	})
}

func createdSince(s Submission, since time.Time) bool {
	at, dated := s.CreatedAt()
	return dated && !at.Before(since)
}

func liveSince(subs []Submission, id string, since time.Time) bool {
	for _, s := range subs {
		if s.ID == id && strings.EqualFold(s.Target.TargetType, "live") && createdSince(s, since) {
			return true
		}
	}
	return false
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
