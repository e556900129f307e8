package ingestion_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestProductByExternalIDActsOnTheOneNamed: a filter the service ignored, or
// several products answering, must not make the gate act on another offer.
func TestProductByExternalIDActsOnTheOneNamed(t *testing.T) {
	product := func(id, ext string) string {
		return `{"id":"product/` + id + `","identity":{"externalId":"` + ext + `"}}`
	}
	for _, tc := range []struct {
		name, body, want, err string
	}{
		{"the filter ignored", `{"value":[` + product("11111111-1111-1111-1111-111111111111", "other-vm") + `,` + product("22222222-2222-2222-2222-222222222222", "Contoso-VM") + `]}`, "22222222-2222-2222-2222-222222222222", ""},
		{"none named so", `{"value":[` + product("11111111-1111-1111-1111-111111111111", "other-vm") + `]}`, "", `external-id "contoso-vm" names no product`},
		{"two named so", `{"value":[` + product("11111111-1111-1111-1111-111111111111", "contoso-vm") + `,` + product("22222222-2222-2222-2222-222222222222", "contoso-vm") + `]}`, "", `external-id "contoso-vm" names 2 products (product/11111111-1111-1111-1111-111111111111, product/22222222-2222-2222-2222-222222222222): pass product-id`},
	} {
		c := treeClient(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(tc.body))
		})
		p, err := c.ProductByExternalID(context.Background(), "contoso-vm")
		switch {
		case tc.err == "" && (err != nil || p.DurableID() != tc.want):
			t.Errorf("%s: %q, %v; want %s", tc.name, p.DurableID(), err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: %v; want %q", tc.name, err, tc.err)
		}
	}
}
