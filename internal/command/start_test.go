package command

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
	"github.com/marketplace-gate/marketplace-gate/internal/poll/polltest"
	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// startCPP are the inputs of a CPP start: publish on the offer, on a
// millisecond schedule; a timeout of 2s on the fake clock is some 70 tries.
var startCPP = map[string]string{"operation-id": "", "start": "publish", "notification-emails": "release@contoso.com",
	"initial-interval": "10ms", "max-interval": "40ms", "timeout": "2s"}

func with(a map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// near: a wait of the schedule, within its jitter.
func near(got, want time.Duration) bool {
	d := got - want
	return d <= want/20+time.Microsecond && -d <= want/20+time.Microsecond
}

// hideAfterStart answers the first hide lists of path, after the first
// POST, with an empty list: the API not showing what the start made yet.
func hideAfterStart(path, empty string, hide int32) (simulator.Option, *atomic.Int32) {
	var posted atomic.Bool
	var lists atomic.Int32
	return simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case r.Method == http.MethodPost && !strings.Contains(r.URL.Path, "/oauth2/"):
			posted.Store(true)
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, path) && posted.Load():
			if lists.Add(1) <= hide {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(empty))
				return true
			}
		}
		return false
	}), &lists
}

// TestStartTokenFailureIsSentAgain: a publish refused 401 whose new token
// cannot be had was never acted on: it is sent again on the poller's
// schedule once a token comes, and the gate follows what it started.
func TestStartTokenFailureIsSentAgain(t *testing.T) {
	var tokens atomic.Int32
	var revoked atomic.Bool
	var sim *simulator.Server
	ready := make(chan struct{})
	r := gate(t, context.Background(), "publish", startCPP, simulator.WithIdle(), simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		<-ready
		switch {
		case strings.HasSuffix(r.URL.Path, "/oauth2/token"):
			if n := tokens.Add(1); n == 2 || n == 3 {
				w.WriteHeader(http.StatusInternalServerError)
				return true
			}
		case strings.HasSuffix(r.URL.Path, "/publish") && !revoked.Swap(true):
			sim.RevokeTokens()
		}
		return false
	}), func(s *simulator.Server) { sim = s; close(ready) })
	r.expect(t, "awaiting-signoff", 0)
	if n := r.sim.Count("POST", "/publish"); n != 2 || r.outputs["operation-id"] != r.sim.Operation(simulator.Offer) {
		t.Errorf("%d publish requests, operation-id %q; want the refused one and one more, followed", n, r.outputs["operation-id"])
	}
	if s := r.clock.Sleeps(); len(s) < 2 || !near(s[0], 10*time.Millisecond) || !near(s[1], 15*time.Millisecond) {
		t.Errorf("waits %v; want the first two on the poller's schedule from initial-interval", s)
	}
	if !strings.Contains(r.stdout, "Retrying in") || !strings.Contains(r.stdout, "HTTP 500") {
		t.Errorf("the retried start is not logged:\n%s", r.stdout)
	}
}

// TestStartLostAnswerIsLookedForUntilItAppears: after a publish whose
// answer was lost, the gate looks for its operation on the poller's
// schedule for as long as it takes, within the timeout (not five tries),
// and follows it; the publish is never sent again.
func TestStartLostAnswerIsLookedForUntilItAppears(t *testing.T) {
	hide, lists := hideAfterStart("/submissions", `[]`, 12)
	r := gate(t, context.Background(), "publish", startCPP, simulator.WithIdle(), simulator.WithDropAfterStart(), hide)
	r.expect(t, "awaiting-signoff", 0)
	if n := r.sim.Count("POST", "/publish"); n != 1 || lists.Load() <= 12 || r.outputs["operation-id"] != r.sim.Operation(simulator.Offer) {
		t.Errorf("%d publish requests, %d looks, operation-id %q; want one, more than 12 looks, the operation followed", n, lists.Load(), r.outputs["operation-id"])
	}
	if !strings.Contains(r.stdout, "is new since the request was sent: following it") {
		t.Errorf("the log does not say how the operation was found:\n%s", r.stdout)
	}
}

// TestStartLostAnswerNeverAppears: if nothing the start could have made
// appears — an operation of another kind (a go-live someone sent) is not
// it — the gate says at the timeout what it saw, and that the publish may
// not have started.
func TestStartLostAnswerNeverAppears(t *testing.T) {
	const other = "0b5c2d6e-1111-4aaa-8bbb-000000000009"
	hide, _ := hideAfterStart("/submissions", `[{"id":"`+other+`","submissionType":"GoLive","submissionState":"running","changedTime":"2026-11-21T09:00:01Z"}]`, 1<<30)
	r := gate(t, context.Background(), "publish", startCPP, simulator.WithIdle(), simulator.WithDropAfterStart(), hide)
	r.expect(t, "timed-out", 1)
	if n := r.sim.Count("POST", "/publish"); n != 1 || r.outputs["operation-id"] != "" {
		t.Errorf("%d publish requests, operation-id %q; want one, nothing followed", n, r.outputs["operation-id"])
	}
	for _, want := range []string{"no publish to follow appeared within timeout 2s", "may not have started", "the newest listed is operation " + other, "before starting again"} {
		if !r.annotation("error", want) {
			t.Errorf("the error does not say %q:\n%s", want, r.stdout)
		}
	}
	if n := r.sim.Count("GET", "/submissions"); n < 20 {
		t.Errorf("%d looks; want the offer looked at until the timeout", n)
	}
}

// TestStartLostConfigureAnswerIsLookedForUntilItAppears: the same for a
// configure job, whose submission the product lists late.
func TestStartLostConfigureAnswerIsLookedForUntilItAppears(t *testing.T) {
	hide, lists := hideAfterStart("/submission/"+simulator.ProductID, `{"value":[]}`, 12)
	r := gate(t, context.Background(), "publish", with(startCPP, "api", "product-ingestion", "api-url", "{api}"+simulator.IngestionPath,
		"offer-id", "", "publisher-id", "", "notification-emails", "", "product-id", simulator.ProductID, "target", "preview"),
		simulator.WithIdle(), simulator.WithDropAfterStart(), hide)
	r.expect(t, "completed", 0)
	if n := r.sim.Count("POST", "/configure"); n != 1 || lists.Load() <= 12 || r.outputs["submission-id"] == "" {
		t.Errorf("%d configure requests, %d looks, submission-id %q; want one, more than 12 looks, the submission followed", n, lists.Load(), r.outputs["submission-id"])
	}
}

// TestStartReadsBeforeAreRetriedWithinTimeout: the busy check before a
// start is tried again on transient failures, on the poller's schedule; if
// it never answers, the gate gives up at the timeout having sent nothing.
func TestStartReadsBeforeAreRetriedWithinTimeout(t *testing.T) {
	failing := func(times int32) simulator.Option {
		var n atomic.Int32
		return simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
			if strings.HasSuffix(r.URL.Path, "/submissions") && n.Add(1) <= times {
				w.WriteHeader(http.StatusBadGateway)
				return true
			}
			return false
		})
	}
	r := gate(t, context.Background(), "publish", startCPP, simulator.WithIdle(), failing(8))
	r.expect(t, "awaiting-signoff", 0)
	if n := r.sim.Count("POST", "/publish"); n != 1 {
		t.Errorf("%d publish requests; want one, once the offer could be read", n)
	}
	if s := r.clock.Sleeps(); len(s) < 8 || !near(s[0], 10*time.Millisecond) || !near(s[7], 40*time.Millisecond) {
		t.Errorf("waits %v; want eight on the poller's schedule, up to max-interval", s)
	}

	r = gate(t, context.Background(), "publish", startCPP, simulator.WithIdle(), failing(1<<30))
	r.expect(t, "error", 1)
	if n := posts(r.sim); n != 0 || !r.annotation("error", "until the gate's timeout") || !r.annotation("error", "nothing was started") {
		t.Errorf("%d POSTs; want none, and the error to say the offer could not be read until the timeout:\n%s", n, r.stdout)
	}
}

// TestStopSaysWhatItMeans: a SIGINT (a cancelled job, or a timeout-minutes
// run out: the runner sends the same) claims neither, and says the
// operation carries on unless cancel-on-interrupt cancels it.
func TestStopSaysWhatItMeans(t *testing.T) {
	for _, cancelIt := range []bool{false, true} {
		ctx, stop := context.WithCancelCause(context.Background())
		clock := polltest.New()
		clock.OnSleep = func(time.Duration) { stop(errors.New("interrupt signal received")) }
		in := map[string]string{}
		if cancelIt {
			in["cancel-on-interrupt"] = "true"
		}
		r := gateClocked(t, ctx, clock, "publish", in)
		r.expect(t, "interrupted", 1)
		want := []string{"the gate was stopped before the operation finished (interrupt signal received: the job was cancelled, or a timeout-minutes ran out)"}
		if cancelIt {
			want = append(want, "cancel-on-interrupt: the API accepted the request to cancel")
		} else {
			want = append(want, "the operation carries on in Partner Center", "cancel-on-interrupt: true asks the API to cancel it")
		}
		for _, w := range want {
			if !r.annotation("error", w) {
				t.Errorf("cancel-on-interrupt %v: the error does not say %q:\n%s", cancelIt, w, r.stdout)
			}
		}
		stop(nil)
	}
}

// TestOfType: an operation of the start's kind, or of none given.
func TestOfType(t *testing.T) {
	for typ, want := range map[string]bool{"publish": true, "Publish": true, "": true, "GoLive": false, "go-live": false, "cancel": false} {
		if got := ofType(cpp.Submission{SubmissionType: typ}, "publish"); got != want {
			t.Errorf("ofType(%q, publish) = %v", typ, got)
		}
	}
	if !ofType(cpp.Submission{SubmissionType: "Go-Live"}, "golive") {
		t.Error("a Go-Live operation is not taken for a go-live")
	}
}

// posts counts the requests that change something (every POST but sign-in).
func posts(sim *simulator.Server) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Method == http.MethodPost && !strings.Contains(r.Path, "/oauth2/") {
			n++
		}
	}
	return n
}

// TestStartLostAnswerSingleCheckIsNoPass: with wait: false, a start whose
// answer was lost and whose publish is not listed yet ends error (exit 1),
// saying it may not have started and how to gate on it: running would guess
// that it did. A lost answer whose operation is found, and a clear answer,
// are still running.
func TestStartLostAnswerSingleCheckIsNoPass(t *testing.T) {
	once := with(startCPP, "wait", "false")
	hide, _ := hideAfterStart("/submissions", `[]`, 1<<30)
	r := gate(t, context.Background(), "publish", once, simulator.WithIdle(), simulator.WithDropAfterStart(), hide)
	r.expect(t, "error", 1)
	if n := r.sim.Count("POST", "/publish"); n != 1 || r.outputs["operation-id"] != "" || r.outputs["started-at"] == "" {
		t.Errorf("%d publish requests, operation-id %q, started-at %q; want one, none, when", n, r.outputs["operation-id"], r.outputs["started-at"])
	}
	for _, want := range []string{"checked once (wait: false)", "cannot tell that the publish started", "the publish may not have started: POST …/offers/contoso-vm/publish got no usable answer",
		"before starting again", "run the gate again without start and with since " + r.outputs["started-at"][:len("2006-01-02T15:04:05")]} {
		if !r.annotation("error", want) {
			t.Errorf("the error does not say %q:\n%s", want, r.stdout)
		}
	}

	// The same for a configure job whose submission is not listed yet.
	hide, _ = hideAfterStart("/submission/"+simulator.ProductID, `{"value":[]}`, 1<<30)
	r = gate(t, context.Background(), "publish", with(once, "api", "product-ingestion", "api-url", "{api}"+simulator.IngestionPath,
		"offer-id", "", "publisher-id", "", "notification-emails", "", "product-id", simulator.ProductID, "target", "preview"),
		simulator.WithIdle(), simulator.WithDropAfterStart(), hide)
	r.expect(t, "error", 1)
	if !r.annotation("error", "the publish may not have started: POST configure") || !r.annotation("error", "without start and with since") {
		t.Errorf("the configure's error does not say it may not have started, and what to do:\n%s", r.stdout)
	}

	// Lost, but the operation it made is listed: that is followed, and runs.
	r = gate(t, context.Background(), "publish", once, simulator.WithIdle(), simulator.WithDropAfterStart())
	r.expect(t, "running", 0)
	if r.outputs["operation-id"] != r.sim.Operation(simulator.Offer) {
		t.Errorf("operation-id %q; want the one the lost start made", r.outputs["operation-id"])
	}
	// A clear answer: running, as ever.
	r = gate(t, context.Background(), "publish", once, simulator.WithIdle())
	r.expect(t, "running", 0)
}
