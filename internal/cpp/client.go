// Package cpp speaks HTTP to the Cloud Partner Portal API and returns values.
// It never prints: callers decide what a response means for the user.
package cpp

import (
	"context"
	"errors"
	"fmt"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/neterr"
)

// Tokens hands out bearer tokens. Refresh drops the cached one so the next
// Token call fetches anew (after a 401).
type Tokens interface {
	Token(ctx context.Context) (string, error)
	Refresh()
}

// DefaultMaxBody caps how much of a response is read: a 50-step operation is
// tens of kilobytes, so this leaves room without letting a hostile body
// exhaust memory.
const DefaultMaxBody = 8 << 20

// DefaultRequestTimeout bounds one request, body included.
const DefaultRequestTimeout = 60 * time.Second

// Client calls the CPP API for one api-url and api-version.
type Client struct {
	base       *url.URL
	apiVersion string
	tokens     Tokens
	http       *http.Client
	maxBody    int64
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (tests, custom transports).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithMaxBody sets the response size cap in bytes.
func WithMaxBody(n int64) Option { return func(c *Client) { c.maxBody = n } }

// New returns a client for the API at base (scheme and host, optional path prefix).
func New(base *url.URL, apiVersion string, tokens Tokens, opts ...Option) *Client {
	c := &Client{
		base:       base,
		apiVersion: apiVersion,
		tokens:     tokens,
		http:       &http.Client{Timeout: DefaultRequestTimeout},
		maxBody:    DefaultMaxBody,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Operation fetches one operation.
func (c *Client) Operation(ctx context.Context, publisher, offer, id string) (snapshot.Operation, error) {
	return get(ctx, c, "GET operation", DecodeOperation, "publishers", publisher, "offers", offer, "operations", id)
}

// Submissions lists the offer's operations (Retrieve operations, no id).
func (c *Client) Submissions(ctx context.Context, publisher, offer string) ([]Submission, error) {
	return get(ctx, c, "GET submissions", DecodeSubmissions, "publishers", publisher, "offers", offer, "submissions")
}

// Offers lists the publisher's offers (Retrieve offers).
func (c *Client) Offers(ctx context.Context, publisher string) ([]Offer, error) {
	return get(ctx, c, "GET offers", DecodeOffers, "publishers", publisher, "offers")
}

// Cancel asks the API to cancel the operation in progress on the offer
// (POST …/offers/{offer}/cancel). It returns the Location of the operation
// that tracks the cancellation, if the answer named one.
func (c *Client) Cancel(ctx context.Context, publisher, offer string) (string, error) {
	resp, err := c.do(ctx, http.MethodPost, "POST cancel", "publishers", publisher, "offers", offer, "cancel")
	if err != nil {
		return "", err
	}
	return resp.header.Get("Location"), nil
}

// get fetches a resource and decodes it. A body that does not decode is
// transient: proxies answer with HTML pages and bodies get cut short.
func get[T any](ctx context.Context, c *Client, call string, decode func([]byte) (T, error), segments ...string) (T, error) {
	var zero T
	resp, err := c.do(ctx, http.MethodGet, call, segments...)
	if err != nil {
		return zero, err
	}
	v, err := decode(resp.body)
	if err != nil {
		return zero, &Error{Call: call, Retry: true, Err: describeUndecodable(resp.body, err)}
	}
	return v, nil
}

// URL builds the request URL. Every segment is path-escaped, so an id cannot
// add a segment, a query or a fragment.
func (c *Client) URL(segments ...string) string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(c.base.String(), "/"))
	b.WriteString("/api")
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	b.WriteString("?api-version=")
	b.WriteString(url.QueryEscape(c.apiVersion))
	return b.String()
}

// response is a successful answer, its body read whole (within the cap).
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request; on a 401 it refreshes the token and tries once more,
// since a token can be revoked or expire early. A second 401 is final. A POST
// carries an empty JSON object: the API's optional metadata is not used.
func (c *Client) do(ctx context.Context, method, call string, segments ...string) (response, error) {
	target := c.URL(segments...)
	for attempt := 0; ; attempt++ {
		token, err := c.tokens.Token(ctx)
		if err != nil {
			return response{}, fmt.Errorf("%s: getting a token: %w", call, err)
		}
		var body io.Reader
		if method == http.MethodPost {
			body = strings.NewReader("{}")
		}
		req, err := http.NewRequestWithContext(ctx, method, target, body)
		if err != nil {
			return response{}, &Error{Call: call, Err: err}
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.send(req)
		if err != nil {
			// Transport failures are worth another try; the caller knows whether
			// its own context ended, which is not.
			return response{}, &Error{Call: call, Retry: true, Err: err}
		}
		if resp.status == http.StatusUnauthorized && attempt == 0 {
			c.tokens.Refresh()
			continue
		}
		if resp.status < 200 || resp.status > 299 {
			return response{}, &Error{
				Call:       call,
				StatusCode: resp.status,
				Detail:     serverDetail(resp.body),
				Wait:       RetryAfter(resp.header, time.Now()),
				Retry:      retryable(resp.status),
			}
		}
		return resp, nil
	}
}

// send performs the request and reads at most maxBody bytes of the answer.
func (c *Client) send(req *http.Request) (response, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return response{}, scrubURL(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return response{}, fmt.Errorf("reading the response (HTTP %d) was cut short: %w", resp.StatusCode, scrubURL(err))
	}
	if int64(len(data)) > c.maxBody {
		return response{}, fmt.Errorf("the response (HTTP %d) is larger than %d bytes", resp.StatusCode, c.maxBody)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// scrubURL keeps the operation, not the query string, in transport errors:
// url.Error repeats the whole URL, which is noise in a log line.
func scrubURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, redactQuery(ue.URL), neterr.Cause(ue.Err))
	}
	return neterr.Cause(err)
}

func redactQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the API"
	}
	u.RawQuery = ""
	return u.String()
}

// describeUndecodable says what came back instead of JSON; proxies answer
// with HTML error pages.
func describeUndecodable(body []byte, err error) error {
	trimmed := strings.TrimSpace(string(body[:min(len(body), 512)]))
	if strings.HasPrefix(trimmed, "<") {
		return errors.New("the response is HTML, not JSON (a proxy or gateway error page?)")
	}
	if len(trimmed) == 0 {
		return errors.New("the response body is empty")
	}
	return fmt.Errorf("the response is not the JSON expected: %w", err)
}
