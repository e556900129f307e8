package command

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
	"github.com/marketplace-gate/marketplace-gate/internal/report"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
	"github.com/marketplace-gate/marketplace-gate/internal/suggest"
	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// cppOperation follows one offer's operation in the Cloud Partner Portal,
// discovering it on first use when no id was given, and turns a 404 into an
// error that says which id is wrong.
type cppOperation struct {
	client           *cpp.Client
	log              *report.Subject
	publisher, offer string
	opID             string
	// legacy: opID is a non-migrated offer's key, fetched at /api/operations/{key}.
	legacy bool
	// since bounds discovery: a finished operation that changed before it
	// is an earlier publish's.
	since     time.Time
	seen      bool
	staleSaid bool
	stale     string // the newest operation, when it predates since
	// unsure is set when the start request's answer was lost: the
	// operation to follow is one of kind (its submissionType) that the offer
	// did not list before the request (known). It is looked for until the
	// timeout; if none appears, the gate says this and what it saw.
	unsure string
	kind   string
	known  []string
}

func (o *cppOperation) begin() string {
	switch {
	case o.opID == "" && o.unsure != "":
		return fmt.Sprintf("Looking for the %s operation the request started on offer %s (publisher %s): one the offer did not list before it, until the timeout", o.kind, o.offer, o.publisher)
	case o.opID != "":
		return fmt.Sprintf("Watching operation %s of offer %s (publisher %s)", o.opID, o.offer, o.publisher)
	case !o.since.IsZero():
		return fmt.Sprintf("Looking up the operation of offer %s (publisher %s) running, or changed at or after %s", o.offer, o.publisher, o.since.Format(time.RFC3339))
	}
	return fmt.Sprintf("Looking up the running operation of offer %s (publisher %s)", o.offer, o.publisher)
}

func (o *cppOperation) id() string                                        { return o.opID }
func (o *cppOperation) submission(context.Context, verdict.Status) string { return "" }

func (o *cppOperation) pending() string {
	if o.opID != "" {
		return ""
	}
	if o.unsure != "" {
		msg := fmt.Sprintf("%s, and no new %s operation of offer %s appeared", o.unsure, o.kind, o.offer)
		if o.stale != "" {
			msg += " (the newest listed is " + o.stale + ")"
		}
		return msg + fmt.Sprintf(". Look at the offer in Partner Center (or GET …/offers/%s/submissions) before starting again: sending it twice could start two", o.offer)
	}
	msg := fmt.Sprintf("no operation of offer %s running or changed at or after since (%s) appeared", o.offer, o.since.Format(time.RFC3339))
	if o.stale != "" {
		msg += "; the newest is " + o.stale
	}
	return msg
}

func (o *cppOperation) cancel(ctx context.Context) (string, error) {
	if o.opID == "" {
		// Cancel acts on whatever runs on the offer: without the operation
		// found, that may be another's.
		return "no operation had been found, so none was cancelled", nil
	}
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
		if o.unsure != "" {
			return o.lookForNew(ctx, subs)
		}
		sub, found, err := pick(subs, o.since)
		if err != nil {
			return snapshot.Operation{}, fmt.Errorf("offer %s: %w", o.offer, err)
		}
		if !found {
			o.waitSaid(subs)
			return waiting("operation"), nil
		}
		o.opID = strings.ToLower(sub.ID)
		o.log.Logf("Found %s", sub.Describe())
	}
	var op snapshot.Operation
	var err error
	if o.legacy {
		op, err = o.client.LegacyOperation(ctx, o.opID)
	} else {
		op, err = o.client.Operation(ctx, o.publisher, o.offer, o.opID)
	}
	if err != nil {
		return op, o.explain(ctx, err)
	}
	o.seen = true
	return op, nil
}

// lookForNew follows the operation a start whose answer was lost made: the
// newest of its kind that the offer did not list before the request.
func (o *cppOperation) lookForNew(ctx context.Context, subs []cpp.Submission) (snapshot.Operation, error) {
	var fresh []cpp.Submission
	for _, s := range subs {
		if !slices.ContainsFunc(o.known, func(k string) bool { return strings.EqualFold(k, s.ID) }) && config.IsGUID(s.ID) && ofType(s, o.kind) {
			fresh = append(fresh, s)
		}
	}
	sub, ok := newestOf(fresh)
	if !ok {
		if newest, ok := newestOf(subs); ok {
			o.stale = newest.Describe()
		}
		if !o.staleSaid {
			o.staleSaid = true
			o.log.Logf("Offer %s lists no %s operation it did not list before the request yet; looking again until the timeout", o.offer, o.kind)
		}
		return waiting("operation"), nil
	}
	o.opID = strings.ToLower(sub.ID)
	o.log.Logf("%s is new since the request was sent: following it", sub.Describe())
	return o.fetch(ctx)
}

// ofType reports an operation that can be the one a start of kind made:
// its submissionType, when the list gives one, is the request's (publish,
// golive), not another's that began meanwhile (a cancel, say).
func ofType(op cpp.Submission, kind string) bool {
	t := strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(op.SubmissionType))
	return t == "" || t == kind
}

// waitSaid says once why the gate waits: nothing runs, and the newest
// operation predates since.
func (o *cppOperation) waitSaid(subs []cpp.Submission) {
	if newest, ok := newestOf(subs); ok {
		o.stale = newest.Describe()
	}
	if o.staleSaid {
		return
	}
	o.staleSaid = true
	if o.stale == "" {
		o.log.Logf("Offer %s lists no operation yet; waiting for the one started since %s to appear", o.offer, o.since.Format(time.RFC3339))
		return
	}
	o.log.Logf("Offer %s has no operation running, and its newest, %s, predates since (%s): it is an earlier publish's; waiting for the one started since then to appear", o.offer, o.stale, o.since.Format(time.RFC3339))
}

// pick chooses the operation to follow: the running one (only one runs at
// a time), else the newest that changed at or after since. A finished
// operation is no proof of the publish in question without that bound, so
// without since it is an error that names it and the ways out. found is
// false when the gate should wait for the operation to appear.
func pick(subs []cpp.Submission, since time.Time) (sub cpp.Submission, found bool, err error) {
	if s, ok := cpp.Running(subs); ok && config.IsGUID(s.ID) {
		return s, true, nil
	}
	newest, ok := newestOf(subs)
	if since.IsZero() {
		if !ok {
			return sub, false, errors.New("the API lists no operations and none runs: publish the offer first, then pass the operation-id (the Location Publish returned), or since (when the publish started) to wait for it to appear")
		}
		return sub, false, fmt.Errorf("no operation is running, and the newest is %s: a finished operation is no proof that the publish in question went through. Pass operation-id (the Location that Publish or Go-live returned) to judge that operation, or since (when the publish started, RFC 3339) to wait for the new one to appear", newest.Describe())
	}
	if !ok || changed(newest).Before(since) {
		return sub, false, nil
	}
	if !config.IsGUID(newest.ID) {
		return sub, false, fmt.Errorf("the newest operation's id %q is not a GUID", newest.ID)
	}
	return newest, true, nil
}

// newestOf is the operation that changed last (the first listed of a tie);
// an unreadable changedTime counts as the oldest, so it never passes a since
// bound.
func newestOf(subs []cpp.Submission) (cpp.Submission, bool) {
	if len(subs) == 0 {
		return cpp.Submission{}, false
	}
	newest := subs[0]
	for _, s := range subs[1:] {
		if changed(s).After(changed(newest)) {
			newest = s
		}
	}
	return newest, true
}

// changed is when s last changed; zero (the oldest) when the list does not
// say readably. A zoneless time, as the live list sends, is UTC.
func changed(s cpp.Submission) time.Time {
	t, _ := s.Changed()
	return t
}

// explain makes a 404 say which id is wrong. It asks Retrieve offers: a 404
// there means the publisher is wrong; an offer missing from the list is named
// with the publisher's offers, closest to what was typed first.
func (o *cppOperation) explain(ctx context.Context, err error) error {
	if apihttp.StatusOf(err) != http.StatusNotFound {
		return err
	}
	if o.seen {
		return fmt.Errorf("operation %s answered 404 after it had been found: it was deleted or superseded by a newer operation: %w", o.opID, err)
	}
	offers, lerr := o.client.Offers(ctx, o.publisher)
	switch {
	case apihttp.StatusOf(lerr) == http.StatusNotFound:
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
