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
	"github.com/marketplace-gate/marketplace-gate/internal/ingestion"
	"github.com/marketplace-gate/marketplace-gate/internal/report"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// ingestionJob follows a configure job of the product-ingestion API: the
// handle of one publish, which runs through certification. When the job
// succeeds it names the submission the job made.
type ingestionJob struct {
	client *ingestion.Client
	log    *report.Subject
	jobID  string
	// product says where the job's submission is, when given.
	product *productRef
	target  string
	// since bounds the submission looked for; zero: the job's start.
	since time.Time
	start time.Time // jobStart, once the API said
	// noSubmission: the job publishes nothing (a technical configuration
	// alone, start: add-image), so there is no submission to name.
	noSubmission bool
}

func (j *ingestionJob) begin() string {
	return fmt.Sprintf("Watching configure job %s (product-ingestion API)", j.jobID)
}

func (j *ingestionJob) id() string    { return j.jobID }
func (*ingestionJob) pending() string { return "" }

func (j *ingestionJob) fetch(ctx context.Context) (snapshot.Operation, error) {
	st, err := j.client.JobStatus(ctx, j.jobID)
	if apihttp.StatusOf(err) == http.StatusNotFound {
		return snapshot.Operation{}, fmt.Errorf("job-id %s was not found (HTTP 404): pass the jobId that POST configure returned, in the Partner Center account the app belongs to", j.jobID)
	}
	if err != nil {
		return snapshot.Operation{}, err
	}
	if t, ok := st.Started(); ok {
		j.start = t
	}
	return st.Snapshot(), nil
}

// submission names the submission a succeeded job made: the one its detail
// lists, else (with a product given) the newest to target created at or
// after since, or the job's start. Not finding one is said, never a failure.
func (j *ingestionJob) submission(ctx context.Context, s verdict.Status) string {
	if s != verdict.Completed || j.noSubmission {
		return ""
	}
	resources, err := j.client.JobDetail(ctx, j.jobID)
	if err == nil {
		for _, r := range resources {
			if _, ok := ingestion.ParseSubmissionID(r.ID); ok {
				j.log.Logf("Job %s made submission %s (from the job's detail)", j.jobID, r.ID)
				return r.ID
			}
		}
	}
	why := "the job's detail lists no submission"
	if err != nil {
		why = "the job's detail could not be read: " + err.Error()
	}
	if j.product == nil {
		j.log.Logf("The submission this job made is not named: %s; give product-id or external-id with job-id to look it up", why)
		return ""
	}
	bound, what := j.since, "since"
	if bound.IsZero() {
		bound, what = j.start, "the job's start"
	}
	if bound.IsZero() {
		j.log.Logf("The submission this job made is not named: %s, and the job gave no start time to look it up by", why)
		return ""
	}
	productID, err := j.product.resolve(ctx, j.client, j.log)
	var subs []ingestion.Submission
	if err == nil {
		subs, err = j.client.Submissions(ctx, productID)
	}
	if err != nil {
		j.log.Logf("The submission this job made is not named: %s, and listing the product's submissions failed: %v", why, err)
		return ""
	}
	// The exact target only: a live submission is not what a preview job made.
	sub, ok := ingestion.NewestTo(subs, j.target, bound)
	if _, plain := ingestion.ParseSubmissionID(sub.ID); !ok || !plain {
		j.log.Logf("The submission this job made is not named: %s, and product %s lists no %s submission created at or after %s (%s)", why, productID, j.target, what, bound.Format(time.RFC3339))
		return ""
	}
	j.log.Logf("Job %s made submission %s (the newest %s submission created at or after %s, %s)", j.jobID, sub.ID, j.target, what, bound.Format(time.RFC3339))
	return sub.ID
}

func (j *ingestionJob) cancel(ctx context.Context) (string, error) {
	st, err := j.client.CancelJob(ctx, j.jobID)
	if err != nil {
		return "", err
	}
	msg := "the API accepted the request to cancel configure job " + j.jobID
	if st.JobResult != "" {
		msg += " (job result: " + st.JobResult + ")"
	}
	return msg, nil
}

// productRef is a product as given: its durable id, or an external id
// looked up once.
type productRef struct {
	id, externalID string
}

func (p *productRef) name() string {
	if p.id != "" {
		return p.id
	}
	return "with external id " + p.externalID
}

// resolve returns the durable id, looking the external id up on first use.
func (p *productRef) resolve(ctx context.Context, c *ingestion.Client, log *report.Subject) (string, error) {
	if p.id != "" {
		return p.id, nil
	}
	product, err := c.ProductByExternalID(ctx, p.externalID)
	if err != nil {
		return "", err
	}
	p.id = product.DurableID()
	log.Logf("External id %s is product %s (%s)", p.externalID, p.id, product.Alias)
	return p.id, nil
}

// ingestionProduct follows the submission of a product to one target made
// at or after since: the list always holds the previous publish's finished
// submissions, so an older one is no proof of anything. Until one appears the
// gate waits; once found, the submission is followed by its id.
type ingestionProduct struct {
	client      *ingestion.Client
	log         *report.Subject
	product     productRef
	target      string
	since       time.Time
	followed    string // submission/{product}/{id}, once found
	staleSaid   bool
	staleLatest string // what the list held instead, for the timeout message
	// unsure is set when the start request's answer was lost: the gate
	// looks until the timeout and, if no submission appears, says this and
	// what it saw.
	unsure string
	// known are the entries (ingestion.Submission.Key) listed before the
	// start request: not its own.
	known []string

	// followedTarget is the target of the entry followed: one id can stand
	// under two (a go-live leaves preview and live on one submission).
	followedTarget string
	// byList is set once GET submission/{id} answered with the entry under
	// another target: from then on the list alone is read, one request a
	// poll (the API allows one status request a minute).
	byList bool
}

func (p *ingestionProduct) begin() string {
	return fmt.Sprintf("Watching product %s (product-ingestion API) for a %s submission created at or after %s", p.product.name(), p.target, p.since.Format(time.RFC3339))
}

func (p *ingestionProduct) id() string { return p.followed }

func (p *ingestionProduct) submission(context.Context, verdict.Status) string { return p.followed }

func (p *ingestionProduct) pending() string {
	if p.followed != "" {
		return ""
	}
	if p.unsure != "" {
		msg := fmt.Sprintf("%s, and no %s submission of product %s created since %s appeared", p.unsure, p.target, p.product.name(), p.since.Format(time.RFC3339))
		if p.staleLatest != "" {
			msg += " (the newest listed is " + p.staleLatest + ")"
		}
		return msg + fmt.Sprintf(". Look at the product in Partner Center (or GET submission/%s) before starting again: sending it twice could start two", p.product.name())
	}
	msg := fmt.Sprintf("no %s submission of product %s created at or after since (%s) appeared", p.target, p.product.name(), p.since.Format(time.RFC3339))
	if p.staleLatest != "" {
		msg += "; the newest is " + p.staleLatest
	}
	return msg
}

func (p *ingestionProduct) fetch(ctx context.Context) (snapshot.Operation, error) {
	productID, err := p.product.resolve(ctx, p.client, p.log)
	if err != nil {
		return snapshot.Operation{}, err
	}
	if p.followed != "" {
		return p.current(ctx, productID)
	}
	subs, err := p.client.Submissions(ctx, productID)
	if apihttp.StatusOf(err) == http.StatusNotFound {
		return snapshot.Operation{}, fmt.Errorf("product %s was not found (HTTP 404): check product-id, or pass external-id (the offer id)", productID)
	}
	if err != nil {
		return snapshot.Operation{}, err
	}
	// A lost start's submission is to exactly its target: the preview's
	// live stand-in would be another publish's.
	pick := ingestion.Newest
	if p.unsure != "" {
		pick = ingestion.NewestTo
	}
	sub, ok := pick(unknown(subs, p.known), p.target, p.since)
	if !ok {
		p.stale(subs, productID)
		return waiting(p.target), nil
	}
	if _, ok := ingestion.ParseSubmissionID(sub.ID); !ok {
		return snapshot.Operation{}, fmt.Errorf("product %s: the API named its submission %q, which is not submission/{product}/{id}", productID, sub.ID)
	}
	p.followed, p.followedTarget = sub.ID, sub.Target.TargetType
	p.log.Logf("Following %s", sub.Describe())
	return sub.Snapshot(), nil
}

// current fetches the followed submission by its id.
func (p *ingestionProduct) current(ctx context.Context, productID string) (snapshot.Operation, error) {
	if p.byList {
		subs, err := p.client.Submissions(ctx, productID)
		if err != nil {
			return snapshot.Operation{}, err
		}
		return p.own(subs, productID, p.followedTarget)
	}
	ref, _ := ingestion.ParseSubmissionID(p.followed)
	sub, err := p.client.Submission(ctx, productID, ref.Number)
	if apihttp.StatusOf(err) == http.StatusNotFound {
		return snapshot.Operation{}, fmt.Errorf("submission %s answered 404 after it had been found: it was deleted or superseded by a newer publish: %w", p.followed, err)
	}
	if err != nil {
		return snapshot.Operation{}, err
	}
	if !strings.EqualFold(sub.Target.TargetType, p.followedTarget) && !strings.EqualFold(sub.Target.TargetType, p.target) {
		// The answer is the entry of this id under another target (a live
		// one completed beside our preview running): the list has ours,
		// and the target's own entry decides.
		subs, err := p.client.Submissions(ctx, productID)
		if err != nil {
			return snapshot.Operation{}, err
		}
		p.byList = true
		return p.own(subs, productID, sub.Target.TargetType)
	}
	return sub.Snapshot(), nil
}

// own is the followed submission's entry under its own target in the
// product's list: that entry decides, not another target's of the same id.
func (p *ingestionProduct) own(subs []ingestion.Submission, productID, answered string) (snapshot.Operation, error) {
	own, ok := ingestion.Entry(subs, p.followed, p.target)
	if !ok {
		own, ok = ingestion.Entry(subs, p.followed, p.followedTarget)
	}
	if !ok {
		return snapshot.Operation{}, fmt.Errorf("submission %s answers as a %s submission, and product %s no longer lists it for %s: it was superseded by a newer publish", p.followed, answered, productID, p.followedTarget)
	}
	return own.Snapshot(), nil
}

// stale says once why the gate waits: the newest submission predates since.
func (p *ingestionProduct) stale(subs []ingestion.Submission, productID string) {
	latest, ok := ingestion.Latest(subs, p.target)
	if ok {
		p.staleLatest = latest.Describe()
	}
	if p.staleSaid {
		return
	}
	p.staleSaid = true
	if ok {
		p.log.Logf("The newest %s submission of product %s, %s, predates since (%s): it is an earlier publish's; waiting for the one started since then to appear", p.target, productID, p.staleLatest, p.since.Format(time.RFC3339))
		return
	}
	p.log.Logf("Product %s has no %s submission yet; waiting for the one started since %s to appear", productID, p.target, p.since.Format(time.RFC3339))
}

// unknown are the entries not in known, by target and id: a go-live's
// new live entry on the preview's id is not the preview entry listed before.
func unknown(subs []ingestion.Submission, known []string) []ingestion.Submission {
	if len(known) == 0 {
		return subs
	}
	out := make([]ingestion.Submission, 0, len(subs))
	for _, s := range subs {
		if !slices.Contains(known, s.Key()) {
			out = append(out, s)
		}
	}
	return out
}

// cancel cannot stop a submission: the API cancels configure jobs only.
func (p *ingestionProduct) cancel(context.Context) (string, error) {
	return "", errors.New("the product-ingestion API cancels configure jobs, not submissions (pass job-id to have it cancelled)")
}

// waiting is the snapshot of a publish not yet seen: nothing to judge, so
// the poller keeps waiting (and a single check says it is on its way).
func waiting(name string) snapshot.Operation {
	return snapshot.Operation{Status: string(snapshot.StateNotStarted), SubmissionType: name}
}
