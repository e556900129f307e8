// Package cpp speaks HTTP to the Cloud Partner Portal API and returns values.
// It never prints: callers decide what a response means for the user.
package cpp

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// Client calls the CPP API for one api-url and api-version.
type Client struct {
	base       *url.URL
	apiVersion string
	api        *apihttp.Client
}

// New returns a client for the API at base (scheme and host, optional path prefix).
func New(base *url.URL, apiVersion string, tokens apihttp.Tokens, opts ...apihttp.Option) *Client {
	return &Client{base: base, apiVersion: apiVersion, api: apihttp.New(tokens, Meaning, opts...)}
}

// Operation fetches one operation.
func (c *Client) Operation(ctx context.Context, publisher, offer, id string) (snapshot.Operation, error) {
	return apihttp.Get(ctx, c.api, "GET operation", c.URL("publishers", publisher, "offers", offer, "operations", id), DecodeOperation)
}

// LegacyOperation fetches an operation of an offer not migrated to Partner
// Center, by the key its Location named: GET /api/operations/{publisher}${offer}${version}${slot}.
func (c *Client) LegacyOperation(ctx context.Context, key string) (snapshot.Operation, error) {
	return apihttp.Get(ctx, c.api, "GET operation", c.URL("operations", key), DecodeOperation)
}

// Submissions lists the offer's operations (Retrieve operations, no id).
func (c *Client) Submissions(ctx context.Context, publisher, offer string) ([]Submission, error) {
	return apihttp.Get(ctx, c.api, "GET submissions", c.URL("publishers", publisher, "offers", offer, "submissions"), DecodeSubmissions)
}

// Offers lists the publisher's offers (Retrieve offers).
func (c *Client) Offers(ctx context.Context, publisher string) ([]Offer, error) {
	return apihttp.Get(ctx, c.api, "GET offers", c.URL("publishers", publisher, "offers"), DecodeOffers)
}

// Publish starts a publish of the offer (POST …/offers/{offer}/publish),
// notifying emails (comma-separated). It returns the Location of the
// operation it started.
func (c *Client) Publish(ctx context.Context, publisher, offer, emails string) (string, error) {
	body, err := json.Marshal(map[string]any{"metadata": map[string]string{"notification-emails": emails}})
	if err != nil {
		return "", err
	}
	resp, err := c.api.DoJSON(ctx, http.MethodPost, "POST publish", c.URL("publishers", publisher, "offers", offer, "publish"), body)
	if err != nil {
		return "", err
	}
	return location(resp.Header), nil
}

// GoLive makes the offer's preview live (POST …/offers/{offer}/golive). It
// returns the Location of the go-live operation.
func (c *Client) GoLive(ctx context.Context, publisher, offer string) (string, error) {
	resp, err := c.api.DoJSON(ctx, http.MethodPost, "POST golive", c.URL("publishers", publisher, "offers", offer, "golive"), []byte("{}"))
	if err != nil {
		return "", err
	}
	return location(resp.Header), nil
}

// Cancel asks the API to cancel the operation in progress on the offer
// (POST …/offers/{offer}/cancel). It returns the Location of the operation
// that tracks the cancellation, if the answer named one.
func (c *Client) Cancel(ctx context.Context, publisher, offer string) (string, error) {
	resp, err := c.api.Do(ctx, http.MethodPost, "POST cancel", c.URL("publishers", publisher, "offers", offer, "cancel"))
	if err != nil {
		return "", err
	}
	return location(resp.Header), nil
}

// location is where a started operation can be followed: Location (the
// 2020+ docs, relative) or, from the 2018 docs and the clients written then,
// Operation-Location (absolute).
func location(h http.Header) string {
	return cmp.Or(h.Get("Location"), h.Get("Operation-Location"))
}

// URL builds the request URL under /api, every segment path-escaped.
func (c *Client) URL(segments ...string) string {
	return apihttp.Path(c.base, append([]string{"api"}, segments...)...) + "?api-version=" + url.QueryEscape(c.apiVersion)
}
