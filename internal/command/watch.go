package command

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
	"github.com/marketplace-gate/marketplace-gate/internal/poll"
	"github.com/marketplace-gate/marketplace-gate/internal/report"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
	"github.com/marketplace-gate/marketplace-gate/internal/suggest"
	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// follower follows one target through one API: it fetches snapshots for
// the poller and, after an interrupt, asks the API to stop the work.
type follower interface {
	// start is the log line that opens the watch.
	start() string
	fetch(ctx context.Context) (snapshot.Operation, error)
	// id is the operation, job or submission followed, once known.
	id() string
	// kind names what the target is: offer, product or job.
	kind() string
	// cancel asks the API to cancel the work and says what came of it.
	cancel(ctx context.Context) (string, error)
}

// watch polls one target to a verdict through its follower, sharing the
// bound on requests in flight with every other watch.
type watch struct {
	f        follower
	name     string // the target as given: results and titles use it
	log      *report.Subject
	inFlight chan struct{} // shared by every watch: bounds requests in flight
}

// run polls the watch's target to a verdict and, when the job was cancelled
// and cancel-on-interrupt asks for it, cancels the work.
func (w *watch) run(ctx context.Context, cfg config.Config, clock poll.Clock) verdict.Verdict {
	w.log.Logf("%s", w.f.start())
	p := poll.Poller{
		Fetch:           w.fetch,
		Clock:           clock,
		Timeout:         cfg.Timeout,
		InitialInterval: cfg.InitialInterval,
		MaxInterval:     cfg.MaxInterval,
		StopAtSignoff:   cfg.StopAtSignoff,
		Once:            !cfg.Wait,
		Observer:        w.log,
	}
	v := p.Run(ctx)
	v.OperationID, v.OfferID, v.Kind = w.f.id(), w.name, w.f.kind()
	if v.Status == verdict.Interrupted && cfg.CancelOnInterrupt {
		v.Err = w.cancel(v.Err)
	}
	return v
}

// cancelBudget bounds the cancel request: the runner allows a cancelled job a
// few seconds, and the gate promises to exit within one.
const cancelBudget = 700 * time.Millisecond

// cancel asks the API to cancel the work after the job was cancelled, and
// says in the verdict whether that worked. The job's context has ended, so
// the request gets its own short one.
func (w *watch) cancel(interrupted error) error {
	ctx, cancel := context.WithTimeout(context.Background(), cancelBudget)
	defer cancel()
	msg, err := w.f.cancel(ctx)
	if err != nil {
		return fmt.Errorf("%w; cancel-on-interrupt: asking the API to cancel the operation failed, cancel it in Partner Center: %v", interrupted, err)
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

// cppOperation follows one offer's operation in the Cloud Partner Portal,
// discovering it on first use when no id was given, and turns a 404 into an
// error that says which id is wrong.
type cppOperation struct {
	client           *cpp.Client
	log              *report.Subject
	publisher, offer string
	opID             string
	seen             bool
}

func (o *cppOperation) start() string {
	if o.opID != "" {
		return fmt.Sprintf("Watching operation %s of offer %s (publisher %s)", o.opID, o.offer, o.publisher)
	}
	return fmt.Sprintf("Looking up the operation of offer %s (publisher %s)", o.offer, o.publisher)
}

func (o *cppOperation) id() string   { return o.opID }
func (o *cppOperation) kind() string { return "offer" }

func (o *cppOperation) cancel(ctx context.Context) (string, error) {
	loc, err := o.client.Cancel(ctx, o.publisher, o.offer)
	if err != nil {
		return "", err
	}
	msg := "the API accepted the request to cancel the operation of offer " + o.offer
	if loc != "" {
		msg += " (cancellation tracked at " + loc + ")"
	}
	return msg, nil
}

func (o *cppOperation) fetch(ctx context.Context) (snapshot.Operation, error) {
	if o.opID == "" {
		subs, err := o.client.Submissions(ctx, o.publisher, o.offer)
		if err != nil {
			return snapshot.Operation{}, o.explain(ctx, err)
		}
		sub, err := pick(subs)
		if err != nil {
			return snapshot.Operation{}, fmt.Errorf("offer %s: %w", o.offer, err)
		}
		o.opID = strings.ToLower(sub.ID)
		o.log.Logf("Found operation %s (%s, %s, changed %s)", o.opID, sub.SubmissionType, sub.SubmissionState, sub.ChangedTime)
	}
	op, err := o.client.Operation(ctx, o.publisher, o.offer, o.opID)
	if err != nil {
		return op, o.explain(ctx, err)
	}
	o.seen = true
	return op, nil
}

// pick chooses the running submission, else the newest by changedTime.
func pick(subs []cpp.Submission) (cpp.Submission, error) {
	if len(subs) == 0 {
		return cpp.Submission{}, errors.New("the API lists no operations: publish the offer first, or pass operation-id")
	}
	for _, s := range subs {
		if st, _ := snapshot.ParseState(s.SubmissionState); st == snapshot.StateRunning && config.IsGUID(s.ID) {
			return s, nil
		}
	}
	sorted := append([]cpp.Submission(nil), subs...)
	sort.SliceStable(sorted, func(i, j int) bool { return changed(sorted[i]).After(changed(sorted[j])) })
	if !config.IsGUID(sorted[0].ID) {
		return cpp.Submission{}, fmt.Errorf("the newest operation's id %q is not a GUID", sorted[0].ID)
	}
	return sorted[0], nil
}

func changed(s cpp.Submission) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s.ChangedTime)
	if err != nil {
		return time.Time{}
	}
	return t
}

// explain makes a 404 say which id is wrong. It asks Retrieve offers: a 404
// there means the publisher is wrong; an offer missing from the list is named
// with the publisher's offers, closest to what was typed first.
func (o *cppOperation) explain(ctx context.Context, err error) error {
	if !isNotFound(err) {
		return err
	}
	if o.seen {
		return fmt.Errorf("operation %s answered 404 after it had been found: it was deleted or superseded by a newer operation: %w", o.opID, err)
	}
	offers, lerr := o.client.Offers(ctx, o.publisher)
	switch {
	case isNotFound(lerr):
		return fmt.Errorf("publisher-id %q was not found (HTTP 404): check the publisher id in Partner Center", o.publisher)
	case lerr != nil:
		return err
	}
	ids := make([]string, 0, len(offers))
	for _, off := range offers {
		if strings.EqualFold(off.ID, o.offer) {
			if o.opID == "" {
				return err
			}
			return fmt.Errorf("operation-id %s was not found for offer %s (HTTP 404): pass the id or Location that Publish returned, or leave operation-id empty to watch the offer's newest operation", o.opID, o.offer)
		}
		ids = append(ids, off.ID)
	}
	const shown = 10
	closest := suggest.Closest(o.offer, ids)
	list := strings.Join(closest[:min(len(closest), shown)], ", ")
	if len(closest) > shown {
		list += fmt.Sprintf(" and %d more", len(closest)-shown)
	}
	if list == "" {
		list = "none"
	}
	return fmt.Errorf("offer-id %q was not found under publisher %s (HTTP 404); its offers, closest first: %s", o.offer, o.publisher, list)
}
