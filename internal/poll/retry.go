package poll

import (
	"context"
	"time"
)

// Retry makes one request again on the poller's schedule — from
// initial-interval, growing to max-interval, a server's Retry-After
// honoured — until it succeeds, fails in a way again refuses, the next try
// would come after Deadline, or ctx ends. The reads and sends around a
// start use it, so they give up where the gate's timeout says, not after a
// count of their own. Every wait is a Clock.Sleep: a select on ctx.
type Retry struct {
	Clock           Clock
	InitialInterval time.Duration
	MaxInterval     time.Duration
	// Deadline is when the gate's timeout ends, on Clock; zero: only ctx
	// bounds the tries.
	Deadline time.Time
	// Observer, when set, hears each failure that is tried again and the
	// wait before the next try (the reporter logs it once per distinct error).
	Observer interface {
		Retrying(err error, wait time.Duration)
	}
	// InFlight, when set, bounds the requests in flight across every watch:
	// each try holds a slot, never a wait between tries.
	InFlight chan struct{}
}

// OutOfTime is the last failure of a Retry that stopped because its next
// try would have come after the deadline.
type OutOfTime struct {
	Err   error
	Tries int
}

func (e *OutOfTime) Error() string { return e.Err.Error() }
func (e *OutOfTime) Unwrap() error { return e.Err }

// Do calls do until it returns nil or an error that again refuses, and
// returns that. It stops early, returning do's last error, when ctx ends,
// and returns an *OutOfTime when the next try would pass the deadline:
// there is no point waiting for a try that will never be made.
func (r Retry) Do(ctx context.Context, do func(context.Context) error, again func(error) bool) error {
	clock := r.Clock
	if clock == nil {
		clock = RealClock{}
	}
	sched := newSchedule(max(r.InitialInterval, time.Millisecond), max(r.MaxInterval, r.InitialInterval, time.Millisecond))
	for tries := 1; ; tries++ {
		err := r.try(ctx, do)
		if err == nil || !again(err) || ctx.Err() != nil {
			return err
		}
		wait := max(sched.next(), retryAfter(err))
		if !r.Deadline.IsZero() && !clock.Now().Add(wait).Before(r.Deadline) {
			return &OutOfTime{Err: err, Tries: tries}
		}
		if r.Observer != nil {
			r.Observer.Retrying(err, wait)
		}
		if clock.Sleep(ctx, wait) != nil {
			return err
		}
	}
}

// try makes one try, holding a slot of InFlight while it runs.
func (r Retry) try(ctx context.Context, do func(context.Context) error) error {
	if r.InFlight != nil {
		select {
		case r.InFlight <- struct{}{}:
			defer func() { <-r.InFlight }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return do(ctx)
}
