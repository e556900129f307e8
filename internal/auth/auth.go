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

// earlyExpiry renews a token this long before it expires, so a request never
// leaves with a token that dies in flight during a multi-hour wait.
const earlyExpiry = 5 * time.Minute

// Source hands out tokens, renewing them before they expire, and fetches a
// new one on demand after the API answered 401. Each fetch is bounded by the
// context of the Token call that needs it.
type Source struct {
	mu      sync.Mutex
	fetch   func(context.Context) (*oauth2.Token, error) // nil for a static token
	cached  *oauth2.Token
	onToken func(string) // sees every secret fetched, before it is used (to mask it)
}

// Static returns a Source for a token given as is.
func Static(token string) *Source {
	return &Source{cached: &oauth2.Token{AccessToken: token}}
}

// ClientCredentials returns a Source that signs in as an Azure AD app at
// {authority}/{tenant}/oauth2/token with resource (the API's audience); hc is the HTTP
// client for the token endpoint.
func ClientCredentials(authority *url.URL, tenant, clientID, secret, resource string, hc *http.Client, onToken func(string)) *Source {
	cfg := appConfig(authority, tenant, clientID, url.Values{"resource": {resource}})
	cfg.ClientSecret = secret
	return &Source{
		fetch:   func(ctx context.Context) (*oauth2.Token, error) { return cfg.Token(withClient(ctx, hc)) },
		onToken: onToken,
	}
}

// Federated returns a Source that signs in as an Azure AD app with the job's
// OIDC ID token as client assertion (workload identity federation): no
// client secret. Every token fetch, renewals included, asks idToken for a
// fresh ID token, since those live minutes; onToken masks both.
func Federated(authority *url.URL, tenant, clientID, resource string, idToken func(context.Context) (string, error), hc *http.Client, onToken func(string)) *Source {
	return &Source{
		fetch: func(ctx context.Context) (*oauth2.Token, error) {
			jwt, err := idToken(ctx)
			if err != nil {
				return nil, err
			}
			if onToken != nil {
				onToken(jwt)
			}
			cfg := appConfig(authority, tenant, clientID, url.Values{
				"resource":              {resource},
				"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
				"client_assertion":      {jwt},
			})
			return cfg.Token(withClient(ctx, hc))
		},
		onToken: onToken,
	}
}

// appConfig is the client-credentials grant for the app at the v1 endpoint.
// Credentials go in the body, as AAD documents; auto-detection would send a
// failing request first on every bad secret.
func appConfig(authority *url.URL, tenant, clientID string, params url.Values) *clientcredentials.Config {
	return &clientcredentials.Config{
		ClientID:       clientID,
		TokenURL:       TokenURL(authority, tenant),
		EndpointParams: params,
		AuthStyle:      oauth2.AuthStyleInParams,
	}
}

func withClient(ctx context.Context, hc *http.Client) context.Context {
	if hc == nil {
		return ctx
	}
	return context.WithValue(ctx, oauth2.HTTPClient, hc)
}

// TokenURL is the v1 token endpoint of tenant at authority.
func TokenURL(authority *url.URL, tenant string) string {
	return strings.TrimSuffix(authority.String(), "/") + "/" + url.PathEscape(tenant) + "/oauth2/token"
}

// Token returns a valid token, fetching one if there is none or the cached
// one is within earlyExpiry of its end.
func (s *Source) Token(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached != nil && (s.fetch == nil || s.cached.Expiry.IsZero() || time.Until(s.cached.Expiry) > earlyExpiry) {
		return s.cached.AccessToken, nil
	}
	t, err := s.fetch(ctx)
	if err != nil {
		return "", classify(err)
	}
	if s.onToken != nil {
		s.onToken(t.AccessToken)
	}
	s.cached = t
	return t.AccessToken, nil
}

// Refresh forgets a fetched token; the next Token call fetches a new one. A
// static token stays: there is no other to get.
func (s *Source) Refresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fetch != nil {
		s.cached = nil
	}
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
			return &Error{Msg: fmt.Sprintf("Azure AD token endpoint answered HTTP %d", status), Retry: true, Err: err}
		}
		desc, _, _ := strings.Cut(re.ErrorDescription, "\n")
		desc = strings.TrimSpace(desc)
		msg := "Azure AD refused the sign-in"
		if re.ErrorCode != "" {
			msg += " (" + re.ErrorCode + ")"
		}
		// Codes compared without case: a description relayed by a proxy or
		// SDK may not keep AADSTS's capitals.
		upper := strings.ToUpper(desc)
		for _, h := range aadHints() {
			if strings.Contains(upper, h.code+":") {
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
