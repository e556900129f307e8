package start

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/ingestion"
	"github.com/marketplace-gate/marketplace-gate/internal/poll"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// Ingestion starts a configure job on the product-ingestion API: a publish
// (the draft submission to preview), a go-live (the preview submission to
// live), or the user's own configure document.
type Ingestion struct {
	Client  *ingestion.Client
	Kind    config.Start
	Version string // the schema version of the documents built ($version)
	Doc     []byte // start: configure's document
	DryRun  bool
}

// Start checks that no submission of the product runs (another publish in
// flight), builds or takes the configure document, sends it, and returns
// the job to follow (with the product, so the job's submission is named).
func (s *Ingestion) Start(ctx context.Context, t config.Target, retry poll.Retry) (Result, error) {
	send := sender{retry: retry}
	product, err := s.product(ctx, send, t)
	if err != nil {
		return Result{}, err
	}
	var subs []ingestion.Submission
	if product != "" {
		if subs, err = idleSubmissions(ctx, send, s.Client, product); err != nil {
			return Result{}, err
		}
	}
	doc, what, err := s.document(product, subs)
	if err != nil {
		return Result{}, err
	}
	request := "POST configure (" + what + ")"
	if s.DryRun {
		return Result{Plan: request + ", then follow the job it starts"}, nil
	}
	var lost func(unsure string) error
	if product == "" || s.Kind == config.StartConfigure && !publishes(doc) {
		lost = func(unsure string) error {
			return fmt.Errorf("%s, and without a product there is no submission to look for. Look at Partner Center before starting again: sending it twice could start two", unsure)
		}
	}
	return configureOnce(ctx, send, s.Client, t, product, subs, doc, request, "the publish", lost)
}

// idleSubmissions lists the product's submissions, refusing (BusyError)
// when one runs: another publish is in flight.
func idleSubmissions(ctx context.Context, send sender, client *ingestion.Client, product string) ([]ingestion.Submission, error) {
	var subs []ingestion.Submission
	err := send.read(ctx, func(ctx context.Context) (err error) {
		subs, err = client.Submissions(ctx, product)
		return err
	})
	if apihttp.StatusOf(err) == http.StatusNotFound {
		return nil, fmt.Errorf("product %s was not found (HTTP 404): check product-id, or pass external-id (the offer id); nothing was started", product)
	}
	if err != nil {
		return nil, readFailed(fmt.Sprintf("reading the submissions of product %s", product), err)
	}
	for _, sub := range subs {
		if st, _ := snapshot.ParseState(sub.Status); st == snapshot.StateRunning || st == snapshot.StateNotStarted && sub.Created != "" {
			return nil, &BusyError{
				Running: sub.Describe(),
				Way:     fmt.Sprintf("Gate on it with product-id %s and since %s (or the job-id of its configure request)", product, sub.Created),
			}
		}
	}
	return subs, nil
}

// configureOnce sends doc (POST configure) with the rules of a start, and
// returns the job to follow. When the answer is lost, the submission the
// document makes is looked for (subs were listed before); lost, when set,
// is the error instead: the document makes none to look for. what names
// what the request starts, for the message of a lost answer.
func configureOnce(ctx context.Context, send sender, client *ingestion.Client, t config.Target, product string, subs []ingestion.Submission, doc []byte, request, what string, lost func(unsure string) error) (Result, error) {
	var job ingestion.JobStatus
	at, tr, err := send.change(ctx, func(ctx context.Context) (err error) {
		job, err = client.Configure(ctx, doc)
		return err
	})
	if err != nil && unsent(err) {
		return Result{}, notSent(ctx, request, tr, err)
	}
	res := Result{At: at}
	switch {
	case err == nil && config.IsGUID(job.JobID):
		res.Target = config.Target{OfferID: t.OfferID, JobID: strings.ToLower(job.JobID), ProductID: product}
		res.Said = append(res.Said, fmt.Sprintf("%s → accepted; following configure job %s", request, res.Target.JobID))
		return res, nil
	case err == nil:
		err = fmt.Errorf("the answer names no job (jobId %q)", job.JobID)
	case refusedAsBusy(err):
		return res, &BusyError{Way: "Find the publish under way in Partner Center and gate on its job-id", Err: err}
	default:
		if serr := settled(ctx, request, err); serr != nil {
			return res, serr
		}
	}
	// The answer was lost, could not be read, or named no job: what the
	// request started can only be found by the submission it makes, created
	// since it was sent.
	unsure := fmt.Sprintf("%s may not have started: %s got no usable answer (%v)", what, request, err)
	if lost != nil {
		return res, lost(unsure)
	}
	res.Target = config.Target{OfferID: t.OfferID, ProductID: product}
	// What was listed before the request is not what it made, whatever the
	// clocks say; the allowance covers a runner clock ahead of the API's.
	res.Since = at.Add(-clockAllowance)
	for _, sub := range subs {
		res.Known = append(res.Known, sub.Key())
	}
	res.Unsure = unsure
	res.Said = append(res.Said, fmt.Sprintf("%s: no usable answer (%v); not sending it again: looking for the submission it makes, created since %s", request, err, at.UTC().Format(time.RFC3339)))
	return res, nil
}

// clockAllowance is how far the runner's clock may run ahead of the API's
// when a lost start's submission is looked for by its created time.
const clockAllowance = 5 * time.Minute

// product is the durable id of the product t names, or that a configure
// document names; "" when neither does.
func (s *Ingestion) product(ctx context.Context, send sender, t config.Target) (string, error) {
	switch {
	case t.ProductID != "":
		return t.ProductID, nil
	case t.ExternalID != "":
		var product ingestion.Product
		err := send.read(ctx, func(ctx context.Context) (err error) {
			product, err = s.Client.ProductByExternalID(ctx, t.ExternalID)
			return err
		})
		if err != nil {
			return "", readFailed("looking up external-id "+t.ExternalID, err)
		}
		return product.DurableID(), nil
	}
	return documentProduct(s.Doc), nil
}

// document is the configure document to send, and what it does in words.
func (s *Ingestion) document(product string, subs []ingestion.Submission) ([]byte, string, error) {
	if s.Kind == config.StartConfigure {
		return s.Doc, "configure-file's document", nil
	}
	var from ingestion.Submission
	var ok bool
	to := "preview"
	if s.Kind == config.StartGoLive {
		to = "live"
		from, ok = ingestion.LatestTo(subs, "preview")
		if st, _ := snapshot.ParseState(from.Status); !ok || st != snapshot.StateCompleted || !strings.EqualFold(from.Result, "succeeded") {
			newest := "there is none"
			if ok {
				newest = fmt.Sprintf("the newest is %s, %s %s", from.ID, from.Status, from.Result)
			}
			return nil, "", fmt.Errorf("product %s has no preview submission that succeeded to make live (%s): publish to preview first; nothing was started", product, newest)
		}
	} else {
		for _, sub := range subs {
			if strings.EqualFold(sub.Target.TargetType, "draft") {
				from, ok = sub, true
				break
			}
		}
		if !ok {
			return nil, "", fmt.Errorf("product %s lists no draft submission to publish; nothing was started", product)
		}
	}
	if _, plain := ingestion.ParseSubmissionID(from.ID); !plain {
		return nil, "", fmt.Errorf("product %s: the API named its submission %q, which is not submission/{product}/{id}", product, from.ID)
	}
	schema := "https://schema.mp.microsoft.com/schema/"
	doc, err := json.Marshal(map[string]any{
		"$schema": schema + "configure/" + s.Version,
		"resources": []any{map[string]any{
			"$schema": schema + "submission/" + s.Version,
			"id":      from.ID,
			"product": "product/" + product,
			"target":  map[string]string{"targetType": to},
		}},
	})
	return doc, fmt.Sprintf("submission %s to %s", from.ID, to), err
}

// documentProduct is the product a configure document's submission
// resource names, "" when it names none (or several).
func documentProduct(doc []byte) string {
	var d struct {
		Resources []struct {
			Schema  string `json:"$schema"`
			Product any    `json:"product"`
		} `json:"resources"`
	}
	if json.Unmarshal(doc, &d) != nil {
		return ""
	}
	found := ""
	for _, r := range d.Resources {
		p, ok := r.Product.(string)
		if !ok || !strings.Contains(r.Schema, "/schema/submission/") {
			continue
		}
		id := strings.TrimPrefix(p, "product/")
		if !config.IsGUID(id) || found != "" && found != strings.ToLower(id) {
			return ""
		}
		found = strings.ToLower(id)
	}
	return found
}

// publishes reports a configure document with a submission resource: one
// that makes a submission to look for.
func publishes(doc []byte) bool { return documentProduct(doc) != "" }
