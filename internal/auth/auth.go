// Package auth answers which bearer token to send: a given access token, or
// one fetched from Azure AD with the client-credentials grant.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/marketplace-gate/marketplace-gate/internal/neterr"
)

// Resource is the audience of Cloud Partner Portal tokens.
const Resource = "https://cloudpartner.azure.com"

// earlyExpiry renews a token this long before it expires, so a request never
// leaves with a token that dies in flight during a multi-hour wait.
const earlyExpiry = 5 * time.Minute

// Source hands out tokens, renewing them before they expire, and fetches a
// new one on demand after the API answered 401.
type Source struct {
	mu      sync.Mutex
	fetch   *fetcher           // nil for a static token
	base    oauth2.TokenSource // fetches on every call
	reuse   oauth2.TokenSource // caches base's token until near expiry
	onToken func(string)
	last    string
}

// Static returns a Source for a token given as is.
func Static(token string) *Source {
	return newSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}), nil)
}

// ClientCredentials returns a Source that signs in as an Azure AD app at
// {authority}/{tenant}/oauth2/token with resource=Resource. onToken sees every
// newly fetched token before it is used (to mask it). Each fetch is bounded by
// the context given to Token; hc is the HTTP client for the token endpoint.
func ClientCredentials(authority *url.URL, tenant, clientID, secret string, hc *http.Client, onToken func(string)) *Source {
	cfg := &clientcredentials.Config{
		ClientID:       clientID,
		ClientSecret:   secret,
		TokenURL:       TokenURL(authority, tenant),
		EndpointParams: url.Values{"resource": {Resource}},
		// In the body, as AAD documents; auto-detection would send a failing
		// request first on every bad secret.
		AuthStyle: oauth2.AuthStyleInParams,
	}
	return newSource(&fetcher{cfg: cfg, hc: hc}, onToken)
}

// Federated returns a Source that signs in as an Azure AD app with the job's
// OIDC ID token as client assertion (workload identity federation): no
// client secret. Every token fetch, renewals included, asks idToken for a
// fresh ID token, since those live minutes; onToken masks both.
func Federated(authority *url.URL, tenant, clientID string, idToken func(context.Context) (string, error), hc *http.Client, onToken func(string)) *Source {
	cfg := &clientcredentials.Config{
		ClientID:       clientID,
		TokenURL:       TokenURL(authority, tenant),
		EndpointParams: url.Values{"resource": {Resource}},
		AuthStyle:      oauth2.AuthStyleInParams,
	}
	return newSource(&fetcher{cfg: cfg, hc: hc, assertion: idToken, onAssertion: onToken}, onToken)
}

// TokenURL is the v1 token endpoint of tenant at authority.
func TokenURL(authority *url.URL, tenant string) string {
	return strings.TrimSuffix(authority.String(), "/") + "/" + url.PathEscape(tenant) + "/oauth2/token"
}

func newSource(base oauth2.TokenSource, onToken func(string)) *Source {
	s := &Source{base: base, onToken: onToken}
	s.fetch, _ = base.(*fetcher)
	s.reuse = oauth2.ReuseTokenSourceWithExpiry(nil, base, earlyExpiry)
	return s
}

// Token returns a valid token, fetching one if needed.
func (s *Source) Token(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fetch != nil {
		// oauth2.TokenSource takes no context; the fetcher reads this one,
		// under s.mu, so a fetch ends with the request (or cancel) it serves.
		s.fetch.ctx = ctx
		defer func() { s.fetch.ctx = nil }()
	}
	t, err := s.reuse.Token()
	if err != nil {
		return "", classify(err)
	}
	if t.AccessToken != s.last {
		s.last = t.AccessToken
		if s.onToken != nil {
			s.onToken(t.AccessToken)
		}
	}
	return t.AccessToken, nil
}

// Refresh forgets the cached token; the next Token call fetches a new one.
func (s *Source) Refresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reuse = oauth2.ReuseTokenSourceWithExpiry(nil, s.base, earlyExpiry)
}

// fetcher adapts clientcredentials.Config.Token, which fetches every time, to
// oauth2.TokenSource, so that the reuse source above owns caching. ctx is
// set by Source.Token for the length of one call. With assertion set, each
// fetch sends a fresh client assertion instead of a secret.
type fetcher struct {
	ctx         context.Context
	cfg         *clientcredentials.Config
	hc          *http.Client
	assertion   func(context.Context) (string, error)
	onAssertion func(string)
}

func (f *fetcher) Token() (*oauth2.Token, error) {
	ctx := f.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	cfg := f.cfg
	if f.assertion != nil {
		jwt, err := f.assertion(ctx)
		if err != nil {
			return nil, err
		}
		if f.onAssertion != nil {
			f.onAssertion(jwt)
		}
		c := *f.cfg
		c.EndpointParams = url.Values{
			"resource":              {Resource},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion":      {jwt},
		}
		cfg = &c
	}
	if f.hc != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, f.hc)
	}
	return cfg.Token(ctx)
}

// Error is a failure to get a token, with what to check.
type Error struct {
	Msg   string
	Retry bool
	Err   error
}

func (e *Error) Error() string   { return e.Msg }
func (e *Error) Unwrap() error   { return e.Err }
func (e *Error) Transient() bool { return e.Retry }

// aadHints maps AADSTS codes to the input the user should check.
func aadHints() []struct{ code, hint string } {
	return []struct{ code, hint string }{
		{"AADSTS7000215", "client-secret is wrong: use the secret's Value, not its Secret ID"},
		{"AADSTS7000222", "client-secret has expired: create a new one for the app"},
		{"AADSTS700016", "client-id was not found in the tenant: check client-id and tenant-id"},
		{"AADSTS90002", "tenant-id was not found: check tenant-id"},
		{"AADSTS900023", "tenant-id is not a valid tenant: check tenant-id"},
		{"AADSTS500011", "the Cloud Partner Portal resource is not available in this tenant"},
		{"AADSTS700211", "the app has no federated credential for GitHub's issuer: add one (issuer https://token.actions.githubusercontent.com)"},
		{"AADSTS700212", "the app's federated credential expects another audience: set oidc-audience to match it"},
		{"AADSTS700213", "the app has no federated credential for this job's subject (repo, branch, environment or pull request): add one that matches"},
		{"AADSTS70021", "the app has no federated credential matching this job: add one for this repository (and branch or environment)"},
		{"AADSTS700024", "the job's OIDC token has expired or is not yet valid: check the runner's clock, or retry"},
	}
}

// classify turns a token fetch failure into an Error saying whether to retry
// and, for a refusal, which input is wrong. It never repeats the request.
func classify(err error) error {
	var already *Error
	if errors.As(err, &already) {
		return already // the ID token fetch classified its own failure
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		if status == http.StatusTooManyRequests || status >= 500 {
			return &Error{Msg: fmt.Sprintf("Azure AD token endpoint answered HTTP %d; will retry", status), Retry: true, Err: err}
		}
		desc, _, _ := strings.Cut(re.ErrorDescription, "\n")
		desc = strings.TrimSpace(desc)
		msg := "Azure AD refused the sign-in"
		if re.ErrorCode != "" {
			msg += " (" + re.ErrorCode + ")"
		}
		for _, h := range aadHints() {
			if strings.Contains(desc, h.code+":") {
				msg += ": " + h.hint
				break
			}
		}
		if desc != "" {
			msg += ". Azure AD said: " + clip(desc)
		} else if status != 0 {
			msg += fmt.Sprintf(": HTTP %d; check tenant-id, client-id and client-secret", status)
		}
		return &Error{Msg: msg, Err: err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	// Transport failures (DNS, refused, reset, timeout) are worth another try.
	return &Error{Msg: "reaching the Azure AD token endpoint failed: " + scrub(err), Retry: true, Err: err}
}

// scrub drops the url.Error's URL wrapper text; the cause is what matters.
func scrub(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + " token endpoint: " + neterr.Cause(ue.Err).Error()
	}
	return neterr.Cause(err).Error()
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
