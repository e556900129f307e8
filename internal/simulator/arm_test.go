package simulator_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// armGet GETs path (an ARM id) with api-version 2024-03-03 and token tok.
func armGet(t *testing.T, base, path, tok string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("GET", base+path+"?api-version="+simulator.ARMAPIVersion, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, m
}

func newARM(t *testing.T, opts ...simulator.Option) (*simulator.Server, string) {
	t.Helper()
	sim := simulator.New(simulator.Scenario{Name: "publish"}, opts...)
	srv := sim.Start()
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

func props(m map[string]any) map[string]any { return m["properties"].(map[string]any) }

func TestGalleryImageVersions(t *testing.T) {
	sim, base := newARM(t, simulator.WithGalleryVersion(simulator.GalleryImageGen2+"/versions/2.0.0", "Failed"))
	tok := sim.AuthorizeFor(simulator.ARMResource)
	for _, tc := range []struct{ path, id, state string }{
		{simulator.GalleryVersionNew, simulator.GalleryVersionNew, "Succeeded"},
		{simulator.GalleryVersionPublished, simulator.GalleryVersionPublished, "Succeeded"},
		{simulator.GalleryVersionCreating, simulator.GalleryVersionCreating, "Creating"},
		{simulator.GalleryVersionGen1, simulator.GalleryVersionGen1, "Succeeded"},
		{simulator.GalleryImageGen2 + "/versions/2.0.0", simulator.GalleryImageGen2 + "/versions/2.0.0", "Failed"},
		// ARM takes ids without case and answers with its own.
		{strings.ToLower(simulator.GalleryVersionNew), simulator.GalleryVersionNew, "Succeeded"},
	} {
		code, v := armGet(t, base, tc.path, tok)
		if code != http.StatusOK || v["id"] != tc.id || v["name"] != tc.id[strings.LastIndex(tc.id, "/")+1:] || v["type"] != "Microsoft.Compute/galleries/images/versions" ||
			v["location"] == nil || props(v)["provisioningState"] != tc.state || props(v)["storageProfile"] == nil || props(v)["publishingProfile"] == nil {
			t.Errorf("GET %s: HTTP %d %v, want %s", tc.path, code, v, tc.state)
		}
	}
	for _, tc := range []struct{ id, gen, arch string }{
		{simulator.GalleryImageGen2, "V2", "x64"},
		{simulator.GalleryImageGen1, "V1", "x64"},
		{simulator.GalleryImageArm64, "V2", "Arm64"},
	} {
		code, d := armGet(t, base, tc.id, tok)
		if code != http.StatusOK || d["id"] != tc.id || d["type"] != "Microsoft.Compute/galleries/images" ||
			props(d)["hyperVGeneration"] != tc.gen || props(d)["architecture"] != tc.arch || props(d)["osType"] != "Linux" {
			t.Errorf("GET %s: HTTP %d %v", tc.id, code, d)
		}
	}
}

func TestGalleryNotFound(t *testing.T) {
	sim, base := newARM(t)
	tok := sim.AuthorizeFor(simulator.ARMResource)
	for _, tc := range []struct{ path, code, says string }{
		{simulator.GalleryImageGen2 + "/versions/9.9.9", "ResourceNotFound",
			"The Resource 'Microsoft.Compute/galleries/" + simulator.Gallery + "/images/contoso-vm-gen2/versions/9.9.9' under resource group '" + simulator.GalleryResourceGroup + "' was not found."},
		{strings.Replace(simulator.GalleryVersionNew, "contoso-vm-gen2", "contoso-vm-gen3", 1), "ResourceNotFound", "contoso-vm-gen3"},
		{strings.Replace(simulator.GalleryVersionNew, simulator.GalleryResourceGroup, "other-rg", 1), "ResourceGroupNotFound", "Resource group 'other-rg' could not be found."},
		{strings.Replace(simulator.GalleryVersionNew, simulator.GallerySubscription, "00000000-0000-4000-8000-000000000000", 1), "SubscriptionNotFound", "could not be found"},
	} {
		code, body := armGet(t, base, tc.path, tok)
		e := body["error"].(map[string]any)
		if code != http.StatusNotFound || e["code"] != tc.code || !strings.Contains(e["message"].(string), tc.says) {
			t.Errorf("GET %s: HTTP %d %v, want 404 %s", tc.path, code, body, tc.code)
		}
	}
	req, _ := http.NewRequest("GET", base+simulator.GalleryVersionNew, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("no api-version: HTTP %d, want 400", resp.StatusCode)
	}
}

func TestARMAuthorization(t *testing.T) {
	sim, base := newARM(t)
	for _, tc := range []struct {
		name, tok, code string
	}{
		{"no token", "", "AuthenticationFailed"},
		{"an unknown token", "sim-token-forged", "InvalidAuthenticationToken"},
		{"a Graph token", sim.AuthorizeFor(simulator.GraphResource), "InvalidAuthenticationTokenAudience"},
	} {
		code, body := armGet(t, base, simulator.GalleryVersionNew, tc.tok)
		if e := body["error"].(map[string]any); code != http.StatusUnauthorized || e["code"] != tc.code {
			t.Errorf("%s: HTTP %d %v, want 401 %s", tc.name, code, body, tc.code)
		}
	}
	// An ARM token is for ARM only.
	c := &graphClient{t: t, sim: sim, base: base, tok: sim.AuthorizeFor(simulator.ARMResource)}
	if code, _ := c.get("/product?externalId=" + simulator.Offer); code != http.StatusUnauthorized {
		t.Errorf("an ARM token on product-ingestion: HTTP %d", code)
	}

	forbidden, fbase := newARM(t, simulator.WithARMForbidden())
	code, body := armGet(t, fbase, simulator.GalleryVersionNew, forbidden.AuthorizeFor(simulator.ARMResource))
	e := body["error"].(map[string]any)
	if code != http.StatusForbidden || e["code"] != "AuthorizationFailed" ||
		!strings.Contains(e["message"].(string), "'"+simulator.ClientID+"' with object id '"+simulator.ARMObjectID+"' does not have authorization to perform action 'Microsoft.Compute/galleries/images/versions/read' over scope '"+simulator.GalleryVersionNew+"'") {
		t.Errorf("forbidden: HTTP %d %v", code, body)
	}
}

// TestARMTokens: the token endpoint issues tokens for management.azure.com
// in each form a client writes it, and ARM takes them.
func TestARMTokens(t *testing.T) {
	_, base := newARM(t)
	for _, form := range []url.Values{
		{"resource": {"https://management.azure.com"}},
		{"resource": {"https://management.azure.com/"}},
		{"scope": {"https://management.azure.com/.default"}},
		{"scope": {"https://management.azure.com//.default"}},
	} {
		form.Set("grant_type", "client_credentials")
		form.Set("client_id", simulator.ClientID)
		form.Set("client_secret", simulator.ClientSecret)
		resp, err := http.PostForm(base+"/"+simulator.Tenant+"/oauth2/v2.0/token", form)
		if err != nil {
			t.Fatal(err)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
			Resource    string `json:"resource"`
		}
		err = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || tok.Resource != simulator.ARMResource {
			t.Fatalf("%v: HTTP %d %+v %v", form, resp.StatusCode, tok, err)
		}
		if code, v := armGet(t, base, simulator.GalleryVersionNew, tok.AccessToken); code != http.StatusOK {
			t.Errorf("%v: ARM answers %d %v", form, code, v)
		}
	}
}
