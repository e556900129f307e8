package poll

import (
	"time"

	"github.com/cenkalti/backoff/v4"
)

// The schedule's shape: each wait is Multiplier times the last, capped at
// max-interval, and each is moved at random by up to ±Jitter of itself.
// Jitter is small on purpose: enough to spread gates started together
// (±15 s at a 5-minute cap), yet no run makes more than 1/(1-Jitter) ≈ 1.05×
// the requests of the jitter-free schedule. backoff's default of ±50% made
// 14% more requests on a 3-day wait, and up to 25% in a run (go run ./bench).
const (
	Multiplier = 1.5
	Jitter     = 0.05
)

// schedule yields the waits between polls: exponential with jitter, from
// initial to max. Jitter can land outside that range, so each wait is
// clamped into it: max-interval is a hard cap. MaxElapsedTime is off: the
// gate's timeout, through the context, is the only end (backoff's 15-minute
// default would silently stop a long wait).
type schedule struct {
	b        *backoff.ExponentialBackOff
	min, max time.Duration
}

func newSchedule(initial, max time.Duration) *schedule {
	return &schedule{
		b: backoff.NewExponentialBackOff(
			backoff.WithInitialInterval(initial),
			backoff.WithMaxInterval(max),
			backoff.WithMultiplier(Multiplier),
			backoff.WithRandomizationFactor(Jitter),
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
