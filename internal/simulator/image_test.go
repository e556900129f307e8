package simulator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// raw sends a request under the API (adding $version) and returns the
// status and the body as sent.
func (c *graphClient) raw(method, path, body string) (int, []byte) {
	c.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	req, err := http.NewRequest(method, c.base+simulator.IngestionPath+path+sep+"$version="+simulator.IngestionVersion, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// tree fetches target's resource tree ("" sends no targetType), decoded
// keeping numbers as written, and the raw body.
func (c *graphClient) tree(target string) (map[string]any, []byte) {
	c.t.Helper()
	path := "/resource-tree/product/" + simulator.ProductID
	if target != "" {
		path += "?targetType=" + target
	}
	code, b := c.raw("GET", path, "")
	if code != http.StatusOK {
		c.t.Fatalf("GET %s: HTTP %d %s", path, code, b)
	}
	return decodeNumbers(c.t, b), b
}

func decodeNumbers(t *testing.T, b []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return m
}

// resource is the tree's resource with id, nil when absent.
func resource(tree map[string]any, id string) map[string]any {
	for _, r := range tree["resources"].([]any) {
		if r.(map[string]any)["id"] == id {
			return r.(map[string]any)
		}
	}
	return nil
}

func TestResourceTreePerTarget(t *testing.T) {
	c := newGraph(t, "publish", simulator.WithIngestionIdle())
	for _, tc := range []struct{ query, target, submission string }{
		{"", "draft", simulator.DraftSubmissionID},
		{"draft", "draft", simulator.DraftSubmissionID},
		{"preview", "preview", simulator.HistoryPreviewID},
		{"live", "live", simulator.HistoryLiveID},
		{"Live", "live", simulator.HistoryLiveID},
	} {
		t.Run(tc.query, func(t *testing.T) {
			tree, raw := c.tree(tc.query)
			if tree["$schema"] != "https://schema.mp.microsoft.com/schema/resource-tree/2022-03-01-preview2" || tree["root"] != "product/"+simulator.ProductID ||
				tree["target"].(map[string]any)["targetType"] != tc.target {
				t.Fatalf("tree head %v %v %v", tree["$schema"], tree["root"], tree["target"])
			}
			sub := resource(tree, tc.submission)
			if sub == nil || sub["target"].(map[string]any)["targetType"] != tc.target {
				t.Errorf("submission %v, want %s to %s", sub, tc.submission, tc.target)
			}
			for _, id := range []string{"product/" + simulator.ProductID, simulator.PropertyID, simulator.ListingID, simulator.PlanGen2ID, simulator.PlanDualID,
				simulator.PlanReuseID, simulator.PlanGen2TechConfigID, simulator.PlanDualTechConfigID, simulator.PlanReuseTechConfigID, simulator.PlanGen2AvailabilityID} {
				if resource(tree, id) == nil {
					t.Errorf("no resource %s", id)
				}
			}
			// The quirks a client must carry through untouched.
			for _, want := range []string{`"internalId":` + simulator.BigNumber, `"pricePerCore":1111.0`, `"trial":null`, `"deprecationSchedule":null`,
				`"$schema":"https://product-ingestion.azureedge.net/schema/virtual-machine-plan-technical-configuration/2022-03-01-preview3"`,
				`"$schema":"https://schema.mp.microsoft.com/schema/virtual-machine-plan-technical-configuration/2022-03-01-preview5"`,
				`&sig=` + simulator.SigDualGen1Data + `"`} {
				if !bytes.Contains(raw, []byte(want)) {
					t.Errorf("tree lacks %s", want)
				}
			}
			if v := resource(tree, simulator.PlanGen2TechConfigID)["validations"].([]any); len(v) != 1 {
				t.Errorf("validations %v", v)
			}
		})
	}
}

func TestResourceTreeRefusals(t *testing.T) {
	c := newGraph(t, "publish")
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/resource-tree/product/" + simulator.ProductID + "?targetType=staging", http.StatusBadRequest},
		{"/resource-tree/product/00000000-0000-4000-8000-000000000000", http.StatusNotFound},
		{"/virtual-machine-plan-technical-configuration/" + simulator.ProductID + "/00000000-0000-4000-8000-000000000000", http.StatusNotFound},
	} {
		if code, b := c.raw("GET", tc.path, ""); code != tc.want || !bytes.Contains(b, []byte(`"error"`)) {
			t.Errorf("GET %s: HTTP %d %s, want %d", tc.path, code, b, tc.want)
		}
	}
	c.tok = c.sim.AuthorizeFor(simulator.CPPResource)
	if code, _ := c.raw("GET", "/resource-tree/product/"+simulator.ProductID, ""); code != http.StatusUnauthorized {
		t.Errorf("a CPP token: HTTP %d, want 401", code)
	}
}

func TestPlansOfTheProduct(t *testing.T) {
	c := newGraph(t, "publish")
	tree, _ := c.tree("draft")
	skus := func(id string) []string {
		var out []string
		for _, s := range resource(tree, id)["skus"].([]any) {
			out = append(out, s.(map[string]any)["imageType"].(string)+"="+s.(map[string]any)["skuId"].(string))
		}
		return out
	}
	if got := skus(simulator.PlanGen2TechConfigID); !slices.Equal(got, []string{"x64Gen2=" + simulator.SKUGen2}) {
		t.Errorf("gen2 SKUs %v", got)
	}
	if got := skus(simulator.PlanDualTechConfigID); !slices.Equal(got, []string{"x64Gen2=" + simulator.SKUDualGen2, "x64Gen1=" + simulator.SKUDualGen1}) {
		t.Errorf("dual SKUs %v", got)
	}
	reuse := resource(tree, simulator.PlanReuseTechConfigID)
	if reuse["basePlan"] != simulator.PlanGen2ID || reuse["reuseTechnicalConfigurationState"] != "enable" || reuse["plan"] != simulator.PlanReuseID {
		t.Errorf("reuse %v", reuse)
	}
	if plan := resource(tree, simulator.PlanDualID); plan["identity"].(map[string]any)["externalId"] != simulator.PlanDual {
		t.Errorf("plan %v", plan)
	}
	for _, target := range []string{"draft", "preview", "live"} {
		want := []simulator.ImageVersion{
			{Number: simulator.DeprecatedVersion, LifecycleState: "deprecated", Images: []simulator.Image{{Type: "x64Gen2", Gallery: simulator.GalleryVersionDeprecated, Tenant: simulator.Tenant}}},
			{Number: simulator.PublishedVersion, LifecycleState: "generallyAvailable", Images: []simulator.Image{{Type: "x64Gen2", Gallery: simulator.GalleryVersionPublished, Tenant: simulator.Tenant}}},
		}
		if got := c.sim.Versions(target, simulator.PlanGen2); mustString(t, got) != mustString(t, want) {
			t.Errorf("%s gen2 versions %s", target, mustString(t, got))
		}
		dual := c.sim.Versions(target, simulator.PlanDual)
		if len(dual) != 1 || len(dual[0].Images) != 2 || dual[0].Images[0].OSDisk != simulator.DualGen1SAS ||
			!slices.Equal(dual[0].Images[0].DataDisks, []string{simulator.DualGen1DataSAS}) || dual[0].Images[1].OSDisk != simulator.DualGen2SAS {
			t.Errorf("%s dual versions %+v", target, dual)
		}
	}
	// The durable-id read is the draft's.
	code, b := c.raw("GET", "/virtual-machine-plan-technical-configuration/"+simulator.ProductID+"/"+strings.TrimPrefix(simulator.PlanGen2ID, "plan/"+simulator.ProductID+"/"), "")
	if code != http.StatusOK || !bytes.Equal(bytes.TrimSpace(b), c.sim.TechnicalConfiguration("draft", simulator.PlanGen2)) {
		t.Errorf("durable id: HTTP %d %s", code, b)
	}
}

func mustString(t *testing.T, v any) string { return string(mustJSON(t, v)) }

func TestDraftChanges(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []simulator.Option
		want string
	}{
		{"identical by default", nil, "Contoso VM"},
		{"someone's edit", []simulator.Option{simulator.WithDraftChanges()}, simulator.DraftListingTitle},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newGraph(t, "publish", tc.opts...)
			draft, _ := c.tree("draft")
			if got := resource(draft, simulator.ListingID)["title"]; got != tc.want {
				t.Errorf("draft title %v, want %s", got, tc.want)
			}
			for _, target := range []string{"preview", "live"} {
				tree, _ := c.tree(target)
				if got := resource(tree, simulator.ListingID)["title"]; got != "Contoso VM" {
					t.Errorf("%s title %v", target, got)
				}
				if a, b := mustString(t, resource(tree, simulator.PropertyID)), mustString(t, resource(draft, simulator.PropertyID)); a != b {
					t.Errorf("property differs: %s vs %s", a, b)
				}
			}
		})
	}
}

func TestWithImageVersion(t *testing.T) {
	v := simulator.ImageVersion{Number: simulator.NewVersion, Images: []simulator.Image{{Type: "x64Gen2", Gallery: simulator.GalleryVersionNew}}}
	c := newGraph(t, "publish", simulator.WithImageVersion("preview", simulator.PlanGen2, v))
	for target, want := range map[string]bool{"draft": true, "preview": true, "live": false} {
		got := c.sim.Versions(target, simulator.PlanGen2)
		if has := slices.ContainsFunc(got, func(iv simulator.ImageVersion) bool { return iv.Number == simulator.NewVersion }); has != want {
			t.Errorf("%s holds %s: %v, want %v", target, simulator.NewVersion, has, want)
		}
	}
}

// TestSignaturesAreServed: every signature Signatures lists is in a tree
// or an offer, so a test that looks for it in the gate's output is not
// looking for nothing.
func TestSignaturesAreServed(t *testing.T) {
	c := newGraph(t, "publish")
	_, tree := c.tree("live")
	cpp := &cppClient{t: t, sim: c.sim, base: c.base, tok: c.sim.Authorize()}
	_, offer, _, err := cpp.do("GET", "/api/publishers/"+simulator.Publisher+"/offers/"+simulator.Offer, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range simulator.Signatures() {
		if !bytes.Contains(tree, []byte("sig="+sig)) && !bytes.Contains(offer, []byte("sig="+sig)) {
			t.Errorf("signature %s is served nowhere", sig)
		}
	}
}
