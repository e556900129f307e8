package poll

import (
	"time"

	"github.com/cenkalti/backoff/v4"
)

// schedule yields the waits between polls: exponential with jitter, from
// initial to max. backoff's jitter can land outside that range (±50% around
// the current interval), so each wait is clamped into it: max-interval is a
// hard cap. MaxElapsedTime is off: the gate's timeout, through the context,
// is the only end (backoff's 15-minute default would silently stop a long wait).
type schedule struct {
	b        *backoff.ExponentialBackOff
	min, max time.Duration
}

func newSchedule(initial, max time.Duration) *schedule {
	return &schedule{
		b: backoff.NewExponentialBackOff(
			backoff.WithInitialInterval(initial),
			backoff.WithMaxInterval(max),
			backoff.WithMaxElapsedTime(0),
		),
		min: initial,
		max: max,
	}
}

// next returns the wait before the following poll.
func (s *schedule) next() time.Duration {
	return min(max(s.b.NextBackOff(), s.min), s.max)
}
