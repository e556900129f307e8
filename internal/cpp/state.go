package cpp

import "strings"

// State is a status string from the API, normalised. The API spells the same
// state several ways ("complete", "completed", "Succeeded"; "not started",
// "notStarted"; "canceled", "cancelled"), so callers compare States, never raw strings.
type State string

const (
	StateUnknown       State = "unknown"
	StateNotStarted    State = "notStarted"
	StateRunning       State = "running"
	StateCompleted     State = "completed"
	StateFailed        State = "failed"
	StateCanceled      State = "canceled"
	StateBlocked       State = "blocked"
	StateWaitingReview State = "waitingForPublisherReview"
)

var states = map[string]State{
	"notstarted":                StateNotStarted,
	"neverpublished":            StateNotStarted,
	"pending":                   StateNotStarted,
	"queued":                    StateNotStarted,
	"running":                   StateRunning,
	"inprogress":                StateRunning,
	"complete":                  StateCompleted,
	"completed":                 StateCompleted,
	"succeeded":                 StateCompleted,
	"success":                   StateCompleted,
	"published":                 StateCompleted,
	"failed":                    StateFailed,
	"failure":                   StateFailed,
	"canceled":                  StateCanceled,
	"cancelled":                 StateCanceled,
	"blocked":                   StateBlocked,
	"waitingforpublisherreview": StateWaitingReview,
}

// ParseState normalises a status string: case, spaces, '-' and '_' do not matter.
// ok is false for a status this package does not know.
func ParseState(s string) (st State, ok bool) {
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
	st, ok = states[key]
	if !ok {
		return StateUnknown, false
	}
	return st, true
}

// Done reports whether the state means the work finished successfully.
func (s State) Done() bool { return s == StateCompleted }
