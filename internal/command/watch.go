package command

import (
	"context"
	"fmt"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/poll"
	"github.com/marketplace-gate/marketplace-gate/internal/report"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
	"github.com/marketplace-gate/marketplace-gate/internal/start"
	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// follower follows one target through one API: it fetches snapshots for
// the poller and, after an interrupt, asks the API to stop the work.
type follower interface {
	// begin is the log line that opens the watch.
	begin() string
	fetch(ctx context.Context) (snapshot.Operation, error)
	// id is the operation, job or submission followed, once known.
	id() string
	// pending says what the gate is still waiting to appear (a publish
	// started since since), "" once it follows something.
	pending() string
	// submission names the product-ingestion submission the publish made,
	// given the verdict; "" when there is none or it is not known.
	submission(ctx context.Context, s verdict.Status) string
	// cancel asks the API to cancel the work and says what came of it.
	cancel(ctx context.Context) (string, error)
}

// watch starts (when asked) and polls one target to a verdict through its
// follower, sharing the bound on requests in flight with every other watch.
type watch struct {
	target   config.Target
	api      *api
	f        follower
	name     string // the target as given: results and titles use it
	kind     string // what name is: offer, product, job or configure document
	log      *report.Subject
	inFlight chan struct{} // shared by every watch: bounds requests in flight
	// unsure: the start's answer was lost, and what it began is looked for.
	unsure bool
}

// run starts the target's publish when the start input asks, polls what it
// follows to a verdict and, when the gate was stopped (SIGINT) and
// cancel-on-interrupt asks for it, cancels the work.
func (w *watch) run(ctx context.Context, cfg config.Config, clock poll.Clock) verdict.Verdict {
	var started start.Result
	if w.api.starter != nil {
		// The reads and sends of a start are retried as polls are, and
		// within the same timeout.
		retry := poll.Retry{Clock: clock, InitialInterval: cfg.InitialInterval, MaxInterval: cfg.MaxInterval,
			Deadline: clock.Now().Add(cfg.Timeout), Observer: w.log, InFlight: w.inFlight}
		var v *verdict.Verdict
		if started, v = w.start(ctx, retry); v != nil {
			return *v
		}
		w.target, w.unsure = started.Target, started.Unsure != ""
	}
	w.f = w.api.follow(w.target, started, w.log)
	v := w.poll(ctx, cfg, clock)
	v.StartedAt = started.At
	if why := w.f.pending(); w.unsure && v.Status == verdict.Running && why != "" {
		// A single check after a lost answer that finds nothing cannot
		// tell a publish on its way from one never started: running (exit
		// 0) would guess the first.
		v.Status = verdict.Error
		v.Err = fmt.Errorf("checked once (wait: false) and nothing the start made is listed yet, so the gate cannot tell that the publish started: %s. To gate on it, run the gate again without start and with since %s (this step's started-at output): it follows the publish once it appears",
			why, started.At.UTC().Format(time.RFC3339))
	}
	withImage(&v, started.Image)
	if started.Verify != nil && (v.Status == verdict.Completed || v.Status == verdict.AwaitingSignoff) {
		// A job's success alone is no proof that this image landed. The
		// reads hold slots of the bound on requests in flight (retry's).
		if err := started.Verify(ctx); err != nil {
			v.Status, v.Err = verdict.Error, err
		} else {
			w.log.Logf("Read back: version %s is in plan %s with the image sent", started.Image.Version, cfg.PlanID)
		}
	}
	return v
}

// withImage copies an image release's facts into the verdict, for the
// outputs; nil leaves it as it is.
func withImage(v *verdict.Verdict, im *start.Image) {
	if im == nil {
		return
	}
	v.ImageVersion, v.SKUIDs, v.ImageURNs = im.Version, im.SKUIDs, im.URNs
}

// poll follows the target to a verdict.
func (w *watch) poll(ctx context.Context, cfg config.Config, clock poll.Clock) verdict.Verdict {
	w.log.Logf("%s", w.f.begin())
	p := poll.Poller{
		Fetch:           w.fetch,
		Clock:           clock,
		Timeout:         cfg.Timeout,
		InitialInterval: cfg.InitialInterval,
		MaxInterval:     cfg.MaxInterval,
		StopAtSignoff:   cfg.StopAtSignoff,
		StallAfter:      cfg.StallAfter,
		Once:            !cfg.Wait,
		Observer:        w.log,
	}
	v := p.Run(ctx)
	v.OperationID, v.OfferID, v.Kind = w.f.id(), w.name, w.kind
	switch why := w.f.pending(); {
	case why != "" && v.Status == verdict.TimedOut && w.unsure:
		// There may be no operation at all: say so, not that it did not finish.
		v.Err = fmt.Errorf("no publish to follow appeared within timeout %s: %s", cfg.Timeout, why)
	case why != "" && (v.Status == verdict.TimedOut || v.Status == verdict.Interrupted):
		v.Err = fmt.Errorf("%w: %s", v.Err, why)
	case v.Status == verdict.Stalled:
		ref := "the " + v.Noun() + " " + w.name
		if v.OperationID != "" {
			ref = "operation " + v.OperationID
		}
		v.Err = fmt.Errorf("%w. Stalled publishes do not recover by waiting: open a support case in Partner Center (Help + support) quoting %s", v.Err, ref)
	}
	if v.Status == verdict.Interrupted {
		v.Err = w.stopped(v.Err, cfg.CancelOnInterrupt)
	}
	if v.Status != verdict.Interrupted {
		v.SubmissionID = w.submission(ctx, v.Status)
	}
	return v
}

// submission asks the follower which submission the publish made, within
// the bound on requests in flight.
func (w *watch) submission(ctx context.Context, s verdict.Status) string {
	select {
	case w.inFlight <- struct{}{}:
		defer func() { <-w.inFlight }()
	case <-ctx.Done():
		return ""
	}
	return w.f.submission(ctx, s)
}

// cancelBudget bounds the cancel request. The runner sends SIGINT, waits
// 7.5 s, sends SIGTERM, waits 2.5 s, then SIGKILLs docker's CLI — not the
// container, which nobody then stops — so what the gate prints after that
// is lost. The gate promises to exit within a second of the SIGINT; the
// cancel gets most of it.
const cancelBudget = 700 * time.Millisecond

// stopped says what a stop (SIGINT: a cancelled job, or a timeout-minutes
// run out) means for the publish: it carries on in Partner Center, unless
// cancel-on-interrupt asks the API to cancel it; the verdict says whether
// that worked.
func (w *watch) stopped(interrupted error, cancelIt bool) error {
	switch {
	case cancelIt:
		return w.cancel(interrupted)
	case w.f.id() == "":
		return interrupted // nothing found yet: pending said what is known
	default:
		return fmt.Errorf("%w; the operation carries on in Partner Center: the gate only stopped watching it (cancel-on-interrupt: true asks the API to cancel it)", interrupted)
	}
}

// cancel asks the API to cancel the work after the gate was stopped, and
// says in the verdict whether that worked. The gate's context has ended, so
// the request gets its own short one.
func (w *watch) cancel(interrupted error) error {
	ctx, cancel := context.WithTimeout(context.Background(), cancelBudget)
	defer cancel()
	msg, err := w.f.cancel(ctx)
	if err != nil {
		return fmt.Errorf("%w; cancel-on-interrupt: asking the API to cancel the operation failed, so it may carry on: cancel it in Partner Center: %v", interrupted, err)
	}
	return fmt.Errorf("%w; cancel-on-interrupt: %s", interrupted, msg)
}

func (w *watch) fetch(ctx context.Context) (snapshot.Operation, error) {
	select {
	case w.inFlight <- struct{}{}:
		defer func() { <-w.inFlight }()
	case <-ctx.Done():
		return snapshot.Operation{}, ctx.Err()
	}
	return w.f.fetch(ctx)
}
