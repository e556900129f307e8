package apihttp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// rotatingToken hands out "old" until refreshed, then "new".
type rotatingToken struct{ refreshed bool }

func (r *rotatingToken) Token(context.Context) (string, error) {
	if r.refreshed {
		return "new", nil
	}
	return "old", nil
}
func (r *rotatingToken) Refresh() { r.refreshed = true }

// TestDoJSONWithSendsHeadersOnEveryAttempt: the If-Match goes with the first
// request and with the one sent again after a 401, and cannot replace the
// client's own headers.
func TestDoJSONWithSendsHeadersOnEveryAttempt(t *testing.T) {
	var seen []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Clone())
		if r.Header.Get("Authorization") != "Bearer new" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c := New(&rotatingToken{}, nil, WithHTTPClient(srv.Client()))
	h := http.Header{"If-Match": {`W/"datetime'1'"`}, "Authorization": {"Bearer forged"}, "Content-Type": {"text/plain"}}
	if _, err := c.DoJSONWith(context.Background(), http.MethodPut, "PUT x", srv.URL, []byte(`{"a":1}`), h); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 {
		t.Fatalf("%d requests, want 2 (a 401, then the retry)", len(seen))
	}
	for i, got := range seen {
		if v := got.Values("If-Match"); len(v) != 1 || v[0] != `W/"datetime'1'"` {
			t.Errorf("request %d: If-Match %q", i, v)
		}
		if v := got.Values("Authorization"); len(v) != 1 || v[0] == "Bearer forged" {
			t.Errorf("request %d: Authorization %q: an extra header replaced the token", i, v)
		}
		if got.Get("Content-Type") != "application/json" {
			t.Errorf("request %d: Content-Type %q", i, got.Get("Content-Type"))
		}
	}
	h.Set("If-Match", "changed") // the caller's map is not kept
	seen = nil
	if _, err := c.DoJSON(context.Background(), http.MethodGet, "GET x", srv.URL, nil); err != nil {
		t.Fatal(err)
	}
	if v := seen[0].Get("If-Match"); v != "" {
		t.Errorf("a plain DoJSON sent If-Match %q", v)
	}
}
