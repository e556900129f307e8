package start

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
	"github.com/marketplace-gate/marketplace-gate/internal/poll"
)

// CPP starts a publish or a go-live on the Cloud Partner Portal API.
type CPP struct {
	Client    *cpp.Client
	Publisher string
	Kind      config.Start
	Emails    string
	DryRun    bool
	// APIURL is where Location values may point (the same host rule as
	// operation-id).
	APIURL *url.URL
}

// Start sends the request for the offer t names and returns the operation
// its Location names. The offer's operations are read first: the offer must
// exist and be readable, and what was listed before tells a new operation
// apart if the answer is lost. Then the gate looks for that one: an
// operation of the request's kind that the offer did not list before.
func (s *CPP) Start(ctx context.Context, t config.Target, retry poll.Retry) (Result, error) {
	send := sender{retry: retry}
	offer := t.OfferID
	var before []cpp.Submission
	err := send.read(ctx, func(ctx context.Context) (err error) {
		before, err = s.Client.Submissions(ctx, s.Publisher, offer)
		return err
	})
	if apihttp.StatusOf(err) == http.StatusNotFound {
		return Result{}, fmt.Errorf("offer-id %q was not found under publisher %s (HTTP 404): check both ids; nothing was started", offer, s.Publisher)
	}
	if err != nil {
		return Result{}, readFailed(fmt.Sprintf("reading the operations of offer %s", offer), err)
	}
	request := fmt.Sprintf("POST …/offers/%s/%s", offer, s.path())
	if s.DryRun {
		// The API refuses a publish while another operation runs; a go-live
		// is sent while the publish waits for sign-off, which lists as running.
		if run, ok := cpp.Running(before); ok && s.Kind == config.StartPublish {
			return Result{}, &BusyError{Running: run.Describe(), Way: "Gate on it with operation-id: " + run.ID}
		}
		plan := request
		if s.Kind == config.StartPublish {
			plan += " with notification-emails " + s.Emails
		}
		return Result{Plan: plan + ", then follow the operation its Location names"}, nil
	}

	var location string
	at, tr, err := send.change(ctx, func(ctx context.Context) (err error) {
		if s.Kind == config.StartGoLive {
			location, err = s.Client.GoLive(ctx, s.Publisher, offer)
		} else {
			location, err = s.Client.Publish(ctx, s.Publisher, offer, s.Emails)
		}
		return err
	})
	if err != nil && unsent(err) {
		return Result{}, notSent(ctx, request, tr, err)
	}
	res := Result{At: at}
	switch {
	case err == nil:
		target, perr := s.follow(location, offer)
		if perr == nil {
			res.Target = target
			res.Said = append(res.Said, fmt.Sprintf("%s → accepted; following operation %s", request, target.OperationID))
			return res, nil
		}
		err = fmt.Errorf("the answer's Location %q is not an operation of offer %s: %w", location, offer, perr)
	case refusedAsBusy(err):
		return res, s.busy(ctx, offer, err)
	case apihttp.StatusOf(err) == http.StatusUnprocessableEntity:
		return res, &RejectedError{Messages: bodyMessages(err), Err: err}
	}
	if serr := settled(ctx, request, err); serr != nil {
		return res, serr
	}
	// The request may have started an operation: it is the one the offer
	// lists and did not before, which the follower looks for.
	res.Target = config.Target{OfferID: offer}
	res.Type = s.path()
	for _, b := range before {
		res.Known = append(res.Known, b.ID)
	}
	res.Unsure = fmt.Sprintf("the %s may not have started: %s got no usable answer (%v)", s.path(), request, err)
	res.Said = append(res.Said, fmt.Sprintf("%s: no usable answer (%v); not sending it again: looking for the operation it starts, one offer %s did not list before", request, err, offer))
	return res, nil
}

func (s *CPP) path() string {
	if s.Kind == config.StartGoLive {
		return "golive"
	}
	return "publish"
}

// follow reads the Location the API answered with: either form, on the
// API's host, naming this offer.
func (s *CPP) follow(location, offer string) (config.Target, error) {
	loc, err := config.ParseLocation(location)
	if err != nil {
		return config.Target{}, err
	}
	if loc.Host != "" && !strings.EqualFold(loc.Host, s.APIURL.Host) {
		return config.Target{}, fmt.Errorf("it points at %s, not at api-url %s", loc.Host, s.APIURL.Host)
	}
	if !strings.EqualFold(loc.Publisher, s.Publisher) || !strings.EqualFold(loc.Offer, offer) {
		return config.Target{}, fmt.Errorf("it names offer %s of publisher %s", loc.Offer, loc.Publisher)
	}
	return config.Target{OfferID: offer, OperationID: loc.Operation, Legacy: loc.Legacy}, nil
}

// busy names the operation in the way, from the offer's operations list.
func (s *CPP) busy(ctx context.Context, offer string, refusal error) error {
	subs, err := s.Client.Submissions(ctx, s.Publisher, offer)
	if err == nil {
		if run, ok := cpp.Running(subs); ok {
			return &BusyError{Running: run.Describe(), Way: "Gate on it with operation-id: " + run.ID, Err: refusal}
		}
	}
	return &BusyError{Way: "Find it in Partner Center (or GET …/offers/" + offer + "/submissions) and gate on it with operation-id", Err: refusal}
}
