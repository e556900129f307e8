package imageplan

import (
	"errors"
	"strings"
	"testing"
)

var (
	gen2     = []ImageType{X64Gen2}
	gen1     = []ImageType{X64Gen1}
	gen1gen2 = []ImageType{X64Gen1, X64Gen2}
)

// TestPrepareRefusals holds every check's refusal with the exact message a
// user sees.
func TestPrepareRefusals(t *testing.T) {
	published := ver("1.0.0", "generallyAvailable", img(X64Gen2, sas(sasA)))
	pub := tree("preview", techConfig(plan1, skusGen2, []string{published}))
	tests := []struct {
		name                 string
		r                    Release
		draft, preview, live string
		want                 string
	}{{
		name:  "plan not found",
		r:     Release{PlanID: "plan-9", Version: "1.0.1", Source: Source{SAS: &SAS{OSDisk: sasA}}},
		draft: tree("draft", techConfig(plan1, skusGen2, nil)),
		want:  "plan-id plan-9 is not a plan of offer my-offer (its plan ids: plan-1, plan-2); set plan-id to one of them",
	}, {
		name:  "no technical configuration",
		r:     sasRelease("1.0.1", nil, sasA),
		draft: tree("draft"),
		want:  "plan plan-1 of offer my-offer has no technical configuration in the draft; set the plan up in Partner Center first",
	}, {
		name:  "base plan named by external id",
		r:     sasRelease("1.0.1", nil, sasA),
		draft: tree("draft", techConfig(plan1, skusGen2, nil, `"basePlan":"plan/`+pGUID+`/`+plan2+`"`, `"reuseTechnicalConfigurationState":"enable"`)),
		want:  "plan plan-1 reuses the technical configuration of plan plan-2 (basePlan), so its images are that plan's; publish the image to plan plan-2 instead",
	}, {
		name:  "base plan not in the tree",
		r:     sasRelease("1.0.1", nil, sasA),
		draft: tree("draft", techConfig(plan1, skusGen2, nil, `"basePlan":"plan/`+pGUID+`/cccc"`)),
		want:  "plan plan-1 reuses the technical configuration of plan plan/" + pGUID + "/cccc (basePlan), so its images are that plan's; publish the image to plan plan/" + pGUID + "/cccc instead",
	}, {
		name:  "base plan by reference object",
		r:     sasRelease("1.0.1", nil, sasA),
		draft: tree("draft", techConfig(plan1, skusGen2, nil, `"basePlan":{"externalId":"plan-2"}`)),
		want:  "plan plan-1 reuses the technical configuration of plan plan-2 (basePlan), so its images are that plan's; publish the image to plan plan-2 instead",
	}, {
		name:  "no SKU for the image type",
		r:     sasRelease("1.0.1", []ImageType{Arm64Gen2}, sasA),
		draft: tree("draft", techConfig(plan1, skusGen1Gen2, nil)),
		want:  "plan plan-1 has no SKU for image type arm64Gen2 (its SKUs: sku-gen2 (x64Gen2), sku-gen1 (x64Gen1)); set image-types to the image types of its SKUs, or add the SKU in Partner Center first",
	}, {
		name:  "two SKUs, no image types",
		r:     sasRelease("1.0.1", nil, sasA),
		draft: tree("draft", techConfig(plan1, skusGen1Gen2, nil)),
		want:  "plan plan-1 has 2 SKUs (sku-gen2 (x64Gen2), sku-gen1 (x64Gen1)); say which image types the image is for with image-types",
	}, {
		name:  "no SKUs",
		r:     sasRelease("1.0.1", nil, sasA),
		draft: tree("draft", techConfig(plan1, `[]`, nil)),
		want:  "plan plan-1 has no SKUs in its technical configuration; add them in Partner Center first",
	}, {
		name:    "same number, other image, in preview",
		r:       sasRelease("1.0.0", nil, sasB),
		draft:   tree("draft", techConfig(plan1, skusGen2, []string{published})),
		preview: pub,
		want:    "version 1.0.0 already exists in preview with a different image; published images cannot be changed; choose a new version",
	}, {
		name:  "same number, other image, in live",
		r:     sasRelease("1.0.0", nil, sasB),
		draft: tree("draft", techConfig(plan1, skusGen2, []string{published})),
		live:  tree("live", techConfig(plan1, skusGen2, []string{published})),
		want:  "version 1.0.0 already exists in live with a different image; published images cannot be changed; choose a new version",
	}, {
		name:  "same number, other image, only in the draft",
		r:     sasRelease("1.0.0", nil, sasB),
		draft: tree("draft", techConfig(plan1, skusGen2, []string{published})),
		want:  "version 1.0.0 already exists in the draft with a different image; published images cannot be changed; choose a new version",
	}, {
		name:    "same number, other image type",
		r:       sasRelease("1.0.0", gen1gen2, sasA),
		draft:   tree("draft", techConfig(plan1, skusGen1Gen2, []string{published})),
		preview: pub,
		want:    "version 1.0.0 already exists in preview with a different image; published images cannot be changed; choose a new version",
	}, {
		name:  "same number, other gallery image",
		r:     galRelease("1.0.0", nil, galID+"0"),
		draft: tree("draft", techConfig(plan1, skusGen2, []string{ver("1.0.0", "", img(X64Gen2, gal(galID)))})),
		want:  "version 1.0.0 already exists in the draft with a different image; published images cannot be changed; choose a new version",
	}, {
		name:    "if-version-exists fail, even when identical",
		r:       Release{PlanID: "plan-1", Version: "1.0.0", Source: Source{SAS: &SAS{OSDisk: sasA}}, IfExists: Fail},
		draft:   tree("draft", techConfig(plan1, skusGen2, []string{published})),
		preview: pub,
		live:    tree("live", techConfig(plan1, skusGen2, []string{published})),
		want:    "version 1.0.0 of plan plan-1 already exists in live and if-version-exists is fail; choose a new version",
	}, {
		name:  "deleted in the draft",
		r:     sasRelease("1.0.0", nil, sasA),
		draft: tree("draft", techConfig(plan1, skusGen2, []string{ver("1.0.0", "deleted", img(X64Gen2, sas(sasA)))})),
		want:  "version 1.0.0 is marked deleted in the draft of plan plan-1; a deleted version cannot be used again: choose a new version",
	}, {
		name:    "another new version for the image type",
		r:       sasRelease("1.0.2", nil, sasB),
		draft:   tree("draft", techConfig(plan1, skusGen2, []string{published, ver("1.0.1", "generallyAvailable", img(X64Gen2, sas(sasA)))})),
		preview: pub,
		want:    "the draft of plan plan-1 already holds version 1.0.1 for x64Gen2, which was never published; Partner Center takes one new image per image type per submission: publish version 1.0.1 first, or mark it deleted in the draft",
	}, {
		name:  "never published at all",
		r:     sasRelease("1.0.2", nil, sasB),
		draft: tree("draft", techConfig(plan1, skusGen2, []string{published})),
		want:  "the draft of plan plan-1 already holds version 1.0.0 for x64Gen2, which was never published; Partner Center takes one new image per image type per submission: publish version 1.0.0 first, or mark it deleted in the draft",
	}, {
		name:  "bad version",
		r:     sasRelease("1.0", nil, sasA),
		draft: tree("draft"),
		want:  `image-version "1.0" is not X.Y.Z (three numbers joined by dots, at most 32 characters)`,
	}, {
		name:  "two sources",
		r:     Release{PlanID: "plan-1", Version: "1.0.0", Source: Source{SAS: &SAS{OSDisk: sasA}, Gallery: &Gallery{TenantID: tenant, ResourceID: galID}}},
		draft: tree("draft"),
		want:  "the image source must be exactly one of gallery-image-version-id and os-disk-sas-uri",
	}, {
		name:  "17 data disks",
		r:     sasRelease("1.0.0", nil, sasA, strings.Split(strings.Repeat(disk0+" ", 17), " ")[:17]...),
		draft: tree("draft"),
		want:  "data-disk-sas-uris holds 17 URIs; Partner Center takes at most 16 data disks per image",
	}, {
		name:  "image type twice",
		r:     sasRelease("1.0.0", []ImageType{X64Gen2, "X64GEN2"}, sasA),
		draft: tree("draft"),
		want:  "image-types names X64GEN2 twice",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			trees := Trees{Draft: mustTree(t, tc.draft)}
			if tc.preview != "" {
				trees.Preview = mustTree(t, tc.preview)
			}
			if tc.live != "" {
				trees.Live = mustTree(t, tc.live)
			}
			c, err := Prepare(tc.r, trees)
			if err == nil {
				t.Fatalf("Prepare passed (%v), want %q", c.Outcome, tc.want)
			}
			if err.Error() != tc.want {
				t.Fatalf("message\n got %q\nwant %q", err, tc.want)
			}
			noSecret(t, "message", err.Error())
		})
	}
}

// TestPrepareOutcomes: where an identical version is decides what is sent.
func TestPrepareOutcomes(t *testing.T) {
	v := ver("1.0.0", "generallyAvailable", img(X64Gen2, sas(sasA, disk0)))
	draft := tree("draft", techConfig(plan1, skusGen2, []string{v}))
	pub := func(target string) *Tree { return mustTree(t, tree(target, techConfig(plan1, skusGen2, []string{v}))) }
	// The same image made again: a new SAS (st, se, sv, sig) and the host in
	// other case.
	r := sasRelease("1.0.0", nil, sasA2, disk0)
	tests := []struct {
		name      string
		trees     Trees
		outcome   Outcome
		where     string
		notice    string
		publishes bool
	}{
		{"live", Trees{Draft: mustTree(t, draft), Preview: pub("preview"), Live: pub("live")}, Published, Live,
			"version 1.0.0 of plan plan-1 is already published to live with this image; nothing was sent", false},
		{"preview", Trees{Draft: mustTree(t, draft), Preview: pub("preview")}, Published, Preview,
			"version 1.0.0 of plan plan-1 is already published to preview with this image; nothing was sent", false},
		{"draft only", Trees{Draft: mustTree(t, draft)}, InDraft, Draft,
			"version 1.0.0 of plan plan-1 is already in the draft with this image; nothing was added", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Prepare(r, tc.trees)
			if err != nil {
				t.Fatal(err)
			}
			if c.Outcome != tc.outcome || c.Where != tc.where || c.Notice() != tc.notice || c.TechConfig != nil {
				t.Fatalf("got %v in %q (%q), tech config %s", c.Outcome, c.Where, c.Notice(), c.TechConfig)
			}
			if _, err := c.AddImageDocument(""); err == nil {
				t.Fatal("an add-image document for a version already there")
			}
			doc, err := c.PublishDocument("", "")
			if tc.publishes != (err == nil) {
				t.Fatalf("PublishDocument: %s, %v", doc, err)
			}
			if tc.publishes {
				want := `{"$schema":"https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2","resources":[{"$schema":"https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2","id":"submission/` + pGUID + `/1152921505687312000","product":"product/` + pGUID + `","target":{"targetType":"preview"}}]}`
				if string(doc) != want {
					t.Fatalf("publish document\n got %s\nwant %s", doc, want)
				}
			}
		})
	}
}

// TestPrepareGalleryCase: ARM ids compare without case.
func TestPrepareGalleryCase(t *testing.T) {
	draft := tree("draft", techConfig(plan1, skusGen2, []string{ver("1.2.3", "", img(X64Gen2, gal(galID)))}))
	c, err := Prepare(galRelease("1.2.3", nil, strings.ToUpper(galID)), Trees{Draft: mustTree(t, draft)})
	if err != nil || c.Outcome != InDraft {
		t.Fatalf("%v, %v", c, err)
	}
}

// TestPrepareAdd: a new version is appended, to the SKUs asked, with the
// source in the schema's shape.
func TestPrepareAdd(t *testing.T) {
	old := ver("1.0.0", "generallyAvailable", img(X64Gen2, sas(sasA)), img(X64Gen1, sas(sasA)))
	body := tree("draft", techConfig(plan1, skusGen1Gen2, []string{old}))
	pub := mustTree(t, tree("live", techConfig(plan1, skusGen1Gen2, []string{old})))
	tests := []struct {
		name  string
		r     Release
		skus  []string
		entry string
	}{{
		name:  "SAS with a data disk, both image types",
		r:     sasRelease("1.1.0", []ImageType{"X64GEN1", X64Gen2}, sasB, disk0),
		skus:  []string{"sku-gen1", "sku-gen2"},
		entry: `{"versionNumber":"1.1.0","vmImages":[{"imageType":"x64Gen1","source":` + sas(sasB, disk0) + `},{"imageType":"x64Gen2","source":` + sas(sasB, disk0) + `}],"lifecycleState":"generallyAvailable"}`,
	}, {
		name:  "SAS without data disks",
		r:     sasRelease("1.1.0", gen2, sasB),
		skus:  []string{"sku-gen2"},
		entry: `{"versionNumber":"1.1.0","vmImages":[{"imageType":"x64Gen2","source":{"sourceType":"sasUri","osDisk":{"uri":"` + sasB + `"},"dataDisks":[]}}],"lifecycleState":"generallyAvailable"}`,
	}, {
		name:  "gallery",
		r:     galRelease("1.2.3", gen1, galID),
		skus:  []string{"sku-gen1"},
		entry: `{"versionNumber":"1.2.3","vmImages":[{"imageType":"x64Gen1","source":{"sourceType":"sharedImageGallery","sharedImage":{"tenantId":"` + tenant + `","resourceId":"` + galID + `"}}}],"lifecycleState":"generallyAvailable"}`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Prepare(tc.r, Trees{Draft: mustTree(t, body), Live: pub})
			if err != nil {
				t.Fatal(err)
			}
			if c.Outcome != Add || strings.Join(c.SKUIDs, ",") != strings.Join(tc.skus, ",") {
				t.Fatalf("%v, SKUs %v", c.Outcome, c.SKUIDs)
			}
			want := techConfig(plan1, skusGen1Gen2, []string{old, tc.entry})
			if string(c.TechConfig) != compact(t, []byte(want)) {
				t.Fatalf("tech config\n got %s\nwant %s", c.TechConfig, compact(t, []byte(want)))
			}
			doc, err := c.AddImageDocument("2022-03-01-preview3")
			if err != nil {
				t.Fatal(err)
			}
			if w := `{"$schema":"https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview3","resources":[` + string(c.TechConfig) + `]}`; string(doc) != w {
				t.Fatalf("add-image document\n got %s\nwant %s", doc, w)
			}
			doc, err = c.PublishDocument("", "submission/"+pGUID+"/42")
			if err != nil {
				t.Fatal(err)
			}
			if w := `{"$schema":"https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2","resources":[` + string(c.TechConfig) +
				`,{"$schema":"https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2","id":"submission/` + pGUID + `/42","product":"product/` + pGUID + `","target":{"targetType":"preview"}}]}`; string(doc) != w {
				t.Fatalf("publish document\n got %s\nwant %s", doc, w)
			}
			// Read back: the tree the job made holds the version; the tree before
			// it does not.
			after := mustTree(t, string(withResource(t, []byte(body), c.TechConfig)))
			if err := c.Verify(after); err != nil {
				t.Fatalf("Verify after the job: %v", err)
			}
			err = c.Verify(mustTree(t, body))
			if want := "the configure job succeeded but version " + tc.r.Version + " is not in plan plan-1 (the draft read back does not list it); look at the plan in Partner Center before running again"; err == nil || err.Error() != want {
				t.Fatalf("Verify before the job:\n got %v\nwant %s", err, want)
			}
			if got := c.URNs("contoso"); strings.Join(got, " ") != "contoso:my-offer:"+strings.Join(tc.skus, ":"+tc.r.Version+" contoso:my-offer:")+":"+tc.r.Version {
				t.Fatalf("URNs %v", got)
			}
		})
	}
}

func TestVerifyRefusals(t *testing.T) {
	body := tree("draft", techConfig(plan1, skusGen2, []string{ver("1.0.0", "", img(X64Gen2, sas(sasA)))}))
	pub := mustTree(t, body)
	c, err := Prepare(sasRelease("1.1.0", nil, sasB), Trees{Draft: mustTree(t, body), Preview: pub})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		tree *Tree
		want string
	}{
		{"other image", mustTree(t, tree("draft", techConfig(plan1, skusGen2, []string{ver("1.1.0", "", img(X64Gen2, sas(sasA)))}))),
			"the configure job succeeded but version 1.1.0 of plan plan-1 does not hold the image sent (the draft read back shows other images or image types); look at the plan in Partner Center before running again"},
		{"deleted", mustTree(t, tree("draft", techConfig(plan1, skusGen2, []string{ver("1.1.0", "deleted", img(X64Gen2, sas(sasB)))}))),
			"the configure job succeeded but version 1.1.0 is not in plan plan-1 (the draft read back lists it as deleted); look at the plan in Partner Center before running again"},
		{"no plan", mustTree(t, tree("preview")),
			"the configure job succeeded but version 1.1.0 is not in plan plan-1 (the preview read back has no such plan or no technical configuration for it); look at the plan in Partner Center before running again"},
		{"no tree", nil,
			"the configure job succeeded but version 1.1.0 is not in plan plan-1 (no tree was read back); look at the plan in Partner Center before running again"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Verify(tc.tree)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("\n got %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestTechConfigFound: the technical configuration is found whichever
// $schema host and revision it carries, Core VM's too, and by a plan
// reference object.
func TestTechConfigFound(t *testing.T) {
	for _, tc := range []struct{ name, from, to string }{
		{"legacy host", `"$schema":"https://schema.mp.microsoft.com/schema/virtual-machine-plan-technical-configuration/2022-03-01-preview3"`, `"$schema":"https://product-ingestion.azureedge.net/schema/virtual-machine-plan-technical-configuration/2026-04-01-preview1"`},
		{"core VM", `virtual-machine-plan-technical-configuration/2022-03-01-preview3`, `core-virtual-machine-plan-technical-configuration/2022-03-01-preview5`},
		{"plan by external id", `"plan":"plan/` + pGUID + `/` + plan1 + `"`, `"plan":{"externalId":"plan-1"}`},
		{"two-part plan id", `"plan":"plan/` + pGUID + `/` + plan1 + `"`, `"plan":"plan/` + strings.ToUpper(plan1) + `"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := strings.Replace(techConfig(plan1, skusGen2, nil), tc.from, tc.to, 1)
			if res == techConfig(plan1, skusGen2, nil) {
				t.Fatal("the test changed nothing")
			}
			c, err := Prepare(sasRelease("1.0.0", nil, sasA), Trees{Draft: mustTree(t, tree("draft", res))})
			if err != nil || c.Outcome != Add {
				t.Fatalf("%v, %v", c, err)
			}
		})
	}
	// Another plan's configuration is not this plan's.
	other := techConfig(plan2, skusGen2, nil)
	_, err := Prepare(sasRelease("1.0.0", nil, sasA), Trees{Draft: mustTree(t, tree("draft", other))})
	if err == nil || !strings.Contains(err.Error(), "has no technical configuration") {
		t.Fatalf("plan-2's configuration taken for plan-1's: %v", err)
	}
}

// TestLegacySchemaAndValidations: the technical configuration sent carries
// its $schema on the current host (same path) and no validations; all else
// as read.
func TestLegacySchemaAndValidations(t *testing.T) {
	res := strings.Replace(techConfig(plan1, skusGen2, nil,
		`"validations":[{"level":"warning","code":"x","message":"read-only"}]`, `"resourceName":"tc"`),
		"https://schema.mp.microsoft.com/schema/", "https://Product-Ingestion.azureedge.net/schema/", 1)
	c, err := Prepare(sasRelease("1.0.0", nil, sasA), Trees{Draft: mustTree(t, tree("draft", res))})
	if err != nil {
		t.Fatal(err)
	}
	want := techConfig(plan1, skusGen2, []string{ver("1.0.0", "generallyAvailable", img(X64Gen2, sas(sasA)))}, `"resourceName":"tc"`)
	if string(c.TechConfig) != compact(t, []byte(want)) {
		t.Fatalf("\n got %s\nwant %s", c.TechConfig, compact(t, []byte(want)))
	}
	if got := movedSchema("https://schema.mp.microsoft.com/schema/x/1"); got != "https://schema.mp.microsoft.com/schema/x/1" {
		t.Fatal(got)
	}
}

// TestBigNumbersNullsUnknownFields: what the package does not model goes
// back token for token, keys in the order read.
func TestBigNumbersNullsUnknownFields(t *testing.T) {
	res := `{"zeta":1,"$schema":"https://schema.mp.microsoft.com/schema/virtual-machine-plan-technical-configuration/2022-03-01-preview5",` +
		`"id":"virtual-machine-plan-technical-configuration/` + pGUID + `/` + plan1 + `","plan":"plan/` + pGUID + `/` + plan1 + `",` +
		`"big":1152921505687312000123,"float":1111.0,"exp":1E+400,"nothing":null,"esc":"\u00e9\u003c\/","k\u00e9y":true,` +
		`"nested":{"b":[1,null,{"c":-0.0}],"a":{}},"skus":[{"imageType":"x64Gen2","skuId":"s","securityType":["trusted"],"x":null}],` +
		`"vmImageVersions":[{"versionNumber":"1.0.0","deprecationSchedule":{"date":"2026-01-01","dateOffset":"P90D","reason":"other"},"lifecycleState":"deprecated","vmImages":[{"imageType":"x64Gen2","source":` + sas(sasA) + `}]}],"alpha":[]}`
	body := tree("draft", res)
	c, err := Prepare(sasRelease("2.0.0", nil, sasB), Trees{Draft: mustTree(t, body), Live: mustTree(t, body)})
	if err != nil {
		t.Fatal(err)
	}
	entry := `,{"versionNumber":"2.0.0","vmImages":[{"imageType":"x64Gen2","source":` + sas(sasB) + `}],"lifecycleState":"generallyAvailable"}`
	got := string(c.TechConfig)
	if !strings.Contains(got, entry) {
		t.Fatalf("no entry in %s", got)
	}
	if back := strings.Replace(got, entry, "", 1); back != compact(t, []byte(res)) {
		t.Fatalf("tokens changed:\n got %s\nwant %s", back, compact(t, []byte(res)))
	}
}

// TestErrorsRedacted: a SAS put where an id belongs never reaches a message.
func TestErrorsRedacted(t *testing.T) {
	r := sasRelease("1.0.0", nil, sasA)
	r.PlanID = sasA
	_, err := Prepare(r, Trees{Draft: mustTree(t, tree("draft", techConfig(plan1, skusGen2, nil)))})
	if err == nil {
		t.Fatal("no error")
	}
	noSecret(t, "message", err.Error())
	if !strings.Contains(err.Error(), "https://acct.blob.core.windows.net/vhds/img-a.vhd?REDACTED") {
		t.Fatalf("the blob is not named: %v", err)
	}
	// A tree whose ids carry a SAS.
	bad := strings.ReplaceAll(tree("draft", techConfig(plan1, skusGen1Gen2, nil)), `"sku-gen1"`, `"`+sasB+`"`)
	_, err = Prepare(sasRelease("1.0.0", nil, sasA), Trees{Draft: mustTree(t, bad)})
	if err == nil {
		t.Fatal("no error")
	}
	noSecret(t, "message", err.Error())
	var re *redactedError
	if !errors.As(err, &re) {
		t.Fatalf("%T", err)
	}
}
