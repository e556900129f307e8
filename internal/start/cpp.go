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
	Clock  poll.Clock
}

// Start sends the request for the offer t names and returns the operation
// its Location names. The offer's operations are read first: the offer must
// exist and be readable, and what was listed before tells a new operation
// apart if the answer is lost.
func (s *CPP) Start(ctx context.Context, t config.Target) (Result, error) {
	send := sender{clock: s.Clock}
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
		return Result{}, fmt.Errorf("reading the operations of offer %s before starting: %w", offer, err)
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
	at, err := send.change(ctx, func(ctx context.Context) (err error) {
		if s.Kind == config.StartGoLive {
			location, err = s.Client.GoLive(ctx, s.Publisher, offer)
		} else {
			location, err = s.Client.Publish(ctx, s.Publisher, offer, s.Emails)
		}
		return err
	})
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
	return s.recover(ctx, res, request, offer, before, err)
}

// ofKind reports an operation that can be the one this start made: its
// submissionType, when the list gives one, is the request's (publish,
// golive), not another's that began meanwhile (a cancel, say).
func (s *CPP) ofKind(op cpp.Submission) bool {
	kind := strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(op.SubmissionType))
	return kind == "" || kind == s.path()
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

// recover looks, after an ambiguous failure, for the operation the request
// may have started: one the offer lists now and did not list before.
func (s *CPP) recover(ctx context.Context, res Result, request, offer string, before []cpp.Submission, failure error) (Result, error) {
	known := map[string]bool{}
	for _, b := range before {
		known[strings.ToLower(b.ID)] = true
	}
	var after []cpp.Submission
	err := sender{clock: s.Clock}.read(ctx, func(ctx context.Context) (err error) {
		after, err = s.Client.Submissions(ctx, s.Publisher, offer)
		return err
	})
	if err == nil {
		for _, a := range after {
			if !known[strings.ToLower(a.ID)] && config.IsGUID(a.ID) && s.ofKind(a) {
				res.Target = config.Target{OfferID: offer, OperationID: strings.ToLower(a.ID)}
				res.Said = append(res.Said, fmt.Sprintf("%s: no answer (%v); %s is new since the request was sent: following it", request, failure, a.Describe()))
				return res, nil
			}
		}
	}
	look := "no new operation is listed on offer " + offer
	if err != nil {
		look = "listing the offer's operations failed too (" + err.Error() + ")"
	}
	return res, fmt.Errorf("the %s may not have started: %s failed (%v), and %s. Look at the offer in Partner Center (or GET …/offers/%s/submissions) before starting again: sending it twice could start two", s.path(), request, failure, look, offer)
}
