package snapshot

import "strings"

// State is a status string from the API, normalised. The API spells the same
// state several ways ("complete", "completed", "Succeeded"; "not started",
// "notStarted"; "canceled", "cancelled"), so callers compare States, never raw strings.
type State string

const (
	StateUnknown    State = "unknown"
	StateNotStarted State = "notStarted"
	StateRunning    State = "running"
	StateCompleted  State = "completed"
	StateFailed     State = "failed"
	StateCanceled   State = "canceled"
	StateBlocked    State = "blocked"
	// StateRejected ends a publish as surely as StateBlocked (CPP step state
	// Rejected): certification turned the offer down.
	StateRejected      State = "rejected"
	StateWaitingReview State = "waitingForPublisherReview"
	// StateWaitingApproval is work under way on Microsoft's side (CPP step
	// state WaitingForApproval), not the publisher's sign-off.
	StateWaitingApproval State = "waitingForApproval"
)

// ParseState normalises a status string: case, spaces, '-' and '_' do not matter.
// ok is false for a status this package does not know.
func ParseState(s string) (State, bool) {
	key := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '_', '\t':
			return -1
		}
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, s)
	switch key {
	case "notstarted", "neverpublished", "pending", "queued":
		return StateNotStarted, true
	case "running", "inprogress":
		return StateRunning, true
	case "complete", "completed", "succeeded", "success", "published":
		return StateCompleted, true
	case "failed", "failure":
		return StateFailed, true
	case "canceled", "cancelled":
		return StateCanceled, true
	case "blocked":
		return StateBlocked, true
	case "rejected":
		return StateRejected, true
	case "waitingforpublisherreview":
		return StateWaitingReview, true
	case "waitingforapproval":
		return StateWaitingApproval, true
	}
	return StateUnknown, false
}
