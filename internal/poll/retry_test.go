package poll_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/poll"
	"github.com/marketplace-gate/marketplace-gate/internal/poll/polltest"
)

type heard struct{ waits []time.Duration }

func (h *heard) Retrying(_ error, wait time.Duration) { h.waits = append(h.waits, wait) }

var flaky = &apihttp.Error{StatusCode: 503, Retry: true}

func always(err error) func(context.Context) error {
	return func(context.Context) error { return err }
}

func transient(err error) bool {
	var t interface{ Transient() bool }
	return errors.As(err, &t) && t.Transient()
}

// TestRetryFollowsTheSchedule: waits grow from initial-interval by the
// multiplier, capped at max-interval, jitter within bounds; each is heard.
func TestRetryFollowsTheSchedule(t *testing.T) {
	clock := polltest.New()
	h := &heard{}
	n := 0
	err := poll.Retry{Clock: clock, InitialInterval: 10 * time.Millisecond, MaxInterval: 30 * time.Millisecond, Observer: h}.Do(context.Background(), func(context.Context) error {
		if n++; n < 6 {
			return flaky
		}
		return nil
	}, transient)
	if err != nil || n != 6 {
		t.Fatalf("%v after %d tries; want success on the sixth", err, n)
	}
	want := []time.Duration{10 * time.Millisecond, 15 * time.Millisecond, 22500 * time.Microsecond, 30 * time.Millisecond, 30 * time.Millisecond}
	sleeps := clock.Sleeps()
	if len(sleeps) != len(want) || len(h.waits) != len(want) {
		t.Fatalf("waits %v, heard %v; want %d", sleeps, h.waits, len(want))
	}
	for i, w := range want {
		if d := sleeps[i] - w; d > w/20+1 || -d > w/20+1 || sleeps[i] > 30*time.Millisecond || sleeps[i] != h.waits[i] {
			t.Errorf("wait %d: %v (heard %v); want %v ±5%%, never past max-interval", i, sleeps[i], h.waits[i], w)
		}
	}
}

// TestRetryStopsAtTheDeadline: no try is made past the deadline, and none
// is waited for that would come after it; the last failure comes back as
// OutOfTime with the tries made.
func TestRetryStopsAtTheDeadline(t *testing.T) {
	clock := polltest.New()
	start := clock.Now()
	n := 0
	err := poll.Retry{Clock: clock, InitialInterval: 10 * time.Millisecond, MaxInterval: 10 * time.Millisecond, Deadline: start.Add(55 * time.Millisecond)}.Do(context.Background(), func(context.Context) error {
		n++
		return flaky
	}, transient)
	var out *poll.OutOfTime
	if !errors.As(err, &out) || out.Tries != n || !errors.Is(err, flaky) {
		t.Fatalf("%v (%T); want OutOfTime wrapping the last failure", err, err)
	}
	if n < 5 || n > 6 || clock.Now().Sub(start) >= 55*time.Millisecond {
		t.Errorf("%d tries ending at +%v; want a try every ~10ms, none waited for past +55ms", n, clock.Now().Sub(start))
	}
}

// TestRetryHonoursRetryAfter: the server's ask wins over max-interval, but
// a wait past the deadline is not made.
func TestRetryHonoursRetryAfter(t *testing.T) {
	clock := polltest.New()
	n := 0
	asked := &apihttp.Error{StatusCode: 429, Wait: 2 * time.Second, Retry: true}
	err := poll.Retry{Clock: clock, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, Deadline: clock.Now().Add(time.Minute)}.Do(context.Background(), func(context.Context) error {
		if n++; n == 1 {
			return asked
		}
		return nil
	}, transient)
	if err != nil || len(clock.Sleeps()) != 1 || clock.Sleeps()[0] != 2*time.Second {
		t.Fatalf("%v, waits %v; want one wait of 2s", err, clock.Sleeps())
	}

	clock = polltest.New()
	asked.Wait = time.Hour
	err = poll.Retry{Clock: clock, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, Deadline: clock.Now().Add(time.Minute)}.Do(context.Background(), always(asked), transient)
	var out *poll.OutOfTime
	if !errors.As(err, &out) || out.Tries != 1 || len(clock.Sleeps()) != 0 {
		t.Errorf("%v, waits %v; want one try, no wait past the deadline", err, clock.Sleeps())
	}
}

// TestRetryEnds: a failure again refuses ends it at once; so does the
// context, during a wait, with the last failure returned.
func TestRetryEnds(t *testing.T) {
	clock := polltest.New()
	n := 0
	permanent := &apihttp.Error{StatusCode: 403}
	err := poll.Retry{Clock: clock}.Do(context.Background(), func(context.Context) error { n++; return permanent }, transient)
	if err != permanent || n != 1 || len(clock.Sleeps()) != 0 {
		t.Errorf("%v after %d tries, waits %v; want the 403 at once", err, n, clock.Sleeps())
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock.OnSleep = func(time.Duration) { cancel() }
	n = 0
	err = poll.Retry{Clock: clock, InitialInterval: time.Millisecond}.Do(ctx, func(context.Context) error { n++; return flaky }, transient)
	if err != flaky || n != 1 {
		t.Errorf("%v after %d tries; want the last failure, no try after the stop", err, n)
	}
}

// TestRetryHoldsASlotPerTry: a try holds a slot of InFlight; a wait does
// not; with every slot taken, the context still ends the wait for one.
func TestRetryHoldsASlotPerTry(t *testing.T) {
	slots := make(chan struct{}, 1)
	clock := polltest.New()
	var held []int
	clock.OnSleep = func(time.Duration) { held = append(held, len(slots)) }
	n := 0
	err := poll.Retry{Clock: clock, InitialInterval: time.Millisecond, InFlight: slots}.Do(context.Background(), func(context.Context) error {
		held = append(held, len(slots))
		if n++; n < 3 {
			return flaky
		}
		return nil
	}, transient)
	if err != nil || len(held) != 5 || held[0] != 1 || held[1] != 0 || held[2] != 1 || held[3] != 0 || held[4] != 1 || len(slots) != 0 {
		t.Fatalf("%v; slots held %v (try, wait, try, wait, try); want 1 0 1 0 1, and none left", err, held)
	}

	slots <- struct{}{} // another watch's request
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (poll.Retry{Clock: clock, InFlight: slots}).Do(ctx, always(nil), transient); !errors.Is(err, context.Canceled) {
		t.Errorf("%v; want the stop, not a wait for a slot", err)
	}
}
