package ingestion_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/ingestion"
)

type bearer string

func (b bearer) Token(context.Context) (string, error) { return string(b), nil }
func (bearer) Refresh()                                {}

func treeClient(t *testing.T, h http.HandlerFunc) *ingestion.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL + "/rp/product-ingestion")
	return ingestion.New(base, "2022-03-01-preview2", bearer("tok"), apihttp.WithHTTPClient(srv.Client()))
}

func TestResourceTreeRequestAndBody(t *testing.T) {
	tree := []byte(`{"$schema":"https://schema.mp.microsoft.com/schema/resource-tree/2022-03-01-preview2","root":"product/p1","target":{"targetType":"preview"},"resources":[{"id":"product/p1","big":12345678901234567890,"n":null}]}`)
	var got []string
	c := treeClient(t, func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.RequestURI())
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write(tree)
	})
	for _, id := range []string{"p1", "product/p1"} {
		body, err := c.ResourceTree(context.Background(), id, "preview")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(body, tree) {
			t.Errorf("body changed: %s", body)
		}
	}
	want := "GET /rp/product-ingestion/resource-tree/product/p1?$version=2022-03-01-preview2&targetType=preview"
	if len(got) != 2 || got[0] != want || got[1] != want {
		t.Errorf("requests %q, want twice %q", got, want)
	}
}

func TestResourceTreeRefusesBeforeSending(t *testing.T) {
	sent := 0
	c := treeClient(t, func(w http.ResponseWriter, r *http.Request) { sent++ })
	for _, tc := range []struct{ id, target, want string }{
		{"p1", "Draft", `GET resource-tree: targetType "Draft" is not draft, preview or live`},
		{"p1", "", `GET resource-tree: targetType "" is not draft, preview or live`},
		{"product/", "draft", "GET resource-tree: no product id"},
	} {
		if _, err := c.ResourceTree(context.Background(), tc.id, tc.target); err == nil || err.Error() != tc.want {
			t.Errorf("%q %q: %v, want %s", tc.id, tc.target, err, tc.want)
		}
	}
	if sent != 0 {
		t.Errorf("%d requests sent", sent)
	}
}

func TestResourceTreeErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		status    int
		body      string
		transient bool
	}{
		"not found":    {http.StatusNotFound, `{"error":{"code":"notFound","message":"product not found"}}`, false},
		"server":       {http.StatusInternalServerError, ``, true},
		"html":         {http.StatusOK, `<html>proxy</html>`, true},
		"no resources": {http.StatusOK, `{"root":"product/p1"}`, true},
	} {
		c := treeClient(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			_, _ = io.WriteString(w, tc.body)
		})
		_, err := c.ResourceTree(context.Background(), "p1", "draft")
		var ae *apihttp.Error
		if !errors.As(err, &ae) || ae.Transient() != tc.transient {
			t.Errorf("%s: %v, want transient %v", name, err, tc.transient)
		}
	}
}

func TestDecodeResourceTreeCapture(t *testing.T) {
	b, err := os.ReadFile("../../../shared/captures/pi-resource-tree-product-draft-cloudpub.json")
	if err != nil {
		t.Skip("captures not available:", err)
	}
	got, err := ingestion.DecodeResourceTree(b)
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("capture: %v", err)
	}
}
