package poll

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/poll/polltest"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

func op(status string, steps ...snapshot.Step) snapshot.Operation {
	return snapshot.Operation{Status: status, Steps: steps}
}
func step(id, status string) snapshot.Step { return snapshot.Step{ID: id, Status: status} }

func TestJudge(t *testing.T) {
	for _, tc := range []struct {
		name    string
		op      snapshot.Operation
		signoff bool
		want    verdict.Status
		step    string
	}{
		{"running", op("running", step("a", "running")), true, "", ""},
		{"blocked step", op("running", step("a", "complete"), step("cert", "blocked")), true, verdict.Blocked, "cert"},
		{"failed operation", op("Failed", step("a", "completed")), true, verdict.Failed, ""},
		{"failed step", op("running", step("prov", "failed")), true, verdict.Failed, "prov"},
		{"canceled", op("cancelled"), true, verdict.Canceled, ""},
		{"completed", op("completed"), true, verdict.Completed, ""},
		{"succeeded", op("Succeeded"), false, verdict.Completed, ""},
		{"signoff step", op("running", step(SignoffStep, "waitingForPublisherReview")), true, verdict.AwaitingSignoff, ""},
		{"signoff operation", op("WaitingForPublisherReview"), true, verdict.AwaitingSignoff, ""},
		{"signoff, told not to stop", op("running", step(SignoffStep, "waitingForPublisherReview")), false, "", ""},
		{"unknown status keeps polling", op("Exploding", step("a", "weird")), true, "", ""},
		{"rejected step", op("running", step("a", "Complete"), step("cert", "Rejected"), step("b", "NotStarted")), true, verdict.Failed, "cert"},
		{"rejected operation", op("Rejected"), true, verdict.Failed, ""},
		{"in progress", op("running", step("a", "InProgress")), true, "", ""},
		{"waiting for approval is work under way", op("running", step("a", "WaitingForApproval")), true, "", ""},
		{"go-live: two live steps, one complete, one running", op("running", step("live", "complete"), step("live", "running")), false, "", ""},
		{"go-live: both live steps done", op("Succeeded", step("live", "complete"), step("live", "completed")), false, verdict.Completed, ""},
	} {
		got, s, done := Judge(&tc.op, tc.signoff)
		if got != tc.want || s != tc.step || done != (tc.want != "") {
			t.Errorf("%s: %q %q %v; want %q %q", tc.name, got, s, done, tc.want, tc.step)
		}
	}
}

func TestScheduleStaysBetweenIntervals(t *testing.T) {
	const lo, hi = 15 * time.Second, 5 * time.Minute
	s := newSchedule(lo, hi)
	var first, last time.Duration
	for i := range 2000 {
		d := s.next()
		if d < lo || d > hi {
			t.Fatalf("wait %d = %v, outside [%v, %v]", i, d, lo, hi)
		}
		if i == 0 {
			first = d
		}
		last = d
	}
	if first > 23*time.Second || last < hi/2 {
		t.Fatalf("waits should grow from about %v towards %v: first %v, last %v", lo, hi, first, last)
	}
}

// script is a Fetch that plays results in order, repeating the last.
type script struct {
	results []result
	n       int
}

type result struct {
	op  snapshot.Operation
	err error
}

func (s *script) fetch(ctx context.Context) (snapshot.Operation, error) {
	r := s.results[min(s.n, len(s.results)-1)]
	s.n++
	return r.op, r.err
}

type recorder struct {
	snapshots int
	retries   []time.Duration
	errs      []string
}

func (r *recorder) Snapshot(*snapshot.Operation, int) { r.snapshots++ }
func (r *recorder) Retrying(err error, wait time.Duration) {
	r.retries = append(r.retries, wait)
	r.errs = append(r.errs, err.Error())
}

func poller(s *script, clock *polltest.Clock, timeout time.Duration, rec *recorder) *Poller {
	return &Poller{
		Fetch: s.fetch, Clock: clock, Timeout: timeout,
		InitialInterval: 10 * time.Millisecond, MaxInterval: 40 * time.Millisecond,
		StopAtSignoff: true, Observer: rec,
	}
}

func TestRunToCompletion(t *testing.T) {
	s := &script{results: []result{{op: op("running")}, {op: op("running")}, {op: op("completed")}}}
	clock, rec := polltest.New(), &recorder{}
	v := poller(s, clock, time.Hour, rec).Run(context.Background())
	if v.Status != verdict.Completed || v.Polls != 3 || rec.snapshots != 3 || len(clock.Sleeps()) != 2 {
		t.Fatalf("verdict %+v, snapshots %d, sleeps %v", v, rec.snapshots, clock.Sleeps())
	}
	if v.Elapsed != clock.Sleeps()[0]+clock.Sleeps()[1] {
		t.Errorf("elapsed %v should be the sum of the waits %v", v.Elapsed, clock.Sleeps())
	}
}

// transientErr mimics apihttp.Error's retry interface.
type transientErr struct{ wait time.Duration }

func (e transientErr) Error() string             { return "HTTP 429 throttled" }
func (e transientErr) Transient() bool           { return true }
func (e transientErr) RetryAfter() time.Duration { return e.wait }

func TestRetryAfterBeyondMaxIntervalIsHonoured(t *testing.T) {
	s := &script{results: []result{{err: transientErr{wait: 3 * time.Second}}, {op: op("completed")}}}
	clock, rec := polltest.New(), &recorder{}
	v := poller(s, clock, time.Hour, rec).Run(context.Background())
	if v.Status != verdict.Completed {
		t.Fatalf("verdict %+v", v)
	}
	if got := clock.Sleeps(); len(got) != 1 || got[0] != 3*time.Second {
		t.Fatalf("sleeps = %v; want the server's 3s, beyond max-interval 40ms", got)
	}
	if len(rec.retries) != 1 || rec.retries[0] != 3*time.Second {
		t.Errorf("observer heard %v", rec.retries)
	}
}

func TestRetryAfterNeverPastTimeout(t *testing.T) {
	s := &script{results: []result{{err: transientErr{wait: time.Hour}}}}
	clock := polltest.New()
	v := poller(s, clock, 2*time.Second, &recorder{}).Run(context.Background())
	if v.Status != verdict.TimedOut {
		t.Fatalf("verdict %+v", v)
	}
	if got := clock.Sleeps(); len(got) != 1 || got[0] != 2*time.Second || v.Polls != 1 {
		t.Fatalf("sleeps %v polls %d; want one wait of the remaining 2s", got, v.Polls)
	}
}

func TestTimeout(t *testing.T) {
	s := &script{results: []result{{op: op("running")}}}
	clock := polltest.New()
	v := poller(s, clock, time.Second, &recorder{}).Run(context.Background())
	if v.Status != verdict.TimedOut || v.Err == nil || !strings.Contains(v.Err.Error(), "timeout 1s") {
		t.Fatalf("verdict %+v", v)
	}
	var total time.Duration
	for _, d := range clock.Sleeps() {
		if d > 40*time.Millisecond {
			t.Errorf("a wait of %v exceeds max-interval", d)
		}
		total += d
	}
	if total != time.Second || v.Elapsed != time.Second {
		t.Errorf("waited %v, elapsed %v; want exactly the 1s timeout", total, v.Elapsed)
	}
	if v.Polls < 25 || v.Polls > 101 {
		t.Errorf("polls = %d; want between 1s/40ms and 1s/10ms", v.Polls)
	}
}

func TestPermanentErrorFailsFast(t *testing.T) {
	s := &script{results: []result{{err: errors.New("HTTP 403 forbidden")}}}
	clock := polltest.New()
	v := poller(s, clock, time.Hour, &recorder{}).Run(context.Background())
	if v.Status != verdict.Error || v.Polls != 1 || len(clock.Sleeps()) != 0 || !strings.Contains(v.Err.Error(), "403") {
		t.Fatalf("verdict %+v sleeps %v", v, clock.Sleeps())
	}
}

func TestInterruptedWhileSleeping(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &script{results: []result{{op: op("running")}}}
	clock := polltest.New()
	clock.OnSleep = func(time.Duration) {
		if len(clock.Sleeps()) == 2 {
			cancel() // the runner's SIGINT arrives during the third wait
		}
	}
	v := poller(s, clock, time.Hour, &recorder{}).Run(ctx)
	if v.Status != verdict.Interrupted || v.Polls != 3 {
		t.Fatalf("verdict %+v", v)
	}
}

func TestInterruptedDuringRequest(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := &Poller{
		Fetch: func(c context.Context) (snapshot.Operation, error) {
			cancel()
			<-c.Done()
			return snapshot.Operation{}, c.Err()
		},
		Clock: polltest.New(), Timeout: time.Hour, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond,
	}
	if v := p.Run(ctx); v.Status != verdict.Interrupted || v.Polls != 1 {
		t.Fatalf("verdict %+v", v)
	}
}

func TestHungRequestIsRetried(t *testing.T) {
	calls := 0
	rec := &recorder{}
	p := &Poller{
		Fetch: func(c context.Context) (snapshot.Operation, error) {
			calls++
			if calls == 1 {
				<-c.Done() // hangs until the per-request timeout
				return snapshot.Operation{}, c.Err()
			}
			return op("completed"), nil
		},
		Clock: polltest.New(), Timeout: time.Hour, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond,
		RequestTimeout: 5 * time.Millisecond, Observer: rec,
	}
	v := p.Run(context.Background())
	if v.Status != verdict.Completed || calls != 2 || len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "no answer within 5ms") {
		t.Fatalf("verdict %+v calls %d errs %q", v, calls, rec.errs)
	}
}

func TestHungRequestEndsAtTimeout(t *testing.T) {
	// A request that never answers, with a request timeout far beyond the
	// gate's: the request must still end at the gate's timeout (both the
	// per-request bound, capped at the time left, and the wall-clock
	// deadline fire then), and the verdict is timed-out, not an error.
	p := &Poller{
		Fetch: func(c context.Context) (snapshot.Operation, error) {
			<-c.Done()
			return snapshot.Operation{}, c.Err()
		},
		Clock: polltest.New(), Timeout: 20 * time.Millisecond, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond,
		RequestTimeout: time.Hour,
	}
	if v := p.Run(context.Background()); v.Status != verdict.TimedOut {
		t.Fatalf("verdict %+v", v)
	}
}

// TestOnceDecidesOnTheFirstSnapshot: wait: false checks once. Transient
// errors are still retried until a snapshot arrives.
func TestOnceDecidesOnTheFirstSnapshot(t *testing.T) {
	for _, tc := range []struct {
		name    string
		results []result
		signoff bool
		want    verdict.Status
		polls   int
	}{
		{"running", []result{{op: op("running")}, {op: op("completed")}}, true, verdict.Running, 1},
		{"blocked", []result{{op: op("running", step("cert", "blocked"))}}, true, verdict.Blocked, 1},
		{"signoff, though not stopping there", []result{{op: op("running", step(SignoffStep, "waitingForPublisherReview"))}}, false, verdict.AwaitingSignoff, 1},
		{"throttled first", []result{{err: transientErr{}}, {op: op("running")}}, true, verdict.Running, 2},
	} {
		s := &script{results: tc.results}
		p := poller(s, polltest.New(), time.Hour, &recorder{})
		p.Once, p.StopAtSignoff = true, tc.signoff
		if v := p.Run(context.Background()); v.Status != tc.want || v.Polls != tc.polls {
			t.Errorf("%s: %s after %d polls; want %s after %d", tc.name, v.Status, v.Polls, tc.want, tc.polls)
		}
	}
}

// TestZeroIntervalStillEnds: an interval of zero (a default gone missing)
// must not spin for ever on a clock that only moves when slept on.
func TestZeroIntervalStillEnds(t *testing.T) {
	s := &script{results: []result{{op: op("running")}}}
	clock := polltest.New()
	p := poller(s, clock, time.Second, &recorder{})
	p.InitialInterval, p.MaxInterval = 0, 0
	v := p.Run(context.Background())
	if v.Status != verdict.TimedOut || v.Polls > 1001 {
		t.Fatalf("verdict %s after %d polls; want timed-out within a poll a millisecond", v.Status, v.Polls)
	}
}
