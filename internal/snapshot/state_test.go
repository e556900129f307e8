package snapshot

import "testing"

func TestParseStateSpellings(t *testing.T) {
	for in, want := range map[string]State{
		"running": StateRunning, "Running": StateRunning, "RUNNING": StateRunning, "inProgress": StateRunning,
		"not started": StateNotStarted, "notStarted": StateNotStarted, "NotStarted": StateNotStarted, "not_started": StateNotStarted,
		"complete": StateCompleted, "completed": StateCompleted, "Succeeded": StateCompleted,
		"failed": StateFailed, "Failed": StateFailed,
		"canceled": StateCanceled, "cancelled": StateCanceled, "Canceled": StateCanceled,
		"blocked":                   StateBlocked,
		"waitingForPublisherReview": StateWaitingReview, "WaitingForPublisherReview": StateWaitingReview,
		// Every step state of the CPP pages (cpp-publishing.md), in both cases.
		"Rejected": StateRejected, "rejected": StateRejected,
		"WaitingForApproval": StateWaitingApproval, "waitingForApproval": StateWaitingApproval,
		"InProgress": StateRunning, "Complete": StateCompleted, "Completed": StateCompleted,
		"CANCELLED": StateCanceled, "Blocked": StateBlocked,
	} {
		if got, ok := ParseState(in); !ok || got != want {
			t.Errorf("ParseState(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "exploded", "runn ing!"} {
		if got, ok := ParseState(in); ok || got != StateUnknown {
			t.Errorf("ParseState(%q) = %v, %v; want unknown", in, got, ok)
		}
	}
}
