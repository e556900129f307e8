package command

import (
	"context"
	"errors"
	"fmt"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
	"github.com/marketplace-gate/marketplace-gate/internal/poll"
	"github.com/marketplace-gate/marketplace-gate/internal/report"
	"github.com/marketplace-gate/marketplace-gate/internal/suggest"
	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// watch follows one offer's operation to a verdict: it fetches the operation
// for the poller, discovering its id on first use when none was given, turns
// a 404 into an error that says which id is wrong, and cancels the operation
// after an interrupt when asked to.
type watch struct {
	client           *cpp.Client
	log              *report.Subject
	publisher, offer string
	opID             string
	seen             bool
	inFlight         chan struct{} // shared by every watch: bounds requests in flight
}

// run polls the watch's operation to a verdict and, when the job was
// cancelled and cancel-on-interrupt asks for it, cancels the operation.
func (w *watch) run(ctx context.Context, cfg config.Config, clock poll.Clock) verdict.Verdict {
	if w.opID != "" {
		w.log.Logf("Watching operation %s of offer %s (publisher %s)", w.opID, w.offer, w.publisher)
	} else {
		w.log.Logf("Looking up the operation of offer %s (publisher %s)", w.offer, w.publisher)
	}
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
	v.OperationID, v.OfferID = w.opID, w.offer
	if v.Status == verdict.Interrupted && cfg.CancelOnInterrupt {
		v.Err = w.cancel(v.Err)
	}
	return v
}

// cancelBudget bounds the cancel request: the runner allows a cancelled job a
// few seconds, and the gate promises to exit within one.
const cancelBudget = 700 * time.Millisecond

// cancel asks the API to cancel the offer's operation after the job was
// cancelled, and says in the verdict whether that worked. The job's context
// has ended, so the request gets its own short one.
func (w *watch) cancel(interrupted error) error {
	ctx, cancel := context.WithTimeout(context.Background(), cancelBudget)
	defer cancel()
	loc, err := w.client.Cancel(ctx, w.publisher, w.offer)
	if err != nil {
		return fmt.Errorf("%w; cancel-on-interrupt: asking the API to cancel the operation failed, cancel it in Partner Center: %v", interrupted, err)
	}
	msg := "cancel-on-interrupt: the API accepted the request to cancel the operation of offer " + w.offer
	if loc != "" {
		msg += " (cancellation tracked at " + loc + ")"
	}
	return fmt.Errorf("%w; %s", interrupted, msg)
}

func (w *watch) fetch(ctx context.Context) (snapshot.Operation, error) {
	select {
	case w.inFlight <- struct{}{}:
		defer func() { <-w.inFlight }()
	case <-ctx.Done():
		return snapshot.Operation{}, ctx.Err()
	}
	if w.opID == "" {
		subs, err := w.client.Submissions(ctx, w.publisher, w.offer)
		if err != nil {
			return snapshot.Operation{}, w.explain(ctx, err)
		}
		sub, err := pick(subs)
		if err != nil {
			return snapshot.Operation{}, fmt.Errorf("offer %s: %w", w.offer, err)
		}
		w.opID = strings.ToLower(sub.ID)
		w.log.Logf("Found operation %s (%s, %s, changed %s)", w.opID, sub.SubmissionType, sub.SubmissionState, sub.ChangedTime)
	}
	op, err := w.client.Operation(ctx, w.publisher, w.offer, w.opID)
	if err != nil {
		return op, w.explain(ctx, err)
	}
	w.seen = true
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
func (w *watch) explain(ctx context.Context, err error) error {
	var apiErr *apihttp.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		return err
	}
	if w.seen {
		return fmt.Errorf("operation %s answered 404 after it had been found: it was deleted or superseded by a newer operation: %w", w.opID, err)
	}
	offers, lerr := w.client.Offers(ctx, w.publisher)
	var lookupErr *apihttp.Error
	switch {
	case errors.As(lerr, &lookupErr) && lookupErr.StatusCode == http.StatusNotFound:
		return fmt.Errorf("publisher-id %q was not found (HTTP 404): check the publisher id in Partner Center", w.publisher)
	case lerr != nil:
		return err
	}
	ids := make([]string, 0, len(offers))
	for _, o := range offers {
		if strings.EqualFold(o.ID, w.offer) {
			if w.opID == "" {
				return err
			}
			return fmt.Errorf("operation-id %s was not found for offer %s (HTTP 404): pass the id or Location that Publish returned, or leave operation-id empty to watch the offer's newest operation", w.opID, w.offer)
		}
		ids = append(ids, o.ID)
	}
	const shown = 10
	closest := suggest.Closest(w.offer, ids)
	list := strings.Join(closest[:min(len(closest), shown)], ", ")
	if len(closest) > shown {
		list += fmt.Sprintf(" and %d more", len(closest)-shown)
	}
	if list == "" {
		list = "none"
	}
	return fmt.Errorf("offer-id %q was not found under publisher %s (HTTP 404); its offers, closest first: %s", w.offer, w.publisher, list)
}
