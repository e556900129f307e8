package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

func source(t *testing.T, srvURL, secret string, seen *[]string) *Source {
	t.Helper()
	u, err := url.Parse(srvURL)
	if err != nil {
		t.Fatal(err)
	}
	return ClientCredentials(u, simulator.Tenant, simulator.ClientID, secret, simulator.CPPResource, nil, func(tok string) { *seen = append(*seen, tok) })
}

func TestRenewsBeforeExpiry(t *testing.T) {
	sc, _ := simulator.Lookup("publish")
	// Tokens that live one minute are inside the five-minute renewal margin,
	// so each call must fetch a fresh one rather than reuse a dying token.
	srv := simulator.New(sc, simulator.WithTokenTTL(time.Minute)).Start()
	defer srv.Close()
	var seen []string
	s := source(t, srv.URL, simulator.ClientSecret, &seen)
	a, err := s.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Token(context.Background())
	if a == b || len(seen) != 2 {
		t.Fatalf("tokens %q %q, masked %d; want two distinct fetched tokens, both masked", a, b, len(seen))
	}
}

func TestReusesAndRefreshes(t *testing.T) {
	sc, _ := simulator.Lookup("publish")
	srv := simulator.New(sc).Start()
	defer srv.Close()
	var seen []string
	s := source(t, srv.URL, simulator.ClientSecret, &seen)
	a, _ := s.Token(context.Background())
	b, _ := s.Token(context.Background())
	s.Refresh()
	c, _ := s.Token(context.Background())
	if a != b || a == c || len(seen) != 2 {
		t.Fatalf("a=%q b=%q c=%q masked=%d; want reuse, then a new token after Refresh", a, b, c, len(seen))
	}
}

func TestClassifiesFailures(t *testing.T) {
	var hits atomic.Int32
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer flaky.Close()
	sc, _ := simulator.Lookup("publish")
	sim := simulator.New(sc).Start()
	defer sim.Close()

	var seen []string
	for _, tc := range []struct {
		name, url, secret string
		transient         bool
		says              string
	}{
		{"5xx", flaky.URL, "x", true, "HTTP 503"},
		{"wrong secret", sim.URL, "wrong-Secret-XYZ", false, "client-secret is wrong"},
		{"unreachable", "http://127.0.0.1:1", "x", true, "token endpoint"},
	} {
		_, err := source(t, tc.url, tc.secret, &seen).Token(context.Background())
		var e *Error
		if !errors.As(err, &e) || e.Transient() != tc.transient || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: err = %v; want transient=%v saying %q", tc.name, err, tc.transient, tc.says)
		}
		if err != nil && strings.Contains(err.Error(), tc.secret) && len(tc.secret) > 1 {
			t.Errorf("%s: the error repeats the secret", tc.name)
		}
	}
	if hits.Load() != 1 {
		t.Errorf("the token endpoint was hit %d times for one Token call; retrying is the poller's job", hits.Load())
	}
}

func TestStaticNeverFetches(t *testing.T) {
	s := Static("given")
	if tok, err := s.Token(context.Background()); tok != "given" || err != nil {
		t.Fatal(tok, err)
	}
}

// TestHintsIgnoreCase: an AADSTS code is matched whatever its case, and
// only as a whole code (AADSTS70021 is not AADSTS700211).
func TestHintsIgnoreCase(t *testing.T) {
	for desc, want := range map[string]string{
		"AADSTS7000215: Invalid client secret provided.":       "client-secret is wrong",
		"aadsts7000215: Invalid client secret provided.":       "client-secret is wrong",
		"Aadsts700211: No matching federated identity record.": "no federated credential for GitHub's issuer",
		"aadsts70021: No matching federated identity record.":  "no federated credential matching this job",
		"AADSTS9999999: something the gate has no hint for.":   "",
	} {
		err := classify(&oauth2.RetrieveError{Response: &http.Response{StatusCode: http.StatusUnauthorized}, ErrorCode: "invalid_client", ErrorDescription: desc})
		var e *Error
		if !errors.As(err, &e) || e.Transient() {
			t.Fatalf("%s: %v; want a refusal", desc, err)
		}
		hinted := strings.Contains(e.Msg, "refused the sign-in (invalid_client): ")
		if want == "" && hinted || want != "" && !strings.Contains(e.Msg, want) {
			t.Errorf("%s: %q; want the hint %q", desc, e.Msg, want)
		}
	}
}
