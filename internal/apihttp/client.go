// Package apihttp makes the JSON-over-HTTP calls both marketplace APIs need:
// a bearer token (refreshed once on a 401), a capped body, Retry-After read,
// and every failure turned into an *Error that says whether to try again.
// It never prints.
package apihttp

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
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

// NewHTTPClient returns the HTTP client one gate run shares for the API and
// sign-in. Its idle connections outlive the longest wait between polls
// (idle), so a server that keeps a connection open spares every poll a new
// TLS handshake, and it resumes TLS sessions, so a new connection skips the
// certificate exchange and its verification. Proxy settings from the
// environment still apply.
func NewHTTPClient(idle time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.IdleConnTimeout = max(t.IdleConnTimeout, idle)
	t.TLSClientConfig = &tls.Config{ClientSessionCache: tls.NewLRUClientSessionCache(8)}
	return &http.Client{Timeout: DefaultRequestTimeout, Transport: t}
}

// Client sends requests for one API; hint explains its HTTP statuses.
type Client struct {
	tokens  Tokens
	hint    func(status int) string
	http    *http.Client
	maxBody int64
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (tests, custom transports).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithMaxBody sets the response size cap in bytes.
func WithMaxBody(n int64) Option { return func(c *Client) { c.maxBody = n } }

// New returns a client that authenticates with tokens and explains statuses
// with hint, in the API's terms; statuses it leaves unexplained ("") get the
// generic meaning of throttling and server errors.
func New(tokens Tokens, hint func(status int) string, opts ...Option) *Client {
	c := &Client{
		tokens:  tokens,
		hint:    hint,
		http:    NewHTTPClient(0),
		maxBody: DefaultMaxBody,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Get fetches a resource and decodes it. A body that does not decode is
// transient: proxies answer with HTML pages and bodies get cut short.
func Get[T any](ctx context.Context, c *Client, call, target string, decode func([]byte) (T, error)) (T, error) {
	var zero T
	resp, err := c.Do(ctx, http.MethodGet, call, target)
	if err != nil {
		return zero, err
	}
	v, err := decode(resp.Body)
	if err != nil {
		return zero, &Error{Call: call, Retry: true, Err: describeUndecodable(resp.Body, err)}
	}
	return v, nil
}

// Response is a successful answer, its body read whole (within the cap).
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends one request to target; on a 401 it refreshes the token and tries once more,
// since a token can be revoked or expire early (a 401 is refused before
// anything is done, so even a POST may be sent again). A second 401 is
// final. A POST carries an empty JSON object.
func (c *Client) Do(ctx context.Context, method, call, target string) (Response, error) {
	var body []byte
	if method == http.MethodPost {
		body = []byte("{}")
	}
	return c.DoJSON(ctx, method, call, target, body)
}

// DoJSON is Do with a JSON body (nil: none).
func (c *Client) DoJSON(ctx context.Context, method, call, target string, payload []byte) (Response, error) {
	for attempt := 0; ; attempt++ {
		token, err := c.tokens.Token(ctx)
		if err != nil {
			return Response{}, fmt.Errorf("%s: getting a token: %w", call, err)
		}
		var body io.Reader
		if payload != nil {
			body = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, method, target, body)
		if err != nil {
			return Response{}, &Error{Call: call, Err: err}
		}
		addHeaders(ctx, req.Header) // DoJSONWith's (header.go); ours below win
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, unsent, err := c.send(req)
		if err != nil {
			// Transport failures are worth another try (the caller knows whether
			// its own context ended, which is not), except a certificate that is
			// not trusted: that will not change while we wait.
			return Response{}, &Error{Call: call, Retry: !untrusted(err), NotSent: unsent, Err: err}
		}
		if resp.Status == http.StatusUnauthorized && attempt == 0 {
			c.tokens.Refresh()
			continue
		}
		if resp.Status < 200 || resp.Status > 299 {
			return Response{}, &Error{
				Call:       call,
				StatusCode: resp.Status,
				Hint:       c.explain(resp.Status),
				Detail:     serverDetail(resp.Body),
				Body:       resp.Body,
				emptyBody:  len(bytes.TrimSpace(resp.Body)) == 0,
				Wait:       RetryAfter(resp.Header, time.Now()),
				Retry:      retryable(resp.Status),
			}
		}
		return resp, nil
	}
}

// send performs the request and reads at most maxBody bytes of the answer.
// unsent says the request certainly never reached the server.
func (c *Client) send(req *http.Request) (resp Response, unsent bool, err error) {
	r, err := c.http.Do(req)
	if err != nil {
		return Response{}, notSent(err), scrubURL(err)
	}
	defer r.Body.Close()
	data, err := io.ReadAll(io.LimitReader(r.Body, c.maxBody+1))
	if err != nil {
		return Response{}, false, fmt.Errorf("reading the response (HTTP %d) was cut short: %w", r.StatusCode, scrubURL(err))
	}
	if int64(len(data)) > c.maxBody {
		return Response{}, false, fmt.Errorf("the response (HTTP %d) is larger than %d bytes", r.StatusCode, c.maxBody)
	}
	return Response{Status: r.StatusCode, Header: r.Header, Body: data}, false, nil
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

func (c *Client) explain(status int) string {
	if c.hint != nil {
		if h := c.hint(status); h != "" {
			return h
		}
	}
	switch {
	case status == http.StatusTooManyRequests:
		return "throttled: too many requests"
	case status >= 500:
		return "the service had a problem"
	}
	return ""
}

// notSent reports a transport failure that certainly came before the
// request reached the server: the connection was never made (refused, no
// route, the name did not resolve). Anything later may have been received.
func notSent(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// untrusted reports a server certificate that failed verification (unknown
// authority, expired, wrong host): the handshake wraps them all in one type.
func untrusted(err error) bool {
	var verify *tls.CertificateVerificationError
	return errors.As(err, &verify)
}

// Path joins base and segments, each path-escaped, so an id cannot add a
// segment, a query or a fragment. The caller appends the query.
func Path(base *url.URL, segments ...string) string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(base.String(), "/"))
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// DecodeList reads a list endpoint's body: a JSON array, or an object whose
// "value" holds the array (Microsoft's list envelope). Anything else is an error.
func DecodeList[T any](body []byte, what string) ([]T, error) {
	list, _, err := DecodePage[T](body, what)
	return list, err
}

// DecodePage is DecodeList for a paged list: the envelope's "@nextLink" too,
// read in the same pass ("" for a bare array, or the last page). The same
// back end's older API spells it "nextLink"; either is read, so a page is
// never taken for the last because of a spelling.
func DecodePage[T any](body []byte, what string) (list []T, next string, err error) {
	body = bytes.TrimLeft(body, " \t\r\n")
	if len(body) > 0 && body[0] == '[' {
		if err := json.Unmarshal(body, &list); err != nil {
			return nil, "", fmt.Errorf("decoding %s: %w", what, err)
		}
		return list, "", nil
	}
	var wrapped struct {
		Value    *[]T   `json:"value"`
		NextLink string `json:"@nextLink"`
		Next     string `json:"nextLink"`
	}
	if err := json.Unmarshal(body, &wrapped); err != nil {
		return nil, "", fmt.Errorf("decoding %s: %w", what, err)
	}
	if wrapped.Value == nil {
		return nil, "", fmt.Errorf("decoding %s: %w", what, ErrNoList)
	}
	return *wrapped.Value, cmp.Or(wrapped.NextLink, wrapped.Next), nil
}

// ErrNoList is DecodeList's error for an object without a "value" list.
var ErrNoList = errors.New("the response has no value list")
