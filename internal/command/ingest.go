package command

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/ingestion"
	"github.com/marketplace-gate/marketplace-gate/internal/report"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// ingestionJob follows a configure job of the product-ingestion API.
type ingestionJob struct {
	client *ingestion.Client
	jobID  string
}

func (j *ingestionJob) start() string {
	return fmt.Sprintf("Watching configure job %s (product-ingestion API)", j.jobID)
}

func (j *ingestionJob) id() string { return j.jobID }
func (*ingestionJob) kind() string { return "job" }

func (j *ingestionJob) fetch(ctx context.Context) (snapshot.Operation, error) {
	st, err := j.client.JobStatus(ctx, j.jobID)
	if isNotFound(err) {
		return snapshot.Operation{}, fmt.Errorf("job-id %s was not found (HTTP 404): pass the jobId that POST configure returned, in the Partner Center account the app belongs to", j.jobID)
	}
	if err != nil {
		return snapshot.Operation{}, err
	}
	return st.Snapshot(), nil
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

// ingestionProduct follows the newest submission of a product to one target,
// looking the product up by external id first when that is what was given.
type ingestionProduct struct {
	client                *ingestion.Client
	log                   *report.Subject
	productID, externalID string
	target                string
	submission            string // the submission last followed
}

func (p *ingestionProduct) start() string {
	name := p.productID
	if name == "" {
		name = "with external id " + p.externalID
	}
	return fmt.Sprintf("Watching the newest %s submission of product %s (product-ingestion API)", p.target, name)
}

func (p *ingestionProduct) id() string { return p.submission }
func (*ingestionProduct) kind() string { return "product" }

func (p *ingestionProduct) fetch(ctx context.Context) (snapshot.Operation, error) {
	if p.productID == "" {
		products, err := p.client.ProductsByExternalID(ctx, p.externalID)
		if err != nil {
			return snapshot.Operation{}, err
		}
		if len(products) == 0 || products[0].DurableID() == "" {
			return snapshot.Operation{}, fmt.Errorf("external-id %q names no product in this Partner Center account: check the offer id, or pass product-id", p.externalID)
		}
		p.productID = products[0].DurableID()
		p.log.Logf("External id %s is product %s (%s)", p.externalID, p.productID, products[0].Alias)
	}
	subs, err := p.client.Submissions(ctx, p.productID)
	if isNotFound(err) {
		return snapshot.Operation{}, fmt.Errorf("product %s was not found (HTTP 404): check product-id, or pass external-id (the offer id)", p.productID)
	}
	if err != nil {
		return snapshot.Operation{}, err
	}
	sub, ok := ingestion.Newest(subs, p.target)
	if !ok {
		return snapshot.Operation{}, fmt.Errorf("product %s has no %s submission: publish to %s first (POST configure with a submission resource)", p.productID, p.target, p.target)
	}
	if sub.ID != p.submission {
		p.submission = sub.ID
		p.log.Logf("Following submission %s (target %s, created %s)", sub.ID, sub.Target.TargetType, sub.Created)
	}
	return sub.Snapshot(), nil
}

// cancel cannot stop a submission: the API cancels configure jobs only.
func (p *ingestionProduct) cancel(context.Context) (string, error) {
	return "", errors.New("the product-ingestion API cancels configure jobs, not submissions (pass job-id to have it cancelled)")
}

func isNotFound(err error) bool {
	var apiErr *apihttp.Error
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound
}
