package imageplan

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzTree feeds any body to the tree parser, the checks and the editor:
// nothing panics; an edited resource and the documents built from it are
// valid JSON; the edit, applied to the tree, reads back as the version sent;
// every error is already redacted; the redacted copy of a tree is JSON.
func FuzzTree(f *testing.F) {
	v := ver("1.0.0", "generallyAvailable", img(X64Gen2, sas(sasA)))
	for _, s := range []string{
		tree("draft", techConfig(plan1, skusGen2, []string{v})),
		tree("draft", techConfig(plan1, skusGen1Gen2, nil, `"basePlan":null`, `"validations":[]`)),
		strings.Replace(tree("draft", techConfig(plan1, skusGen2, nil)), "schema.mp.microsoft.com", "product-ingestion.azureedge.net", -1),
		`{"resources":[{"id":"plan/x","identity":{"externalId":"plan-1"}},{"id":"virtual-machine-plan-technical-configuration/x","plan":"plan/x","skus":[{"imageType":"x64Gen2","skuId":"s"}],"vmImageVersions":null,"n":1e999}]}`,
		`{"resources":[]}`, `{"resources":[1]}`, `{"resources":{}}`, `[]`, `{"a":1}{}`, `{"\u00e9":"\ud800"}`,
	} {
		f.Add([]byte(s), "plan-1", "1.0.1", false)
		f.Add([]byte(s), "plan-1", "1.0.0", true)
	}
	f.Fuzz(func(t *testing.T, body []byte, planID, version string, gallery bool) {
		redacted := func(what string, err error) {
			if err != nil && RedactText(err.Error()) != err.Error() {
				t.Fatalf("%s error not redacted: %q", what, err)
			}
		}
		_ = FindSAS(body)
		_ = Signatures(body)
		tr, err := ParseTree(body)
		redacted("ParseTree", err)
		if err != nil {
			return
		}
		if out, err := Redact(body); err != nil || !json.Valid(out) {
			t.Fatalf("Redact of a tree: %s, %v", out, err)
		}
		r := sasRelease(version, nil, sasB, disk0)
		if gallery {
			r = galRelease(version, nil, galID)
		}
		r.PlanID = planID
		_ = DraftChanges(tr, tr, "")
		c, err := Prepare(r, Trees{Draft: tr, Preview: tr})
		redacted("Prepare", err)
		if err != nil || c.Outcome != Add {
			return
		}
		if !json.Valid(c.TechConfig) {
			t.Fatalf("edited resource is not JSON: %s", c.TechConfig)
		}
		doc, err := c.AddImageDocument("")
		if err != nil || !json.Valid(doc) {
			t.Fatalf("add-image document: %s, %v", doc, err)
		}
		if doc, err := c.PublishDocument("", ""); err == nil && !json.Valid(doc) {
			t.Fatalf("publish document: %s", doc)
		}
		after, err := ParseTree(withResource(t, body, c.TechConfig))
		if err != nil {
			t.Fatalf("the edited tree does not parse: %v", err)
		}
		if err := c.Verify(after); err != nil {
			t.Fatalf("the edit does not read back: %v\n%s", err, c.TechConfig)
		}
	})
}

// FuzzOffer does the same for a CPP offer.
func FuzzOffer(f *testing.F) {
	for _, s := range []string{
		offer("published", cppPlan("p1", cppImages(cppImg("1.0.0", sasA, disk0)))),
		offer("neverPublished", cppPlan("p1", `"microsoft-azure-virtualmachines.vmImages":null`)),
		offer("x", cppPlan("p1", `"microsoft-azure-virtualmachines.generation":2`)),
		`{"definition":{"plans":[{"planId":"p1"}]}}`, `{"definition":{"plans":null}}`, `{"definition":[]}`, `null`,
	} {
		f.Add([]byte(s), "p1", "1.0.1")
	}
	f.Fuzz(func(t *testing.T, body []byte, planID, version string) {
		r := Release{PlanID: planID, Version: version, Source: Source{SAS: &SAS{OSDisk: sasB}}}
		c, err := PrepareCPP(r, CPPOffers{Draft: body, Live: body})
		if err != nil {
			if RedactText(err.Error()) != err.Error() {
				t.Fatalf("error not redacted: %q", err)
			}
			return
		}
		if c.Outcome != Add {
			return
		}
		if !json.Valid(c.Offer) {
			t.Fatalf("edited offer is not JSON: %s", c.Offer)
		}
		if err := c.Verify(c.Offer); err != nil {
			t.Fatalf("the edit does not read back: %v\n%s", err, c.Offer)
		}
	})
}
