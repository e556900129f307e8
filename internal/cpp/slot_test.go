package cpp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
)

// TestSlot: a slot's offer comes back as sent; a slot never published to
// (404) is not found, without an error; a page that is not an offer is a
// failure worth another try.
func TestSlot(t *testing.T) {
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path+"?"+r.URL.RawQuery)
		switch r.URL.Path {
		case "/api/publishers/pub/offers/my-offer/slot/Production":
			_, _ = w.Write([]byte(`{"id":"my-offer","definition":{"plans":[]}}`))
		case "/api/publishers/pub/offers/my-offer/slot/Preview":
			http.Error(w, `{"error":{"code":"NotFound","message":"There is no Staging slot deployed for Offer ID 'my-offer', Publisher ID 'pub'"}}`, http.StatusNotFound)
		default:
			_, _ = w.Write([]byte(`<html>gateway</html>`))
		}
	}))
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	c := cpp.New(base, "2017-10-31", staticToken("t"))
	ctx := context.Background()

	body, found, err := c.Slot(ctx, "pub", "my-offer", cpp.SlotProduction)
	if err != nil || !found || string(body) != `{"id":"my-offer","definition":{"plans":[]}}` {
		t.Errorf("Production: %q, %v, %v; want the body as sent", body, found, err)
	}
	if body, found, err := c.Slot(ctx, "pub", "my-offer", cpp.SlotPreview); err != nil || found || body != nil {
		t.Errorf("Preview (404): %q, %v, %v; want not found, no error", body, found, err)
	}
	_, found, err = c.Slot(ctx, "pub", "other", cpp.SlotPreview)
	var apiErr *apihttp.Error
	if found || !errors.As(err, &apiErr) || !apiErr.Transient() {
		t.Errorf("HTML page: found %v, err %v; want a transient error", found, err)
	}
	if paths[0] != "/api/publishers/pub/offers/my-offer/slot/Production?api-version=2017-10-31" {
		t.Errorf("path %s", paths[0])
	}
}
