package poll

import (
	"context"
	"time"
)

// Clock is the poller's sense of time. Tests inject a fake one, so no test sleeps.
type Clock interface {
	Now() time.Time
	// Sleep waits d, or until ctx ends, whichever is first; it returns ctx's error then.
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the wall clock.
type RealClock struct{}

// Now returns the current time.
func (RealClock) Now() time.Time { return time.Now() }

// Sleep waits in a select on ctx, so a signal or the deadline ends it at once.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
