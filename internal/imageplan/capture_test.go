package imageplan

import (
	"strings"
	"testing"
)

const (
	cloudpubTree = "pi-resource-tree-product-draft-cloudpub.json"
	cloudpubTC   = "virtual-machine-plan-technical-configuration/ffffffff-ffff-ffff-ffff-ffffffffffff/00000000-0000-0000-0000-000000000000"
	cppCapture   = "cpp-offer-put-200-vm-offer-waitingForPublisherReview.json"
)

// TestCloudpubTree: the recorded tree (legacy and current hosts, preview2 to
// preview5, a two-part plan id on the technical configuration, a null, a
// 1111.0) takes a version with every other byte of the resource as read.
func TestCloudpubTree(t *testing.T) {
	body := capture(t, cloudpubTree)
	draft := mustTree(t, string(body))
	if draft.OfferID() != "example-product" || draft.Product() != "product/ffffffff-ffff-ffff-ffff-ffffffffffff" || draft.DraftSubmission() != "submission/ffffffff-ffff-ffff-ffff-ffffffffffff/0" {
		t.Fatalf("offer %q product %q submission %q", draft.OfferID(), draft.Product(), draft.DraftSubmission())
	}
	// The same tree stands for what was published, so 2.0.0 is not new.
	c, err := Prepare(sasRelease("3.0.0", gen2, sasA), Trees{Draft: draft, Preview: mustTree(t, string(body))})
	if err != nil {
		t.Fatal(err)
	}
	if c.Outcome != Add || c.TechConfigID != cloudpubTC || strings.Join(c.SKUIDs, ",") != "plan-1" {
		t.Fatalf("%v %s %v", c.Outcome, c.TechConfigID, c.SKUIDs)
	}
	entry := `,{"versionNumber":"3.0.0","vmImages":[{"imageType":"x64Gen2","source":` + sas(sasA) + `}],"lifecycleState":"generallyAvailable"}`
	got := string(c.TechConfig)
	if strings.Count(got, entry) != 1 {
		t.Fatalf("entry not appended once: %s", got)
	}
	orig := resourceOf(t, body, cloudpubTC)
	if back := strings.Replace(got, entry, "", 1); back != compact(t, orig) {
		t.Fatalf("bytes outside the new version changed:\n got %s\nwant %s", back, compact(t, orig))
	}
	after := withResource(t, body, c.TechConfig)
	if err := c.Verify(mustTree(t, string(after))); err != nil {
		t.Fatal(err)
	}
	// Only this plan's technical configuration changed: no foreign change.
	if ids := DraftChanges(mustTree(t, string(after)), mustTree(t, string(body)), c.TechConfigID); len(ids) != 0 {
		t.Fatalf("draft changes %v", ids)
	}

	// Without a published tree every version of the draft is new.
	_, err = Prepare(sasRelease("3.0.0", gen2, sasA), Trees{Draft: draft})
	if want := "the draft of plan plan-1 already holds version 2.0.0 for x64Gen2, which was never published; Partner Center takes one new image per image type per submission: publish version 2.0.0 first, or mark it deleted in the draft"; err == nil || err.Error() != want {
		t.Fatalf("\n got %v\nwant %s", err, want)
	}
	// Two SKUs: the image types must be said.
	_, err = Prepare(sasRelease("3.0.0", nil, sasA), Trees{Draft: draft})
	if want := "plan plan-1 has 2 SKUs (plan-1 (x64Gen2), plan-1-gen1 (x64Gen1)); say which image types the image is for with image-types"; err == nil || err.Error() != want {
		t.Fatalf("\n got %v\nwant %s", err, want)
	}
	// 2.0.0 holds https://uri.test.com for both image types.
	c, err = Prepare(sasRelease("2.0.0", gen1gen2, "https://URI.test.com"), Trees{Draft: draft})
	if err != nil || c.Outcome != InDraft {
		t.Fatalf("%v, %v", c, err)
	}
	_, err = Prepare(sasRelease("2.0.0", gen1gen2, sasA), Trees{Draft: draft})
	if want := "version 2.0.0 already exists in the draft with a different image; published images cannot be changed; choose a new version"; err == nil || err.Error() != want {
		t.Fatalf("\n got %v\nwant %s", err, want)
	}
	_, err = Prepare(Release{PlanID: "plan-2", Version: "1.0.0", Source: Source{SAS: &SAS{OSDisk: sasA}}}, Trees{Draft: draft})
	if want := "plan-id plan-2 is not a plan of offer example-product (its plan ids: plan-1); set plan-id to one of them"; err == nil || err.Error() != want {
		t.Fatalf("\n got %v\nwant %s", err, want)
	}
}

// TestCPPCapture: the recorded offer takes a version under its plan's map,
// every other byte as read (a 10-digit version, nulls, {}).
func TestCPPCapture(t *testing.T) {
	body := capture(t, cppCapture)
	r := Release{PlanID: "contososkuidentifier", Version: "1.0.2", Source: Source{SAS: &SAS{OSDisk: sasA, DataDisks: []string{disk0}}}}
	c, err := PrepareCPP(r, CPPOffers{Draft: body})
	if err != nil {
		t.Fatal(err)
	}
	if c.Outcome != Add || c.OfferID != "test-vm" || c.Release.ImageTypes[0] != X64Gen1 {
		t.Fatalf("%+v", c)
	}
	entry := `,"1.0.2":{"osVhdUrl":"` + sasA + `","lunVhdDetails":[{"lunVhdUrl":"` + disk0 + `"}]}`
	got := string(c.Offer)
	if strings.Count(got, entry) != 1 {
		t.Fatalf("entry not added once: %s", got)
	}
	if back := strings.Replace(got, entry, "", 1); back != compact(t, body) {
		t.Fatalf("bytes outside the new version changed:\n got %s\nwant %s", back, compact(t, body))
	}
	if err := c.Verify(c.Offer); err != nil {
		t.Fatal(err)
	}
	if err := c.Verify(body); err == nil || err.Error() != "the offer PUT succeeded but version 1.0.2 is not in plan contososkuidentifier (the offer read back does not list it); look at the offer in Partner Center before running again" {
		t.Fatalf("Verify on the offer before: %v", err)
	}
	if got := strings.Join(c.URNs("test-publisher"), ","); got != "test-publisher:test-vm:contososkuidentifier:1.0.2" {
		t.Fatal(got)
	}
	// 1.0.1 is there with an empty URL: another image.
	r.Version = "1.0.1"
	_, err = PrepareCPP(r, CPPOffers{Draft: body})
	if want := "version 1.0.1 already exists in the draft with a different image; published images cannot be changed; choose a new version"; err == nil || err.Error() != want {
		t.Fatalf("\n got %v\nwant %s", err, want)
	}
}
