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

// TestInterruptedWhileSleeping: a SIGINT ends the wait at once. The runner
// sends it for a cancelled job and for a timeout-minutes alike, so the
// verdict claims neither.
func TestInterruptedWhileSleeping(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	s := &script{results: []result{{op: op("running")}}}
	clock := polltest.New()
	clock.OnSleep = func(time.Duration) {
		if len(clock.Sleeps()) == 2 {
			cancel(errors.New("interrupt signal received")) // during the third wait
		}
	}
	v := poller(s, clock, time.Hour, &recorder{}).Run(ctx)
	if v.Status != verdict.Interrupted || v.Polls != 3 {
		t.Fatalf("verdict %+v", v)
	}
	msg := v.Err.Error()
	for _, want := range []string{"the gate was stopped before the operation finished", "interrupt signal received", "the job was cancelled, or a timeout-minutes ran out"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
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

// every is both intervals of the stall tests: with no room for jitter, every
// wait is exactly this, so a shortened wait shows.
const every = 7 * time.Minute

func stallPoller(fetch func(context.Context) (snapshot.Operation, error), clock *polltest.Clock, stallAfter, timeout time.Duration) *Poller {
	return &Poller{
		Fetch: fetch, Clock: clock, Timeout: timeout,
		InitialInterval: every, MaxInterval: every,
		StopAtSignoff: true, StallAfter: stallAfter,
	}
}

// stuck is an operation waiting at certification.
func stuck() snapshot.Operation {
	return snapshot.Operation{
		Status:   "running",
		Messages: snapshot.Messages{{HTML: "Publishing", Level: "information", Timestamp: "2026-11-21T08:59:00Z"}},
		Steps: []snapshot.Step{
			{ID: "validation", Status: "completed", ProgressPercentage: 100},
			{
				ID: "cert", Name: "Certification", Status: "InProgress", ProgressPercentage: 10, EstimatedTimeFrame: "3 days",
				Messages: snapshot.Messages{{HTML: "Under review", Level: "information", Timestamp: "2026-11-21T08:59:30Z"}},
			},
			{ID: SignoffStep, Status: "notStarted"},
		},
	}
}

// byTime is a Fetch whose answer depends on the time since it was made.
func byTime(clock *polltest.Clock, answer func(since time.Duration, n int) (snapshot.Operation, error)) func(context.Context) (snapshot.Operation, error) {
	t0, n := clock.Now(), 0
	return func(context.Context) (snapshot.Operation, error) {
		n++
		return answer(clock.Now().Sub(t0), n)
	}
}

func TestStallEndsAtStallAfter(t *testing.T) {
	clock := polltest.New()
	v := stallPoller(byTime(clock, func(time.Duration, int) (snapshot.Operation, error) { return stuck(), nil }), clock, 2*time.Hour, 6*time.Hour).Run(context.Background())
	if v.Status != verdict.Stalled || v.Elapsed != 2*time.Hour {
		t.Fatalf("%s after %v; want stalled after exactly 2h", v.Status, v.Elapsed)
	}
	// 17 waits of 7m reach 1h59m; the 18th is cut to the 1m left, and the
	// poll at 2h, still unchanged, ends it.
	sleeps := clock.Sleeps()
	if len(sleeps) != 18 || sleeps[17] != time.Minute || v.Polls != 19 {
		t.Fatalf("polls %d, sleeps %v; want 17×7m, then 1m", v.Polls, sleeps)
	}
	const want = "nothing in the operation changed for 2h0m0s (since 2026-11-21T09:00:00Z): it is stuck at step Certification (running, 10%)"
	if v.Err == nil || v.Err.Error() != want {
		t.Errorf("err = %v\nwant  %s", v.Err, want)
	}
	if v.Status.Passed() || v.Status.ExitCode() != 1 {
		t.Errorf("stalled must fail the job")
	}
}

func TestStallErrNamesWhereItIsStuck(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   snapshot.Operation
		want string
	}{
		{"running step", stuck(), "it is stuck at step Certification (running, 10%)"},
		{"waiting for approval, by id", op("running", step("a", "completed"), step("cert", "WaitingForApproval")), "it is stuck at step cert (waitingForApproval, 0%)"},
		{"unknown status, raw", op("running", step("a", "notStarted"), step("b", "Exploding")), "it is stuck at step b (Exploding, 0%)"},
		{"first not completed", op("running", step("a", "completed"), step("b", "not started"), step("c", "notStarted")), "it is stuck at step b (notStarted, 0%)"},
		{"no steps", op("Queued"), "the operation is notStarted"},
		{"all steps done", op("Exploding", step("a", "completed")), "the operation is Exploding"},
	} {
		clock := polltest.New()
		v := stallPoller(byTime(clock, func(time.Duration, int) (snapshot.Operation, error) { return tc.op, nil }), clock, time.Hour, 6*time.Hour).Run(context.Background())
		if v.Status != verdict.Stalled || v.Err == nil || !strings.HasSuffix(v.Err.Error(), "): "+tc.want) {
			t.Errorf("%s: %s, %v; want it to end %q", tc.name, v.Status, v.Err, tc.want)
		}
	}
}

func TestMovingOperationNeverStalls(t *testing.T) {
	// A stall-after shorter than the interval: each wait is cut to it, and
	// each poll brings news.
	for _, tc := range []struct {
		name string
		move func(o *snapshot.Operation, n int)
	}{
		{"progress", func(o *snapshot.Operation, n int) { o.Steps[1].ProgressPercentage = snapshot.Percent(n % 100) }},
		{"estimated time frame", func(o *snapshot.Operation, n int) { o.Steps[1].EstimatedTimeFrame = strings.Repeat("x", n%2) }},
		{"step message", func(o *snapshot.Operation, n int) {
			o.Steps[1].Messages = append(o.Steps[1].Messages, snapshot.Message{HTML: strings.Repeat("·", n)})
		}},
		{"step message level", func(o *snapshot.Operation, n int) {
			o.Steps[1].Messages[0].Level = []string{"information", "warning"}[n%2]
		}},
		{"operation message", func(o *snapshot.Operation, n int) { o.Messages[0].HTML = strings.Repeat("·", n) }},
		{"operation status", func(o *snapshot.Operation, n int) { o.Status = []string{"running", "notStarted"}[n%2] }},
		{"step status", func(o *snapshot.Operation, n int) { o.Steps[1].Status = []string{"running", "waitingForApproval"}[n%2] }},
	} {
		clock := polltest.New()
		v := stallPoller(byTime(clock, func(_ time.Duration, n int) (snapshot.Operation, error) {
			o := stuck()
			tc.move(&o, n)
			return o, nil
		}), clock, 5*time.Minute, 6*time.Hour).Run(context.Background())
		if v.Status != verdict.TimedOut || v.Elapsed != 6*time.Hour {
			t.Errorf("%s: %s after %v (%v); want timed-out at 6h", tc.name, v.Status, v.Elapsed, v.Err)
		}
	}

	clock := polltest.New()
	v := stallPoller(byTime(clock, func(_ time.Duration, n int) (snapshot.Operation, error) {
		if n > 10 {
			return op("completed"), nil
		}
		o := stuck()
		o.Steps[1].ProgressPercentage = snapshot.Percent(10 * n)
		return o, nil
	}), clock, 5*time.Minute, 6*time.Hour).Run(context.Background())
	if v.Status != verdict.Completed || v.Polls != 11 {
		t.Errorf("%s after %d polls; want completed after 11", v.Status, v.Polls)
	}
}

func TestChangeResetsStallClock(t *testing.T) {
	const stallAfter = 2 * time.Hour
	clock := polltest.New()
	var changedAt time.Time
	fetch := byTime(clock, func(since time.Duration, _ int) (snapshot.Operation, error) {
		o := stuck()
		if since >= stallAfter*9/10 {
			if changedAt.IsZero() {
				changedAt = clock.Now()
			}
			o.Steps[1].Messages = append(o.Steps[1].Messages, snapshot.Message{HTML: "Malware scan passed", Level: "information"})
		}
		return o, nil
	})
	start := clock.Now()
	v := stallPoller(fetch, clock, stallAfter, 6*time.Hour).Run(context.Background())
	// The news comes with the poll at 1h52m, the first after 1h48m.
	if changedAt != start.Add(112*time.Minute) {
		t.Fatalf("changed at %v", changedAt)
	}
	if v.Status != verdict.Stalled || start.Add(v.Elapsed) != changedAt.Add(stallAfter) {
		t.Fatalf("%s after %v; want stalled at the change + 2h (%v)", v.Status, v.Elapsed, changedAt.Add(stallAfter).Sub(start))
	}
	if want := "(since 2026-11-21T10:52:00Z)"; !strings.Contains(v.Err.Error(), want) {
		t.Errorf("err = %v; want %s", v.Err, want)
	}
}

func TestNoNewsIsNoChange(t *testing.T) {
	for _, tc := range []struct {
		name string
		move func(o *snapshot.Operation, n int)
	}{
		{"messages re-stamped", func(o *snapshot.Operation, n int) {
			stamp := clockTime(n)
			o.Messages[0].Timestamp, o.Steps[1].Messages[0].Timestamp = stamp, stamp
		}},
		{"statuses respelled", func(o *snapshot.Operation, n int) {
			o.Status = []string{"running", "Running", "in progress", "InProgress"}[n%4]
			o.Steps[0].Status = []string{"completed", "Complete", "Succeeded"}[n%3]
			o.Steps[1].Status = []string{"InProgress", "running", "Running", "in_progress"}[n%4]
			o.Steps[2].Status = []string{"notStarted", "NotStarted", "not started"}[n%3]
		}},
	} {
		clock := polltest.New()
		v := stallPoller(byTime(clock, func(_ time.Duration, n int) (snapshot.Operation, error) {
			o := stuck()
			tc.move(&o, n)
			return o, nil
		}), clock, 2*time.Hour, 6*time.Hour).Run(context.Background())
		if v.Status != verdict.Stalled || v.Elapsed != 2*time.Hour {
			t.Errorf("%s: %s after %v; want stalled at 2h", tc.name, v.Status, v.Elapsed)
		}
	}
}

func clockTime(n int) string {
	return time.Date(2026, 11, 21, 9, n, 0, 0, time.UTC).Format(time.RFC3339)
}

func TestFingerprint(t *testing.T) {
	base := fingerprint(ptr(stuck()))
	for _, tc := range []struct {
		name    string
		edit    func(o *snapshot.Operation)
		changed bool
	}{
		{"nothing", func(*snapshot.Operation) {}, false},
		{"message timestamp", func(o *snapshot.Operation) { o.Steps[1].Messages[0].Timestamp = "2026-11-22T00:00:00Z" }, false},
		{"status respelled", func(o *snapshot.Operation) { o.Status, o.Steps[1].Status = "In Progress", "running" }, false},
		{"operation status", func(o *snapshot.Operation) { o.Status = "notStarted" }, true},
		{"unknown status respelled is taken raw", func(o *snapshot.Operation) { o.Steps[1].Status = "exploding" }, true},
		{"operation message text", func(o *snapshot.Operation) { o.Messages[0].HTML = "Publishing." }, true},
		{"operation message level", func(o *snapshot.Operation) { o.Messages[0].Level = "warning" }, true},
		{"operation message added", func(o *snapshot.Operation) { o.Messages = append(o.Messages, snapshot.Message{}) }, true},
		{"step id", func(o *snapshot.Operation) { o.Steps[1].ID = "certification" }, true},
		{"step status", func(o *snapshot.Operation) { o.Steps[2].Status = "running" }, true},
		{"step progress", func(o *snapshot.Operation) { o.Steps[1].ProgressPercentage = 11 }, true},
		{"step time frame", func(o *snapshot.Operation) { o.Steps[1].EstimatedTimeFrame = "2 days" }, true},
		{"step message text", func(o *snapshot.Operation) { o.Steps[1].Messages[0].HTML = "Under review." }, true},
		{"step message level", func(o *snapshot.Operation) { o.Steps[1].Messages[0].Level = "error" }, true},
		{"step added", func(o *snapshot.Operation) { o.Steps = append(o.Steps, snapshot.Step{}) }, true},
		{"steps reordered", func(o *snapshot.Operation) { o.Steps[0], o.Steps[2] = o.Steps[2], o.Steps[0] }, true},
		{"message moved between operation and step", func(o *snapshot.Operation) {
			o.Steps[0].Messages, o.Messages = o.Messages, nil
		}, true},
		{"field boundary moved", func(o *snapshot.Operation) {
			o.Steps[1].Messages[0].HTML, o.Steps[1].Messages[0].Level = "Under reviewin", "formation"
		}, true},
	} {
		o := stuck()
		tc.edit(&o)
		if got := fingerprint(&o) != base; got != tc.changed {
			t.Errorf("%s: changed = %v; want %v", tc.name, got, tc.changed)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestTransientErrorsDoNotResetStall(t *testing.T) {
	for _, tc := range []struct {
		name           string
		errFrom, errTo time.Duration
		retryAfter     time.Duration
		want           time.Duration
	}{
		// Errors come and go well before the stall point: it stands.
		{"between snapshots", 30 * time.Minute, 90 * time.Minute, 0, 2 * time.Hour},
		// The polls at 1h45m…2h7m fail: the stall is judged by the next
		// snapshot, at 2h14m, on the schedule from then on (not in a spin).
		{"across the stall point", 100 * time.Minute, 130 * time.Minute, 0, 134 * time.Minute},
		// The server's Retry-After wins over the stall point: the poll at
		// 1h45m fails and asks for 30m.
		{"retry-after past the stall point", 100 * time.Minute, 130 * time.Minute, 30 * time.Minute, 135 * time.Minute},
	} {
		clock := polltest.New()
		fetch := byTime(clock, func(since time.Duration, _ int) (snapshot.Operation, error) {
			if since >= tc.errFrom && since < tc.errTo {
				return snapshot.Operation{}, transientErr{wait: tc.retryAfter}
			}
			return stuck(), nil
		})
		v := stallPoller(fetch, clock, 2*time.Hour, 6*time.Hour).Run(context.Background())
		if v.Status != verdict.Stalled || v.Elapsed != tc.want {
			t.Errorf("%s: %s after %v; want stalled after %v", tc.name, v.Status, v.Elapsed, tc.want)
		}
		if want := "(since 2026-11-21T09:00:00Z)"; v.Err == nil || !strings.Contains(v.Err.Error(), want) {
			t.Errorf("%s: err = %v; want %s", tc.name, v.Err, want)
		}
	}
}

// TestTerminalAtStallPointWins: the poll at the stall point reports what it
// finds. (A terminal snapshot always differs from a running one in some
// fingerprinted status, so Run judging before it stalls is a safeguard no
// test through Run can single out.)
func TestTerminalAtStallPointWins(t *testing.T) {
	blocked := stuck()
	blocked.Steps[1].Status = "Blocked"
	for _, tc := range []struct {
		last snapshot.Operation
		want verdict.Status
	}{
		{op("completed"), verdict.Completed},
		{blocked, verdict.Blocked},
	} {
		clock := polltest.New()
		fetch := byTime(clock, func(since time.Duration, _ int) (snapshot.Operation, error) {
			if since >= 2*time.Hour {
				return tc.last, nil
			}
			return stuck(), nil
		})
		v := stallPoller(fetch, clock, 2*time.Hour, 6*time.Hour).Run(context.Background())
		if v.Status != tc.want || v.Elapsed != 2*time.Hour || v.Err != nil {
			t.Errorf("%s after %v (%v); want %s at the stall point", v.Status, v.Elapsed, v.Err, tc.want)
		}
	}
}

func TestStallOffOrOutOfReach(t *testing.T) {
	for _, tc := range []struct {
		name       string
		once       bool
		stallAfter time.Duration
		want       verdict.Status
		elapsed    time.Duration
	}{
		{"off", false, 0, verdict.TimedOut, 6 * time.Hour},
		{"beyond the timeout", false, 7 * time.Hour, verdict.TimedOut, 6 * time.Hour},
		{"at the timeout", false, 6*time.Hour - 14*time.Minute, verdict.TimedOut, 6 * time.Hour},
		{"single check", true, time.Nanosecond, verdict.Running, 14 * time.Minute},
	} {
		// Two failed fetches first: the first snapshot comes at 14m.
		s := &script{results: []result{{err: transientErr{}}, {err: transientErr{}}, {op: stuck()}}}
		clock := polltest.New()
		p := stallPoller(s.fetch, clock, tc.stallAfter, 6*time.Hour)
		p.Once = tc.once
		v := p.Run(context.Background())
		if v.Status != tc.want || v.Elapsed != tc.elapsed {
			t.Errorf("%s: %s after %v (%v); want %s after %v", tc.name, v.Status, v.Elapsed, v.Err, tc.want, tc.elapsed)
		}
		for i, d := range clock.Sleeps() {
			if d != every && i != len(clock.Sleeps())-1 {
				t.Errorf("%s: wait %d of %v; no wait should be cut short", tc.name, i, d)
			}
		}
	}
}
