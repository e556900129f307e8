package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// federated signs in against a simulator with the job's OIDC token.
func federated(t *testing.T, requestToken, audience string, seen *[]string, opts ...simulator.Option) (*Source, *simulator.Server) {
	t.Helper()
	sc, _ := simulator.Lookup("publish")
	sim := simulator.New(sc, opts...)
	srv := sim.Start()
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	idToken := GitHubIDToken(srv.URL+simulator.IDTokenPath, requestToken, audience, nil)
	return Federated(u, simulator.Tenant, simulator.ClientID, simulator.CPPResource, idToken, nil, func(s string) { *seen = append(*seen, s) }), sim
}

// TestFederatedFetchesAFreshIDTokenEachTime: ID tokens live minutes, so every
// renewal during a long wait must present a new one; both kinds are masked.
func TestFederatedFetchesAFreshIDTokenEachTime(t *testing.T) {
	var seen []string
	s, sim := federated(t, simulator.IDTokenRequestToken, simulator.IDTokenAudience, &seen, simulator.WithTokenTTL(time.Minute))
	a, err := s.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Token(context.Background())
	if err != nil || a == b {
		t.Fatalf("tokens %q %q (%v); want two", a, b, err)
	}
	if ids, aad := sim.Count("GET", "/oidc/idtoken"), sim.Count("POST", "/oauth2/token"); ids != 2 || aad != 2 {
		t.Errorf("%d ID token and %d Azure AD requests; want 2 of each", ids, aad)
	}
	idTokens := 0
	for _, v := range seen {
		if strings.Contains(v, "sim-idtoken-") {
			idTokens++
		}
	}
	if idTokens != 2 || len(seen) != 4 {
		t.Errorf("masked %q; want both ID tokens and both access tokens", seen)
	}
}

func TestFederatedFailures(t *testing.T) {
	for _, tc := range []struct {
		name, requestToken, audience string
		opts                         []simulator.Option
		want                         string
		retry                        bool
	}{
		{"no id-token permission", "wrong-request-token", simulator.IDTokenAudience, nil, "permissions: id-token: write", false},
		{"audience the app does not expect", simulator.IDTokenRequestToken, "api://Other", nil, "set oidc-audience", false},
		{"token service down", simulator.IDTokenRequestToken, simulator.IDTokenAudience, []simulator.Option{simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
			if strings.HasPrefix(r.URL.Path, "/oidc/") {
				w.WriteHeader(http.StatusServiceUnavailable)
				return true
			}
			return false
		})}, "HTTP 503", true},
		{"expired ID token", simulator.IDTokenRequestToken, simulator.IDTokenAudience, []simulator.Option{simulator.WithIDTokenTTL(-time.Second)}, "has expired", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen []string
			s, _ := federated(t, tc.requestToken, tc.audience, &seen, tc.opts...)
			_, err := s.Token(context.Background())
			var ae *Error
			if !errors.As(err, &ae) || !strings.Contains(err.Error(), tc.want) || ae.Retry != tc.retry {
				t.Fatalf("err = %v; want an *Error saying %q, retry %v", err, tc.want, tc.retry)
			}
		})
	}
}
