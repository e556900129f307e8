package report

import (
	"io"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/snapshot/snapshottest"
	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// BenchmarkSnapshotDiff reports a 50-step snapshot after one that differs in
// a step's progress and one new message: what the reporter does each poll.
func BenchmarkSnapshotDiff(b *testing.B) {
	prev, next := snapshottest.Operation(50, 3), snapshottest.Operation(50, 3)
	next.Steps[25].ProgressPercentage = 41
	next.Steps[25].Messages = append(next.Steps[25].Messages, next.Steps[0].Messages[0])
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		r := New(WithWriter(io.Discard), WithGetenv(func(k string) string {
			return map[string]string{"GITHUB_ACTIONS": "true"}[k]
		}))
		r.Snapshot(&prev, 1)
		b.StartTimer()
		r.Snapshot(&next, 2)
	}
}

// BenchmarkSummary renders the job summary of a failed 50-step publish.
func BenchmarkSummary(b *testing.B) {
	op := snapshottest.Operation(50, 3)
	op.Status = "failed"
	v := verdict.Verdict{Status: verdict.Failed, OfferID: "contoso-vm", OperationID: op.ID, Operation: &op, FailedStep: "step-25", Polls: 40}
	r := New(WithWriter(io.Discard), WithGetenv(func(string) string { return "" }))
	b.ReportAllocs()
	for b.Loop() {
		if s := summary([]view{r.render(v)}); len(s) < 1000 {
			b.Fatalf("summary of %d bytes", len(s))
		}
	}
}
