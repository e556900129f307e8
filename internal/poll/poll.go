// Package poll watches an operation until it reaches a verdict: it fetches
// snapshots on a backoff schedule, judges each, and never outlives its timeout.
package poll

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// SignoffStep is the step at which a publish waits for the publisher to Go Live.
const SignoffStep = "publisher-signoff"

// ErrTimeout is the context cause when the gate's timeout ends the wait.
var ErrTimeout = errors.New("the gate's timeout was reached")

// Observer hears what happens while polling; the reporter implements it.
type Observer interface {
	// Snapshot is called with every operation fetched.
	Snapshot(op *snapshot.Operation, poll int)
	// Retrying is called when a poll failed in a way worth retrying.
	Retrying(err error, wait time.Duration)
}

// Poller fetches an operation until it reaches a verdict.
type Poller struct {
	// Fetch gets the current operation.
	Fetch           func(ctx context.Context) (snapshot.Operation, error)
	Clock           Clock
	Timeout         time.Duration
	InitialInterval time.Duration
	MaxInterval     time.Duration
	// RequestTimeout bounds one Fetch; 0 means the API clients' own bound.
	RequestTimeout time.Duration
	StopAtSignoff  bool
	// Once makes a single check: the first snapshot decides, and an
	// operation still on its way is Running (waiting for sign-off is
	// AwaitingSignoff whatever StopAtSignoff says). Transient errors are
	// still retried until a snapshot arrives or the timeout.
	Once bool
	// StallAfter ends the wait as Stalled when nothing in the operation has
	// changed for this long (its status; each step's status, progress,
	// estimated time frame and messages; its own messages), so that an offer
	// stuck for days is reported, not left to a silent timeout. A status
	// respelled or a message re-stamped is no change. Only snapshots count:
	// failed fetches neither reset it nor end the wait. 0 turns it off;
	// Once ignores it.
	StallAfter time.Duration
	Observer   Observer
}

// Run polls until a terminal state, a permanent error, a stall, the timeout,
// or ctx ends (a signal). Every wait is a select on the context.
func (p *Poller) Run(ctx context.Context) verdict.Verdict {
	clock := p.Clock
	if clock == nil {
		clock = RealClock{}
	}
	reqTimeout := p.RequestTimeout
	if reqTimeout <= 0 {
		reqTimeout = apihttp.DefaultRequestTimeout
	}
	start := clock.Now()
	deadline := start.Add(p.Timeout)
	// The wall-clock deadline is the hard stop: no request outlives it.
	ctx, cancel := context.WithTimeoutCause(ctx, p.Timeout, ErrTimeout)
	defer cancel()

	// A zero interval would poll in a hot loop (and never advance a fake
	// clock): the schedule starts at a millisecond at least.
	sched := newSchedule(max(p.InitialInterval, time.Millisecond), max(p.MaxInterval, p.InitialInterval, time.Millisecond))
	stall := stallWatch{after: p.StallAfter}
	if p.Once {
		stall.after = 0 // one snapshot cannot show a stall
	}
	var v verdict.Verdict
	finish := func(s verdict.Status, err error) verdict.Verdict {
		v.Status, v.Err, v.Elapsed = s, err, clock.Now().Sub(start)
		return v
	}
	for {
		remaining := deadline.Sub(clock.Now())
		if remaining <= 0 {
			return finish(verdict.TimedOut, timeoutError(p.Timeout))
		}
		v.Polls++
		reqCtx, cancelReq := context.WithTimeout(ctx, min(reqTimeout, remaining))
		op, err := p.Fetch(reqCtx)
		reqExpired := reqCtx.Err() != nil
		cancelReq()

		if ctx.Err() != nil {
			return finish(stopCause(ctx, p.Timeout))
		}
		wait := sched.next()
		if err != nil {
			if reqExpired {
				err = fmt.Errorf("no answer within %s: %w", min(reqTimeout, remaining).Round(time.Millisecond), err)
			} else if !isTransient(err) {
				return finish(verdict.Error, err)
			}
			wait = stall.limit(wait, clock.Now())
			if ra := retryAfter(err); ra > wait {
				wait = ra // the server's ask wins over max-interval and the stall point, never over the timeout
			}
			if p.Observer != nil {
				p.Observer.Retrying(err, min(wait, deadline.Sub(clock.Now())))
			}
		} else {
			v.Operation = &op
			if p.Observer != nil {
				p.Observer.Snapshot(&op, v.Polls)
			}
			stalled := stall.see(&op, clock.Now())
			s, step, done := Judge(&op, p.StopAtSignoff || p.Once)
			if !done && p.Once {
				s, done = verdict.Running, true
			}
			if done {
				switch s {
				case verdict.Blocked:
					v.BlockedStep = step
				case verdict.Failed:
					v.FailedStep = step
				}
				return finish(s, nil)
			}
			if stalled {
				return finish(verdict.Stalled, stall.err(&op, clock.Now()))
			}
			wait = stall.limit(wait, clock.Now())
		}

		remaining = deadline.Sub(clock.Now())
		if wait >= remaining {
			// The next poll would come after the deadline: wait out the
			// remainder (a signal still ends it) and report the timeout.
			if clock.Sleep(ctx, remaining) != nil {
				return finish(stopCause(ctx, p.Timeout))
			}
			return finish(verdict.TimedOut, timeoutError(p.Timeout))
		}
		if clock.Sleep(ctx, wait) != nil {
			return finish(stopCause(ctx, p.Timeout))
		}
	}
}

// Judge decides whether a snapshot is terminal and with what status. step is
// the blocked or failed step's id, where there is one.
func Judge(op *snapshot.Operation, stopAtSignoff bool) (s verdict.Status, step string, done bool) {
	for i := range op.Steps {
		if st, _ := op.Steps[i].State(); st == snapshot.StateBlocked {
			return verdict.Blocked, op.Steps[i].ID, true
		}
	}
	opState, _ := op.State()
	// A rejected step ends the publish as a failed one does: the pages list
	// Rejected beside Blocked, and nothing after it will run.
	failedStep := ""
	for i := range op.Steps {
		if st, _ := op.Steps[i].State(); st == snapshot.StateFailed || st == snapshot.StateRejected {
			failedStep = op.Steps[i].ID
			break
		}
	}
	switch {
	case opState == snapshot.StateFailed || opState == snapshot.StateRejected || failedStep != "":
		return verdict.Failed, failedStep, true
	case opState == snapshot.StateCanceled:
		return verdict.Canceled, "", true
	case opState == snapshot.StateCompleted:
		return verdict.Completed, "", true
	}
	if stopAtSignoff {
		if opState == snapshot.StateWaitingReview {
			return verdict.AwaitingSignoff, "", true
		}
		for i := range op.Steps {
			if st, _ := op.Steps[i].State(); st == snapshot.StateWaitingReview && op.Steps[i].ID == SignoffStep {
				return verdict.AwaitingSignoff, "", true
			}
		}
	}
	return "", "", false
}

// StopCause is the status of work that ctx ended before it finished — the
// gate's timeout or a signal — with err, which says what was under way.
func StopCause(ctx context.Context, err error) (verdict.Status, error) {
	if errors.Is(context.Cause(ctx), ErrTimeout) {
		return verdict.TimedOut, err
	}
	return verdict.Interrupted, err
}

// stopCause says why ctx ended: the gate's timeout, or a signal.
func stopCause(ctx context.Context, timeout time.Duration) (verdict.Status, error) {
	if errors.Is(context.Cause(ctx), ErrTimeout) {
		return verdict.TimedOut, timeoutError(timeout)
	}
	// The runner sends the same SIGINT for a cancelled job and for a step's
	// or the job's timeout-minutes: the gate cannot tell which.
	return verdict.Interrupted, fmt.Errorf("the gate was stopped before the operation finished (%w: the job was cancelled, or a timeout-minutes ran out)", context.Cause(ctx))
}

func timeoutError(d time.Duration) error {
	return fmt.Errorf("the operation did not finish within timeout %s", d)
}

func isTransient(err error) bool {
	var t interface{ Transient() bool }
	return errors.As(err, &t) && t.Transient()
}

func retryAfter(err error) time.Duration {
	var r interface{ RetryAfter() time.Duration }
	if errors.As(err, &r) {
		return r.RetryAfter()
	}
	return 0
}
