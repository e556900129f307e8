// Package ingestion speaks HTTP to Partner Center's product-ingestion API
// (graph.microsoft.com/rp/product-ingestion), CPP's successor, and returns
// values. It never prints. What it fetches maps onto snapshot.Operation, so
// the poller and reporter do not know which API fed them.
package ingestion

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
)

// Client calls the product-ingestion API at one base URL and $version.
type Client struct {
	base    *url.URL
	version string
	api     *apihttp.Client
}

// New returns a client for the API at base (https://graph.microsoft.com/rp/product-ingestion).
func New(base *url.URL, version string, tokens apihttp.Tokens, opts ...apihttp.Option) *Client {
	return &Client{base: base, version: version, api: apihttp.New(tokens, Meaning, opts...)}
}

// JobStatus fetches a configure job's status (GET configure/{jobId}/status).
func (c *Client) JobStatus(ctx context.Context, jobID string) (JobStatus, error) {
	return apihttp.Get(ctx, c.api, "GET configure status", c.URL(nil, "configure", jobID, "status"), DecodeJobStatus)
}

// JobDetail lists the resources a completed configure job created or
// updated (GET configure/{jobId}); the API refuses it while the job runs.
func (c *Client) JobDetail(ctx context.Context, jobID string) ([]Resource, error) {
	return apihttp.Get(ctx, c.api, "GET configure", c.URL(nil, "configure", jobID), DecodeJobDetail)
}

// maxPages bounds how many pages of one list are read: a product has a
// handful of active submissions, so more pages than this is a server loop.
const maxPages = 50

// Submissions lists a product's active submissions (GET submission/{productId}),
// following @nextLink to the last page. Only the link's query (its paging
// token) is taken, on our own URL: a link to another host never gets the
// token, as release-engineering/cloudpub does it (get_url_params).
func (c *Client) Submissions(ctx context.Context, productID string) ([]Submission, error) {
	var all []Submission
	var query url.Values
	for range maxPages {
		page, err := apihttp.Get(ctx, c.api, "GET submission", c.URL(query, "submission", productID), DecodeSubmissionsPage)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Value...)
		if page.NextLink == "" {
			return all, nil
		}
		next, err := url.Parse(page.NextLink)
		if err != nil {
			return nil, fmt.Errorf("GET submission: @nextLink %q is not a URL", page.NextLink)
		}
		query = next.Query()
		query.Del("$version")
		if len(query) == 0 {
			return nil, fmt.Errorf("GET submission: @nextLink %q carries no paging token", page.NextLink)
		}
	}
	return nil, fmt.Errorf("GET submission: the submission list of product %s runs past %d pages", productID, maxPages)
}

// Submission fetches one submission (GET submission/{productId}/{submissionId}).
func (c *Client) Submission(ctx context.Context, productID, submissionID string) (Submission, error) {
	return apihttp.Get(ctx, c.api, "GET submission", c.URL(nil, "submission", productID, submissionID), DecodeSubmission)
}

// ProductsByExternalID looks a product up by its external id (the CPP offer
// id): GET product?externalId=….
func (c *Client) ProductsByExternalID(ctx context.Context, externalID string) ([]Product, error) {
	return apihttp.Get(ctx, c.api, "GET product", c.URL(url.Values{"externalId": {externalID}}, "product"), DecodeProducts)
}

// Configure sends a configure document (POST configure) and returns the
// status of the job it started.
func (c *Client) Configure(ctx context.Context, doc []byte) (JobStatus, error) {
	resp, err := c.api.DoJSON(ctx, http.MethodPost, "POST configure", c.URL(nil, "configure"), doc)
	if err != nil {
		return JobStatus{}, err
	}
	return DecodeJobStatus(resp.Body)
}

// ProductByExternalID is the one product whose external id is externalID.
// The answer is filtered again here (without case, as the service matches):
// a filter the service ignored, or several products answering, must not
// make the gate act on another offer. None, or more than one, is an error.
func (c *Client) ProductByExternalID(ctx context.Context, externalID string) (Product, error) {
	products, err := c.ProductsByExternalID(ctx, externalID)
	if err != nil {
		return Product{}, err
	}
	var found []Product
	for _, p := range products {
		if strings.EqualFold(p.Identity.ExternalID, externalID) && p.DurableID() != "" {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 0:
		return Product{}, fmt.Errorf("external-id %q names no product in this Partner Center account: check the offer id, or pass product-id", externalID)
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for i, p := range found {
		ids[i] = p.ID
	}
	return Product{}, fmt.Errorf("external-id %q names %d products (%s): pass product-id to say which", externalID, len(found), strings.Join(ids, ", "))
}

// CancelJob asks the API to cancel a configure job (POST configure/{jobId}/cancel).
func (c *Client) CancelJob(ctx context.Context, jobID string) (JobStatus, error) {
	resp, err := c.api.Do(ctx, http.MethodPost, "POST configure cancel", c.URL(nil, "configure", jobID, "cancel"))
	if err != nil {
		return JobStatus{}, err
	}
	st, _ := DecodeJobStatus(resp.Body) // the acceptance is what matters; the body is a bonus
	return st, nil
}

// URL builds a request URL, every segment path-escaped, $version always set
// and written as the docs spell it, not percent-encoded.
func (c *Client) URL(query url.Values, segments ...string) string {
	var b strings.Builder
	b.WriteString(apihttp.Path(c.base, segments...) + "?$version=" + url.QueryEscape(c.version))
	keys := make([]string, 0, len(query))
	for k := range query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		// OData names ($skipToken, $maxpagesize) keep their '$', as the
		// API's own links write them.
		name := strings.ReplaceAll(url.QueryEscape(k), "%24", "$")
		for _, v := range query[k] {
			b.WriteString("&" + name + "=" + url.QueryEscape(v))
		}
	}
	return b.String()
}

// Meaning explains an HTTP status from the product-ingestion API and what
// the user should do about it; apihttp explains server errors.
func Meaning(code int) string {
	switch code {
	case http.StatusBadRequest:
		return "bad or malformed request: check api-version ($version) and the ids"
	case http.StatusUnauthorized:
		return "the token was refused: check tenant-id, client-id and client-secret (or access-token), and that the token is for https://graph.microsoft.com"
	case http.StatusForbidden:
		return "forbidden: the app (service principal) has not been added to the Partner Center account (Account settings → User management → Microsoft Entra applications), or lacks the Manager role"
	case http.StatusNotFound:
		return "not found: the job or product does not exist in this Partner Center account"
	case http.StatusConflict:
		return "conflict: another request on this product is in the way"
	case http.StatusTooManyRequests:
		return "throttled: too many requests (the API asks for at most one status request a minute)"
	}
	return ""
}
