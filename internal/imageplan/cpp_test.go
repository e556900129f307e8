package imageplan

import (
	"strings"
	"testing"
)

// offer is a CPP offer with plans (each a JSON object's members after
// planId) and a status.
func offer(status string, plans ...string) string {
	return `{"offerTypeId":"microsoft-azure-virtualmachines","publisherId":"contoso","status":"` + status + `","version":1252868275,"id":"vm-offer",` +
		`"definition":{"displayText":"x","offer":{"a":null},"plans":[` + strings.Join(plans, ",") + `]},"changedTime":"2022-06-01T05:41:25.9695742Z"}`
}

func cppPlan(id, members string) string {
	if members != "" {
		members = "," + members
	}
	return `{"planId":"` + id + `"` + members + `}`
}

func cppImages(entries ...string) string {
	return `"microsoft-azure-virtualmachines.vmImages":{` + strings.Join(entries, ",") + `}`
}

func cppImg(version, os string, luns ...string) string {
	var l []string
	for _, u := range luns {
		l = append(l, `{"lunVhdUrl":"`+u+`"}`)
	}
	return `"` + version + `":{"osVhdUrl":"` + os + `","lunVhdDetails":[` + strings.Join(l, ",") + `]}`
}

func TestPrepareCPPRefusals(t *testing.T) {
	gen2Plan := cppPlan("p-gen2", `"microsoft-azure-virtualmachines.generation":"2",`+cppImages())
	p1 := cppPlan("p1", `"microsoft-azure-virtualmachines.generation":"1",`+cppImages(cppImg("1.0.0", sasA)))
	r := func(version string, types []ImageType, os string) Release {
		return Release{PlanID: "p1", Version: version, ImageTypes: types, Source: Source{SAS: &SAS{OSDisk: os}}}
	}
	tests := []struct {
		name string
		r    Release
		offs CPPOffers
		want string
	}{{
		name: "gallery",
		r:    Release{PlanID: "p1", Version: "1.0.0", Source: Source{Gallery: &Gallery{TenantID: tenant, ResourceID: galID}}},
		offs: CPPOffers{Draft: []byte(offer("published", p1))},
		want: "the Cloud Partner Portal API (api: cpp) takes no gallery image: give os-disk-sas-uri (and data-disk-sas-uris) instead of gallery-image-version-id",
	}, {
		name: "plan not found",
		r:    Release{PlanID: "p9", Version: "1.0.1", Source: Source{SAS: &SAS{OSDisk: sasB}}},
		offs: CPPOffers{Draft: []byte(offer("published", p1, gen2Plan))},
		want: "plan-id p9 is not a plan of offer vm-offer (its planIds: p1 (x64Gen1), p-gen2 (x64Gen2)); set plan-id to one of them",
	}, {
		name: "no plans",
		r:    r("1.0.1", nil, sasB),
		offs: CPPOffers{Draft: []byte(offer("neverPublished"))},
		want: "plan-id p1 is not a plan of offer vm-offer (it has no plans); set plan-id to one of them",
	}, {
		name: "image type of another generation",
		r:    r("1.0.1", gen2, sasB),
		offs: CPPOffers{Draft: []byte(offer("published", p1, gen2Plan))},
		want: "plan p1 of offer vm-offer is a generation 1 plan (x64Gen1), and a Cloud Partner Portal plan takes images of its own image type only; set image-types to x64Gen1 or leave it empty, or set plan-id to the plan of that image type (its planIds: p1 (x64Gen1), p-gen2 (x64Gen2))",
	}, {
		name: "two image types",
		r:    r("1.0.1", gen1gen2, sasB),
		offs: CPPOffers{Draft: []byte(offer("published", p1))},
		want: "plan p1 of offer vm-offer is a generation 1 plan (x64Gen1), and a Cloud Partner Portal plan takes images of its own image type only; set image-types to x64Gen1 or leave it empty, or set plan-id to the plan of that image type (its planIds: p1 (x64Gen1))",
	}, {
		name: "unknown generation",
		r:    r("1.0.1", nil, sasB),
		offs: CPPOffers{Draft: []byte(offer("published", cppPlan("p1", `"microsoft-azure-virtualmachines.generation":"3"`)))},
		want: `plan p1 of offer vm-offer has microsoft-azure-virtualmachines.generation "3", which is neither 1 nor 2`,
	}, {
		name: "not a VM offer",
		r:    r("1.0.1", nil, sasB),
		offs: CPPOffers{Draft: []byte(strings.Replace(offer("published", p1), "microsoft-azure-virtualmachines\"", "microsoft-azure-corevm\"", 1))},
		want: "offer vm-offer is a microsoft-azure-corevm offer; only virtual machine offers (microsoft-azure-virtualmachines) take an image version",
	}, {
		name: "other image in live",
		r:    r("1.0.0", nil, sasB),
		offs: CPPOffers{Draft: []byte(offer("published", p1)), Live: []byte(offer("published", p1))},
		want: "version 1.0.0 already exists in live with a different image; published images cannot be changed; choose a new version",
	}, {
		name: "fail",
		r:    Release{PlanID: "p1", Version: "1.0.0", Source: Source{SAS: &SAS{OSDisk: sasA}}, IfExists: Fail},
		offs: CPPOffers{Draft: []byte(offer("published", p1)), Preview: []byte(offer("published", p1))},
		want: "version 1.0.0 of plan p1 already exists in preview and if-version-exists is fail; choose a new version",
	}, {
		name: "another new version (nothing published)",
		r:    r("1.0.1", nil, sasB),
		offs: CPPOffers{Draft: []byte(offer("neverPublished", p1))},
		want: "plan p1 of offer vm-offer already holds version 1.0.0, which was never published; Partner Center takes one new image per image type per submission: publish version 1.0.0 first, or remove it from the draft",
	}, {
		name: "another new version (not in the live slot)",
		r:    r("1.0.1", nil, sasB),
		offs: CPPOffers{Draft: []byte(offer("published", p1)), Live: []byte(offer("published", cppPlan("p1", cppImages())))},
		want: "plan p1 of offer vm-offer already holds version 1.0.0, which was never published; Partner Center takes one new image per image type per submission: publish version 1.0.0 first, or remove it from the draft",
	}, {
		name: "data disks differ",
		r:    Release{PlanID: "p1", Version: "1.0.0", Source: Source{SAS: &SAS{OSDisk: sasA2, DataDisks: []string{disk0}}}},
		offs: CPPOffers{Draft: []byte(offer("published", p1))},
		want: "version 1.0.0 already exists in the draft with a different image; published images cannot be changed; choose a new version",
	}, {
		name: "not JSON",
		r:    r("1.0.1", nil, sasB),
		offs: CPPOffers{Draft: []byte(`<html>` + sasA)},
		want: "reading the offer (draft): invalid character '<' looking for beginning of value",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := PrepareCPP(tc.r, tc.offs)
			if err == nil {
				t.Fatalf("passed: %+v", c)
			}
			if err.Error() != tc.want {
				t.Fatalf("\n got %q\nwant %q", err, tc.want)
			}
			noSecret(t, "message", err.Error())
		})
	}
}

func TestPrepareCPPOutcomes(t *testing.T) {
	p1 := cppPlan("p1", cppImages(cppImg("1.0.0", sasA, disk0)))
	r := Release{PlanID: "P1", Version: "1.0.0", Source: Source{SAS: &SAS{OSDisk: sasA2, DataDisks: []string{disk0}}}}
	for _, tc := range []struct {
		name    string
		offs    CPPOffers
		outcome Outcome
		where   string
	}{
		{"live", CPPOffers{Draft: []byte(offer("published", p1)), Preview: []byte(offer("published", p1)), Live: []byte(offer("published", p1))}, Published, Live},
		{"preview", CPPOffers{Draft: []byte(offer("published", p1)), Preview: []byte(offer("published", p1))}, Published, Preview},
		{"draft", CPPOffers{Draft: []byte(offer("published", p1))}, InDraft, Draft},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := PrepareCPP(r, tc.offs)
			if err != nil || c.Outcome != tc.outcome || c.Where != tc.where || c.Offer != nil {
				t.Fatalf("%+v, %v", c, err)
			}
			if strings.Join(c.SKUIDs, ",") != "p1" || !strings.Contains(c.Notice(), "version 1.0.0 of plan P1 is already") {
				t.Fatalf("%v %q", c.SKUIDs, c.Notice())
			}
		})
	}
}

// TestPrepareCPPMakesTheMap: a plan without images (absent, null) gets the
// map; generation 2 is x64Gen2.
func TestPrepareCPPMakesTheMap(t *testing.T) {
	r := Release{PlanID: "p1", Version: "2.0.0", Source: Source{SAS: &SAS{OSDisk: sasA}}}
	for _, tc := range []struct{ name, plan, want string }{
		{"absent", `{"planId":"p1","microsoft-azure-virtualmachines.generation":"2","z":null}`,
			`{"planId":"p1","microsoft-azure-virtualmachines.generation":"2","z":null,"microsoft-azure-virtualmachines.vmImages":{"2.0.0":{"osVhdUrl":"` + sasA + `","lunVhdDetails":[]}}}`},
		{"null", `{"planId":"p1","microsoft-azure-virtualmachines.vmImages":null,"n":12345678901234567890}`,
			`{"planId":"p1","microsoft-azure-virtualmachines.vmImages":{"2.0.0":{"osVhdUrl":"` + sasA + `","lunVhdDetails":[]}},"n":12345678901234567890}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := PrepareCPP(r, CPPOffers{Draft: []byte(offer("neverPublished", tc.plan))})
			if err != nil {
				t.Fatal(err)
			}
			if want := compact(t, []byte(offer("neverPublished", tc.want))); string(c.Offer) != want {
				t.Fatalf("\n got %s\nwant %s", c.Offer, want)
			}
			if err := c.Verify(c.Offer); err != nil {
				t.Fatal(err)
			}
		})
	}
	c, err := PrepareCPP(Release{PlanID: "p2", Version: "2.0.0", Source: Source{SAS: &SAS{OSDisk: sasA}}},
		CPPOffers{Draft: []byte(offer("published", cppPlan("p2", `"microsoft-azure-virtualmachines.generation":"2"`)))})
	if err != nil || c.Release.ImageTypes[0] != X64Gen2 {
		t.Fatalf("%+v, %v", c, err)
	}
	// Read back with another image under the version.
	other := []byte(offer("published", cppPlan("p2", cppImages(cppImg("2.0.0", sasB)))))
	if err := c.Verify(other); err == nil || err.Error() != "the offer PUT succeeded but version 2.0.0 of plan p2 does not hold the image sent; look at the offer in Partner Center before running again" {
		t.Fatal(err)
	}
}
