package arm_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/arm"
)

type tokens struct{ refreshes atomic.Int32 }

func (t *tokens) Token(context.Context) (string, error) { return "arm-token", nil }
func (t *tokens) Refresh()                              { t.refreshes.Add(1) }

const (
	versionID    = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/gal/images/ubuntu/versions/1.2.3"
	definitionID = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/gal/images/ubuntu"
)

// Bodies in the shape "Gallery Image Versions - Get" / "Gallery Images -
// Get" document.
const versionBody = `{"id":"` + versionID + `","name":"1.2.3","type":"Microsoft.Compute/galleries/images/versions","location":"westeurope",
 "properties":{"publishingProfile":{"targetRegions":[{"name":"West Europe","regionalReplicaCount":1}],"replicaCount":1,"publishedDate":"2026-11-01T10:00:00Z","storageAccountType":"Standard_LRS"},
 "storageProfile":{"osDiskImage":{"sizeInGB":30,"hostCaching":"ReadWrite"}},"provisioningState":"Creating"}}`

const definitionBody = `{"id":"` + definitionID + `","name":"ubuntu","type":"Microsoft.Compute/galleries/images","location":"westeurope",
 "properties":{"osType":"Linux","osState":"Generalized","hyperVGeneration":"V2","architecture":"Arm64","identifier":{"publisher":"p","offer":"o","sku":"s"},
 "features":[{"name":"SecurityType","value":"TrustedLaunch"}],"provisioningState":"Succeeded"}}`

type call struct{ method, uri, auth string }

func server(t *testing.T, prefix string, h func(w http.ResponseWriter, r *http.Request)) (*arm.Client, *tokens, *[]call) {
	t.Helper()
	var calls []call
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, call{r.Method, r.URL.RequestURI(), r.Header.Get("Authorization")})
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL + prefix)
	tk := &tokens{}
	return arm.New(base, tk, apihttp.WithHTTPClient(srv.Client())), tk, &calls
}

func TestReadsVersionAndDefinition(t *testing.T) {
	c, _, calls := server(t, "/arm", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/arm" + versionID:
			_, _ = io.WriteString(w, versionBody)
		case "/arm" + definitionID:
			_, _ = io.WriteString(w, definitionBody)
		default:
			http.NotFound(w, r)
		}
	})
	ctx := context.Background()
	v, err := c.GalleryImageVersion(ctx, versionID)
	if err != nil {
		t.Fatal(err)
	}
	if v != (arm.GalleryImageVersion{ID: versionID, Name: "1.2.3", ProvisioningState: "Creating"}) {
		t.Errorf("version %+v", v)
	}
	d, err := c.GalleryImageDefinition(ctx, definitionID)
	if err != nil {
		t.Fatal(err)
	}
	if d != (arm.GalleryImageDefinition{ID: definitionID, Name: "ubuntu", HyperVGeneration: "V2", Architecture: "Arm64", OSType: "Linux"}) {
		t.Errorf("definition %+v", d)
	}
	want := []call{
		{"GET", "/arm" + versionID + "?api-version=2024-03-03", "Bearer arm-token"},
		{"GET", "/arm" + definitionID + "?api-version=2024-03-03", "Bearer arm-token"},
	}
	if len(*calls) != 2 || (*calls)[0] != want[0] || (*calls)[1] != want[1] {
		t.Errorf("calls %+v\nwant  %+v", *calls, want)
	}
}

func TestDefinitionWithoutArchitecture(t *testing.T) {
	d, err := arm.DecodeGalleryImageDefinition([]byte(`{"name":"old","properties":{"osType":"Windows","hyperVGeneration":"V1"}}`))
	if err != nil || d.Architecture != "" || d.HyperVGeneration != "V1" {
		t.Fatalf("%+v, %v", d, err)
	}
}

func TestErrorStatuses(t *testing.T) {
	for _, tc := range []struct {
		status    int
		body      string
		code      string
		hint      string
		transient bool
		requests  int
	}{
		{http.StatusUnauthorized, `{"error":{"code":"InvalidAuthenticationToken","message":"The access token is invalid."}}`, "InvalidAuthenticationToken",
			"the token was refused: it must be for https://management.azure.com and from the gallery's tenant (gallery-tenant-id, default tenant-id)", false, 2},
		{http.StatusForbidden, `{"error":{"code":"AuthorizationFailed","message":"The client 'x' does not have authorization to perform action 'Microsoft.Compute/galleries/images/versions/read'."}}`, "AuthorizationFailed",
			"forbidden: the app may not read the gallery (grant it Reader on the gallery)", false, 1},
		{http.StatusNotFound, `{"error":{"code":"ResourceNotFound","message":"The Resource 'Microsoft.Compute/galleries/gal/images/ubuntu/versions/1.2.3' under resource group 'rg-images' was not found."}}`, "ResourceNotFound",
			"not found: the subscription, resource group, gallery, image definition or version does not exist, or is not visible to the app: check gallery-image-version-id", false, 1},
		{http.StatusInternalServerError, `{"error":{"code":"InternalServerError","message":"boom"}}`, "InternalServerError", "the service had a problem", true, 1},
		{http.StatusTooManyRequests, ``, "", "throttled: too many requests to Azure Resource Manager", true, 1},
	} {
		c, tk, calls := server(t, "", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			_, _ = io.WriteString(w, tc.body)
		})
		_, err := c.GalleryImageVersion(context.Background(), versionID)
		var ae *apihttp.Error
		if !errors.As(err, &ae) {
			t.Fatalf("%d: %T %v", tc.status, err, err)
		}
		if ae.StatusCode != tc.status || ae.Hint != tc.hint || ae.Transient() != tc.transient || arm.Code(err) != tc.code {
			t.Errorf("%d: status %d hint %q transient %v code %q", tc.status, ae.StatusCode, ae.Hint, ae.Transient(), arm.Code(err))
		}
		if !strings.HasPrefix(err.Error(), "GET gallery image version: HTTP ") {
			t.Errorf("%d: message %q", tc.status, err)
		}
		if len(*calls) != tc.requests {
			t.Errorf("%d: %d requests, want %d", tc.status, len(*calls), tc.requests)
		}
		if tc.status == http.StatusUnauthorized && tk.refreshes.Load() != 1 {
			t.Errorf("401: %d token refreshes, want 1", tk.refreshes.Load())
		}
	}
}

func TestUndecodableIsTransient(t *testing.T) {
	for _, body := range []string{`<html>gateway</html>`, `{"name":"1.2.3"}`, `{"properties":`} {
		c, _, _ := server(t, "", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) })
		_, err := c.GalleryImageVersion(context.Background(), versionID)
		var ae *apihttp.Error
		if !errors.As(err, &ae) || !ae.Transient() || ae.StatusCode != 0 {
			t.Errorf("%s: %v", body, err)
		}
	}
}

func TestURL(t *testing.T) {
	base, _ := url.Parse("https://management.azure.com/")
	c := arm.New(base, nil)
	got, err := c.URL("/subscriptions/s/resourceGroups/rg (1)/providers/Microsoft.Compute/galleries/g?x=1#f/images/i/versions/1.0.0")
	want := "https://management.azure.com/subscriptions/s/resourceGroups/rg%20%281%29/providers/Microsoft.Compute/galleries/g%3Fx=1%23f/images/i/versions/1.0.0?api-version=2024-03-03"
	if err != nil || got != want {
		t.Errorf("URL = %s, %v\nwant  %s", got, err, want)
	}
	for _, id := range []string{"subscriptions/s", "/subscriptions//x", "/subscriptions/../x", "/subscriptions/s/", ""} {
		if _, err := c.URL(id); err == nil {
			t.Errorf("%q: no error", id)
		}
	}
	sent := false
	c2, _, calls := server(t, "", func(http.ResponseWriter, *http.Request) { sent = true })
	if _, err := c2.GalleryImageVersion(context.Background(), "/a/../b"); err == nil || sent || len(*calls) != 0 {
		t.Errorf("a bad id was sent: %v", err)
	}
}
