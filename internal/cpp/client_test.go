package cpp_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// tokens is a test token source: it asks the simulator for a new token on
// every refresh and counts them.
type tokens struct {
	sim       *simulator.Server
	current   string
	refreshes atomic.Int32
}

func (t *tokens) Token(context.Context) (string, error) {
	if t.current == "" {
		t.current = t.sim.Authorize()
	}
	return t.current, nil
}
func (t *tokens) Refresh() { t.refreshes.Add(1); t.current = "" }

func newClient(t *testing.T, opts ...simulator.Option) (*cpp.Client, *simulator.Server, *tokens) {
	t.Helper()
	return newClientWith(t, nil, opts...)
}

func newClientWith(t *testing.T, copts []apihttp.Option, opts ...simulator.Option) (*cpp.Client, *simulator.Server, *tokens) {
	t.Helper()
	sc, _ := simulator.Lookup("publish")
	sim := simulator.New(sc, opts...)
	srv := sim.Start()
	t.Cleanup(srv.Close)
	base, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	tk := &tokens{sim: sim}
	return cpp.New(base, simulator.APIVersion, tk, copts...), sim, tk
}

func TestOperationFromSimulator(t *testing.T) {
	for name, opt := range map[string]simulator.Option{"array body": nil, "object body": simulator.WithObjectBody()} {
		c, _, _ := newClient(t, opt)
		op, err := c.Operation(context.Background(), simulator.Publisher, simulator.Offer, simulator.OperationID)
		if err != nil || len(op.Steps) != 6 {
			t.Fatalf("%s: %+v, %v", name, op, err)
		}
	}
}

func TestURLEscapesIDs(t *testing.T) {
	base, _ := url.Parse("https://cloudpartner.azure.com")
	c := cpp.New(base, "2017-10-31", nil)
	got := c.URL("publishers", "a/b?c#d", "offers", "..", "operations", "x y%")
	want := "https://cloudpartner.azure.com/api/publishers/a%2Fb%3Fc%23d/offers/../operations/x%20y%25?api-version=2017-10-31"
	if got != want {
		t.Fatalf("URL = %s\nwant  %s", got, want)
	}
	u, err := url.Parse(got)
	if err != nil || u.RawQuery != "api-version=2017-10-31" || u.Fragment != "" {
		t.Fatalf("an id changed the query or fragment: %+v", u)
	}
}

func TestRefreshesTokenOnceOn401(t *testing.T) {
	c, sim, tk := newClient(t)
	if _, err := c.Operation(context.Background(), simulator.Publisher, simulator.Offer, simulator.OperationID); err != nil {
		t.Fatal(err)
	}
	sim.RevokeTokens()
	if _, err := c.Operation(context.Background(), simulator.Publisher, simulator.Offer, simulator.OperationID); err != nil {
		t.Fatalf("a revoked token should be refreshed and the call retried: %v", err)
	}
	if n := tk.refreshes.Load(); n != 1 {
		t.Fatalf("refreshes = %d, want 1", n)
	}
}

func TestSecond401IsPermanent(t *testing.T) {
	var calls atomic.Int32
	c, _, tk := newClient(t, simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		calls.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		return true
	}))
	_, err := c.Operation(context.Background(), simulator.Publisher, simulator.Offer, simulator.OperationID)
	var apiErr *apihttp.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Transient() {
		t.Fatalf("err = %v; want a permanent 401", err)
	}
	if calls.Load() != 2 || tk.refreshes.Load() != 1 {
		t.Fatalf("calls = %d, refreshes = %d; want 2 and 1", calls.Load(), tk.refreshes.Load())
	}
	if !strings.Contains(err.Error(), "client-secret") {
		t.Errorf("a 401 should say which inputs to check: %v", err)
	}
}

func TestStatusClassification(t *testing.T) {
	for _, tc := range []struct {
		code      int
		header    http.Header
		transient bool
		wait      time.Duration
		says      string
	}{
		{429, http.Header{"Retry-After": {"7"}}, true, 7 * time.Second, "throttled"},
		{503, http.Header{"Retry-After-Ms": {"1200"}}, true, 1200 * time.Millisecond, "service"},
		{500, nil, true, 0, "service"},
		{502, nil, true, 0, "service"},
		{400, nil, false, 0, "api-version"},
		{403, nil, false, 0, "service principal"},
		{404, nil, false, 0, "does not exist"},
	} {
		c, _, _ := newClient(t, simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
			for k, v := range tc.header {
				w.Header()[k] = v
			}
			w.WriteHeader(tc.code)
			_, _ = w.Write([]byte(`{"error":{"code":"X","message":"server words"}}`))
			return true
		}))
		_, err := c.Operation(context.Background(), simulator.Publisher, simulator.Offer, simulator.OperationID)
		var apiErr *apihttp.Error
		if !errors.As(err, &apiErr) {
			t.Fatalf("%d: err = %v", tc.code, err)
		}
		if apiErr.StatusCode != tc.code || apiErr.Transient() != tc.transient || apiErr.RetryAfter() != tc.wait {
			t.Errorf("%d: status %d transient %v wait %v; want transient %v wait %v", tc.code, apiErr.StatusCode, apiErr.Transient(), apiErr.RetryAfter(), tc.transient, tc.wait)
		}
		if !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "server words") {
			t.Errorf("%d: message %q should say %q and quote the server", tc.code, err, tc.says)
		}
	}
}

func TestBadBodiesAreTransient(t *testing.T) {
	for name, write := range map[string]func(w http.ResponseWriter){
		"html from a proxy": func(w http.ResponseWriter) { _, _ = w.Write([]byte("<html><h1>502 Bad Gateway</h1></html>")) },
		"invalid json":      func(w http.ResponseWriter) { _, _ = w.Write([]byte(`[{"status": running}]`)) },
		"cut short": func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "1000")
			_, _ = w.Write([]byte(`[{"status":"running"`))
		},
	} {
		c, _, _ := newClient(t, simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
			write(w)
			return true
		}))
		_, err := c.Operation(context.Background(), simulator.Publisher, simulator.Offer, simulator.OperationID)
		var apiErr *apihttp.Error
		if !errors.As(err, &apiErr) || !apiErr.Transient() {
			t.Errorf("%s: err = %v; want a transient error", name, err)
		}
	}
}

func TestBodyCap(t *testing.T) {
	c, _, _ := newClientWith(t, []apihttp.Option{apihttp.WithMaxBody(1024)}, simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		_, _ = w.Write([]byte(`[{"status":"running","messages":["` + strings.Repeat("x", 4096) + `"]}]`))
		return true
	}))
	_, err := c.Operation(context.Background(), simulator.Publisher, simulator.Offer, simulator.OperationID)
	if err == nil || !strings.Contains(err.Error(), "larger than 1024 bytes") {
		t.Fatalf("err = %v; want the body cap to apply", err)
	}
}
