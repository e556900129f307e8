// Package polltest provides a fake clock so that no test sleeps.
package polltest

import (
	"context"
	"sync"
	"time"
)

// Clock is a fake poll.Clock: Sleep advances time at once and records the wait.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
	// OnSleep, if set, runs inside each Sleep (e.g. to cancel a context).
	OnSleep func(d time.Duration)
}

// New returns a fake clock set to a fixed instant.
func New() *Clock { return &Clock{now: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)} }

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep advances the fake time by d unless ctx has already ended.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if c.OnSleep != nil {
		c.OnSleep(d)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.sleeps = append(c.sleeps, d)
	return nil
}

// Sleeps returns the waits requested so far.
func (c *Clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}
