package simulator_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

const (
	currentSchema = "https://schema.mp.microsoft.com/schema/"
	retiredSchema = "https://product-ingestion.azureedge.net/schema/"
)

// draftTechConfig is plan's technical configuration as the draft tree
// serves it, decoded keeping numbers as written.
func (c *graphClient) draftTechConfig(id string) map[string]any {
	c.t.Helper()
	tree, _ := c.tree("draft")
	tc := resource(tree, id)
	if tc == nil {
		c.t.Fatalf("no %s in the draft", id)
	}
	return tc
}

// sendable is tc as a careful client sends it back: $schema on the current
// host, no validations.
func sendable(tc map[string]any) map[string]any {
	tc["$schema"] = strings.Replace(tc["$schema"].(string), retiredSchema, currentSchema, 1)
	delete(tc, "validations")
	return tc
}

func galleryVersion(number, id string) map[string]any {
	return map[string]any{"versionNumber": number, "lifecycleState": "generallyAvailable", "vmImages": []any{
		map[string]any{"imageType": "x64Gen2", "source": map[string]any{"sourceType": "sharedImageGallery",
			"sharedImage": map[string]any{"tenantId": simulator.Tenant, "resourceId": id}}}}}
}

func appendVersion(tc map[string]any, v ...any) map[string]any {
	tc["vmImageVersions"] = append(tc["vmImageVersions"].([]any), v...)
	return tc
}

// configureDoc is a configure document of resources.
func configureDoc(t *testing.T, resources ...any) string {
	return string(mustJSON(t, map[string]any{"$schema": currentSchema + "configure/2022-03-01-preview2", "resources": resources}))
}

func draftToPreview() map[string]any {
	return map[string]any{"$schema": currentSchema + "submission/2022-03-01-preview2", "id": simulator.DraftSubmissionID,
		"product": "product/" + simulator.ProductID, "target": map[string]any{"targetType": "preview"}}
}

// post POSTs doc and returns the job id; it fails unless the API took it.
func (c *graphClient) post(doc string) string {
	c.t.Helper()
	code, j, _ := c.call("POST", "/configure", doc)
	if code != http.StatusAccepted {
		c.t.Fatalf("POST configure: HTTP %d %v", code, j)
	}
	return j["jobId"].(string)
}

// finish polls job's status until it completes, at most JobCompletesAt+1 GETs.
func (c *graphClient) finish(job string) (polls int, status map[string]any) {
	c.t.Helper()
	for polls = 1; polls <= simulator.JobCompletesAt+1; polls++ {
		if _, status = c.get("/configure/" + job + "/status"); status["jobStatus"] == "completed" {
			return polls, status
		}
	}
	c.t.Fatalf("job %s never completed: %v", job, status)
	return
}

func hasVersion(vs []simulator.ImageVersion, n string) bool {
	return slices.ContainsFunc(vs, func(v simulator.ImageVersion) bool { return v.Number == n })
}

func TestAddImageToTheDraft(t *testing.T) {
	c := newGraph(t, "publish", simulator.WithIngestionIdle())
	tc := sendable(c.draftTechConfig(simulator.PlanGen2TechConfigID))
	doc := configureDoc(t, appendVersion(tc, galleryVersion(simulator.NewVersion, simulator.GalleryVersionNew)))
	job := c.post(doc)
	polls, j := c.finish(job)
	if j["jobResult"] != "succeeded" || polls != simulator.JobCompletesAt+1 || c.sim.SubmissionOf(job) != "" {
		t.Fatalf("job %v after %d polls", j, polls)
	}
	got := c.sim.Versions("draft", simulator.PlanGen2)
	if len(got) != 3 || got[2].Number != simulator.NewVersion || got[2].Images[0].Gallery != simulator.GalleryVersionNew || got[2].Images[0].Tenant != simulator.Tenant {
		t.Errorf("draft versions %+v", got)
	}
	for _, target := range []string{"preview", "live"} {
		if hasVersion(c.sim.Versions(target, simulator.PlanGen2), simulator.NewVersion) {
			t.Errorf("%s holds %s after a draft-only job", target, simulator.NewVersion)
		}
	}
	// The draft stores what was sent: the big number as written, no validations.
	raw := c.sim.TechnicalConfiguration("draft", simulator.PlanGen2)
	if !bytes.Contains(raw, []byte(`"internalId":`+simulator.BigNumber)) || bytes.Contains(raw, []byte("validations")) || !bytes.Contains(raw, []byte(currentSchema+"virtual-machine-plan-technical-configuration/")) {
		t.Errorf("draft tech config %s", raw)
	}
	if bodies := c.sim.ConfigureBodies(); len(bodies) != 1 || string(bodies[0]) != doc {
		t.Errorf("ConfigureBodies %q", bodies)
	}
	// The job's detail names the technical configuration it stored.
	code, d := c.get("/configure/" + job)
	if res := d["resources"].([]any); code != http.StatusOK || len(res) != 1 || res[0].(map[string]any)["id"] != simulator.PlanGen2TechConfigID {
		t.Errorf("detail: HTTP %d %v", code, d)
	}
}

func TestRetiredSchemaHostRefusedOnWrite(t *testing.T) {
	c := newGraph(t, "publish", simulator.WithIngestionIdle())
	asRead := c.draftTechConfig(simulator.PlanGen2TechConfigID)
	delete(asRead, "validations")
	appendVersion(asRead, galleryVersion(simulator.NewVersion, simulator.GalleryVersionNew))
	for _, tc := range []struct{ name, doc, schema string }{
		{"a resource as read", configureDoc(t, asRead), retiredSchema + "virtual-machine-plan-technical-configuration/2022-03-01-preview3"},
		{"the document", `{"$schema": "` + retiredSchema + `configure/2022-03-01-preview2", "resources": [` + string(mustJSON(t, draftToPreview())) + `]}`, retiredSchema + "configure/2022-03-01-preview2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, _ := c.call("POST", "/configure", tc.doc)
			want := map[string]any{"error": map[string]any{"code": "badRequest", "message": "Schema " + tc.schema + " could not be accessed"}}
			if code != http.StatusBadRequest || mustString(t, body) != mustString(t, want) {
				t.Errorf("HTTP %d %v, want 400 %v", code, body, want)
			}
		})
	}
	if len(c.sim.Jobs()) != 0 || hasVersion(c.sim.Versions("draft", simulator.PlanGen2), simulator.NewVersion) {
		t.Errorf("a refused POST made jobs %v or changed the draft", c.sim.Jobs())
	}
	if n := len(c.sim.ConfigureBodies()); n != 2 {
		t.Errorf("%d bodies recorded, want 2", n)
	}
}

// failure is one error a refused job must carry: its message (exact, or
// a prefix ending in "…") and detail code.
type failure struct{ message, detail string }

func TestTechnicalConfigurationRefused(t *testing.T) {
	edit := func(f func(tc map[string]any)) func(map[string]any) map[string]any {
		return func(tc map[string]any) map[string]any { f(tc); return tc }
	}
	versionsOf := func(tc map[string]any) []any { return tc["vmImageVersions"].([]any) }
	published := func(tc map[string]any) map[string]any { return versionsOf(tc)[1].(map[string]any) }
	for _, tc := range []struct {
		name string
		opts []simulator.Option
		id   string // the resource's id; PlanGen2's when empty
		make func(map[string]any) map[string]any
		want []failure
	}{
		{"two new images of one type", nil, "", func(tc map[string]any) map[string]any {
			return appendVersion(tc, galleryVersion("1.1.0", simulator.GalleryVersionNew), galleryVersion("1.2.0", simulator.GalleryVersionCreating))
		}, []failure{{simulator.OneNewImageText + " Plan 'contoso-gen2' has 2 new images of type 'x64Gen2': 1.1.0, 1.2.0.", "businessValidationError"}}},
		{"a second one beside the draft's unpublished one", []simulator.Option{simulator.WithImageVersion("draft", simulator.PlanGen2,
			simulator.ImageVersion{Number: "1.0.1", Images: []simulator.Image{{Type: "x64Gen2", Gallery: simulator.GalleryVersionNew}}})}, "",
			func(tc map[string]any) map[string]any {
				return appendVersion(tc, galleryVersion("1.2.0", simulator.GalleryVersionCreating))
			}, []failure{{simulator.OneNewImageText + " Plan 'contoso-gen2' has 2 new images of type 'x64Gen2': 1.0.1, 1.2.0.", "businessValidationError"}}},
		{"a published image's source changed", nil, "", edit(func(tc map[string]any) {
			published(tc)["vmImages"].([]any)[0].(map[string]any)["source"].(map[string]any)["sharedImage"].(map[string]any)["resourceId"] = simulator.GalleryVersionNew
		}), []failure{{"Cannot edit image '1.0.0' of type 'X64Gen2' as it is already published: published images cannot be edited, only deprecated.", "invalidResource"}}},
		{"a published image deleted", nil, "", edit(func(tc map[string]any) { published(tc)["lifecycleState"] = "deleted" }),
			[]failure{{"Cannot delete image '1.0.0' of type 'X64Gen2' as it is already published.", "invalidResource"}}},
		{"a published version left out", nil, "", edit(func(tc map[string]any) { tc["vmImageVersions"] = versionsOf(tc)[:1] }),
			[]failure{{"Image version '1.0.0' of plan 'contoso-gen2' is published and cannot be removed from the technical configuration: " + simulator.PublishedRemoveText + ".", "invalidResource"}}},
		{"no versions at all", nil, "", edit(func(tc map[string]any) { delete(tc, "vmImageVersions") }), []failure{
			{"Image version '0.9.0' of plan 'contoso-gen2' is published and cannot be removed from the technical configuration: " + simulator.PublishedRemoveText + ".", "invalidResource"},
			{"Image version '1.0.0' of plan 'contoso-gen2' is published and cannot be removed from the technical configuration: " + simulator.PublishedRemoveText + ".", "invalidResource"},
		}},
		{"a published deprecation schedule changed", nil, "", edit(func(tc map[string]any) {
			delete(versionsOf(tc)[0].(map[string]any)["deprecationSchedule"].(map[string]any), "dateOffset")
		}), []failure{{"The deprecation schedule for image '0.9.0' of type 'X64Gen2' is already published and can not be changed in draft.", "invalidResource"}}},
		{"the SKUs of a published plan changed", nil, "", edit(func(tc map[string]any) {
			tc["skus"].([]any)[0].(map[string]any)["skuId"] = "contoso-gen2-renamed"
		}), []failure{{simulator.LockedSKUText + ".", "businessValidationError"}}},
		{"an image type without a SKU", nil, "", func(tc map[string]any) map[string]any {
			v := galleryVersion("1.1.0", simulator.GalleryVersionGen1)
			v["vmImages"].([]any)[0].(map[string]any)["imageType"] = "x64Gen1"
			return appendVersion(tc, v)
		}, []failure{{"Image type 'x64Gen1' of image '1.1.0' has no SKU in plan 'contoso-gen2'.", "businessValidationError"}}},
		{"a plan reusing another's configuration", nil, simulator.PlanReuseTechConfigID, func(tc map[string]any) map[string]any {
			return appendVersion(tc, galleryVersion("1.1.0", simulator.GalleryVersionNew))
		}, []failure{{"Plan 'contoso-reuse' reuses the technical configuration of " + simulator.PlanGen2ID + ": its images are that plan's and cannot be set here.", "invalidState"}}},
		{"an unknown plan", nil, "", edit(func(tc map[string]any) {
			delete(tc, "id")
			tc["plan"] = map[string]any{"externalId": "contoso-nope"}
		}), []failure{{"The plan 'contoso-nope' was not found in product " + simulator.ProductID + ".", "resourceNotFound"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newGraph(t, "publish", append(tc.opts, simulator.WithIngestionIdle())...)
			id := tc.id
			if id == "" {
				id = simulator.PlanGen2TechConfigID
			}
			before := c.sim.TechnicalConfiguration("draft", simulator.PlanGen2)
			job := c.post(configureDoc(t, tc.make(sendable(c.draftTechConfig(id)))))
			polls, j := c.finish(job)
			if j["jobResult"] != "failed" || polls != simulator.RejectedAt+1 {
				t.Fatalf("job %v after %d polls, want failed at tick %d", j, polls, simulator.RejectedAt)
			}
			errs := j["errors"].([]any)
			if len(errs) != len(tc.want) {
				t.Fatalf("errors %v, want %v", errs, tc.want)
			}
			for i, w := range tc.want {
				e := errs[i].(map[string]any)
				d := e["details"].([]any)[0].(map[string]any)
				if e["code"] != "badRequest" || e["message"] != w.message || d["code"] != w.detail ||
					d["message"] != "Failure for resource: virtual-machine-plan-technical-configuration-0" || (e["resourceId"] != id && tc.name != "an unknown plan") {
					t.Errorf("error %d: %v, want %q (%s) on %s", i, e, w.message, w.detail, id)
				}
			}
			if after := c.sim.TechnicalConfiguration("draft", simulator.PlanGen2); !bytes.Equal(before, after) {
				t.Errorf("a refused job changed the draft:\n%s\n%s", before, after)
			}
			if code, d := c.get("/configure/" + job); code != http.StatusOK || len(d["resources"].([]any)) != 0 {
				t.Errorf("detail of a refused job: HTTP %d %v", code, d)
			}
		})
	}
}

func TestTechnicalConfigurationSchema(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(v map[string]any)
		wants string // in the detail's message
	}{
		{"a bad version number", func(v map[string]any) { v["versionNumber"] = "1.1" }, `vmImageVersions[2].versionNumber: "1.1" does not match`},
		{"a version number too long", func(v map[string]any) { v["versionNumber"] = "1." + strings.Repeat("0", 30) + ".0" }, "at most 32 characters"},
		{"a version listed twice", func(v map[string]any) { v["versionNumber"] = simulator.PublishedVersion }, "vmImageVersions[2].versionNumber: 1.0.0 is listed more than once"},
		{"an unknown lifecycle state", func(v map[string]any) { v["lifecycleState"] = "retired" }, "lifecycleState: retired is not one of"},
		{"no images", func(v map[string]any) { v["vmImages"] = []any{} }, "vmImages: 1 to 2 items required"},
		{"an unknown image type", func(v map[string]any) { v["vmImages"].([]any)[0].(map[string]any)["imageType"] = "x86Gen2" }, "imageType: x86Gen2 is not one of"},
		{"both sources", func(v map[string]any) {
			v["vmImages"].([]any)[0].(map[string]any)["source"].(map[string]any)["osDisk"] = map[string]any{"uri": simulator.DualGen2SAS}
		}, "source.osDisk: not allowed with sourceType sharedImageGallery"},
		{"a gallery source without tenant", func(v map[string]any) {
			delete(v["vmImages"].([]any)[0].(map[string]any)["source"].(map[string]any)["sharedImage"].(map[string]any), "tenantId")
		}, "source.sharedImage.tenantId: required"},
		{"a SAS source without OS disk", func(v map[string]any) {
			v["vmImages"].([]any)[0].(map[string]any)["source"] = map[string]any{"sourceType": "sasUri", "dataDisks": []any{}}
		}, "source.osDisk.uri: required"},
		{"a LUN out of range", func(v map[string]any) {
			v["vmImages"].([]any)[0].(map[string]any)["source"] = map[string]any{"sourceType": "sasUri", "osDisk": map[string]any{"uri": simulator.DualGen2SAS},
				"dataDisks": []any{map[string]any{"lunNumber": 16, "uri": simulator.DualGen1DataSAS}}}
		}, "dataDisks[0].lunNumber: 16 is not a free LUN from 0 to 15"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newGraph(t, "publish", simulator.WithIngestionIdle())
			v := galleryVersion(simulator.NewVersion, simulator.GalleryVersionNew)
			tc.edit(v)
			_, j := c.finish(c.post(configureDoc(t, appendVersion(sendable(c.draftTechConfig(simulator.PlanGen2TechConfigID)), v))))
			errs := j["errors"].([]any)
			e := errs[0].(map[string]any)
			d := e["details"].([]any)[0].(map[string]any)
			if j["jobResult"] != "failed" || len(errs) != 1 || e["message"] != simulator.SchemaFailedText || e["resourceId"] != simulator.PlanGen2TechConfigID ||
				d["code"] != "schemaValidationError" || !strings.HasPrefix(d["message"].(string), "Schema validation failed for schema "+currentSchema) ||
				!strings.Contains(d["message"].(string), tc.wants) {
				t.Errorf("job %v, want a schema failure saying %q", j, tc.wants)
			}
		})
	}
}

func TestTechnicalConfigurationAccepted(t *testing.T) {
	sasVersion := func(n string) map[string]any {
		img := func(typ, os string, data ...any) map[string]any {
			return map[string]any{"imageType": typ, "source": map[string]any{"sourceType": "sasUri", "osDisk": map[string]any{"uri": os}, "dataDisks": data}}
		}
		return map[string]any{"versionNumber": n, "vmImages": []any{
			img("x64Gen1", strings.Replace(simulator.DualGen1SAS, "1.0.0", n, 1), map[string]any{"lunNumber": 0, "uri": simulator.DualGen1DataSAS}),
			img("x64Gen2", strings.Replace(simulator.DualGen2SAS, "1.0.0", n, 1)),
		}}
	}
	for _, tc := range []struct {
		name, id, plan string
		opts           []simulator.Option
		edit           func(tc map[string]any) map[string]any
		check          func(t *testing.T, vs []simulator.ImageVersion)
	}{
		{"a published gallery id in another case", simulator.PlanGen2TechConfigID, simulator.PlanGen2, nil, func(tc map[string]any) map[string]any {
			shared := tc["vmImageVersions"].([]any)[1].(map[string]any)["vmImages"].([]any)[0].(map[string]any)["source"].(map[string]any)["sharedImage"].(map[string]any)
			shared["resourceId"] = strings.ToLower(shared["resourceId"].(string))
			return appendVersion(tc, galleryVersion(simulator.NewVersion, simulator.GalleryVersionNew))
		}, func(t *testing.T, vs []simulator.ImageVersion) {
			if !hasVersion(vs, simulator.NewVersion) {
				t.Errorf("versions %+v", vs)
			}
		}},
		{"one new image per type in a two-SKU plan", simulator.PlanDualTechConfigID, simulator.PlanDual, nil, func(tc map[string]any) map[string]any {
			return appendVersion(tc, sasVersion(simulator.NewVersion))
		}, func(t *testing.T, vs []simulator.ImageVersion) {
			if len(vs) != 2 || vs[1].Number != simulator.NewVersion || len(vs[1].Images) != 2 || len(vs[1].Images[0].DataDisks) != 1 {
				t.Errorf("versions %+v", vs)
			}
		}},
		{"an unpublished draft version deleted", simulator.PlanGen2TechConfigID, simulator.PlanGen2, []simulator.Option{simulator.WithImageVersion("draft", simulator.PlanGen2,
			simulator.ImageVersion{Number: "1.0.1", Images: []simulator.Image{{Type: "x64Gen2", Gallery: simulator.GalleryVersionNew}}})},
			func(tc map[string]any) map[string]any {
				tc["vmImageVersions"].([]any)[2].(map[string]any)["lifecycleState"] = "deleted"
				return appendVersion(tc, galleryVersion("1.2.0", simulator.GalleryVersionCreating))
			}, func(t *testing.T, vs []simulator.ImageVersion) {
				if len(vs) != 4 || vs[2].LifecycleState != "deleted" || vs[3].Number != "1.2.0" {
					t.Errorf("versions %+v", vs)
				}
			}},
		{"a published version deprecated", simulator.PlanGen2TechConfigID, simulator.PlanGen2, nil, func(tc map[string]any) map[string]any {
			tc["vmImageVersions"].([]any)[1].(map[string]any)["lifecycleState"] = "deprecated"
			return tc
		}, func(t *testing.T, vs []simulator.ImageVersion) {
			if vs[1].LifecycleState != "deprecated" {
				t.Errorf("versions %+v", vs)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newGraph(t, "publish", append(tc.opts, simulator.WithIngestionIdle())...)
			_, j := c.finish(c.post(configureDoc(t, tc.edit(sendable(c.draftTechConfig(tc.id))))))
			if j["jobResult"] != "succeeded" {
				t.Fatalf("job %v", j)
			}
			tc.check(t, c.sim.Versions("draft", tc.plan))
		})
	}
}

// TestPublishWithTheImage: the technical configuration and the draft
// submission to preview in one job; the preview tree holds the version
// once the publish went through certification, then go-live makes it live.
func TestPublishWithTheImage(t *testing.T) {
	c := newGraph(t, "publish", simulator.WithIngestionIdle())
	tc := appendVersion(sendable(c.draftTechConfig(simulator.PlanGen2TechConfigID)), galleryVersion(simulator.NewVersion, simulator.GalleryVersionNew))
	job := c.post(configureDoc(t, tc, draftToPreview()))
	sub := c.sim.SubmissionOf(job)
	if !subRE.MatchString(sub) || !hasVersion(c.sim.Versions("draft", simulator.PlanGen2), simulator.NewVersion) {
		t.Fatalf("submission %q; draft %+v", sub, c.sim.Versions("draft", simulator.PlanGen2))
	}
	for tick := 0; tick < simulator.JobCompletesAt; tick++ {
		if _, j := c.get("/configure/" + job + "/status"); j["jobStatus"] == "completed" {
			t.Fatalf("tick %d: %v", tick, j)
		}
		if hasVersion(c.sim.Versions("preview", simulator.PlanGen2), simulator.NewVersion) {
			t.Fatalf("tick %d: preview holds the version before the publish went through", tick)
		}
	}
	if _, j := c.get("/configure/" + job + "/status"); j["jobResult"] != "succeeded" {
		t.Fatalf("job %v", j)
	}
	preview, _ := c.tree("preview")
	if s := resource(preview, sub); s == nil || s["target"].(map[string]any)["targetType"] != "preview" || resource(preview, simulator.HistoryPreviewID) != nil {
		t.Errorf("preview tree's submission: %v", preview["resources"])
	}
	if !hasVersion(c.sim.Versions("preview", simulator.PlanGen2), simulator.NewVersion) || hasVersion(c.sim.Versions("live", simulator.PlanGen2), simulator.NewVersion) {
		t.Errorf("preview %+v, live %+v", c.sim.Versions("preview", simulator.PlanGen2), c.sim.Versions("live", simulator.PlanGen2))
	}
	if _, listed := c.list()[sub]; !listed {
		t.Errorf("the publish's submission is not listed")
	}
	code, d := c.get("/configure/" + job)
	var ids []string
	for _, r := range d["resources"].([]any) {
		ids = append(ids, r.(map[string]any)["id"].(string))
	}
	if code != http.StatusOK || !slices.Equal(ids, []string{simulator.PlanGen2TechConfigID, sub}) {
		t.Errorf("detail: HTTP %d %v", code, ids)
	}

	// Go live: the preview submission to live.
	live := draftToPreview()
	live["id"], live["target"] = sub, map[string]any{"targetType": "live"}
	_, j := c.finish(c.post(configureDoc(t, live)))
	if j["jobResult"] != "succeeded" || !hasVersion(c.sim.Versions("live", simulator.PlanGen2), simulator.NewVersion) {
		t.Errorf("go-live %v; live %+v", j, c.sim.Versions("live", simulator.PlanGen2))
	}
}

func TestPublishWithTheImageNotThrough(t *testing.T) {
	valid := func(c *graphClient) map[string]any {
		return appendVersion(sendable(c.draftTechConfig(simulator.PlanGen2TechConfigID)), galleryVersion(simulator.NewVersion, simulator.GalleryVersionNew))
	}
	for _, tc := range []struct {
		name, scenario string
		opts           []simulator.Option
		tc             func(c *graphClient) map[string]any
		submission     bool
		draft          bool // the draft holds the version after
	}{
		{"refused: no submission", "publish", nil, func(c *graphClient) map[string]any {
			return appendVersion(valid(c), galleryVersion("1.2.0", simulator.GalleryVersionCreating))
		}, false, false},
		{"certification fails", "failed", nil, valid, true, true},
		{"the scenario refuses the publish", "rejected", nil, valid, false, false},
		{"the service drops it", "publish", []simulator.Option{simulator.WithTechnicalConfigurationDropped()}, valid, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newGraph(t, tc.scenario, append(tc.opts, simulator.WithIngestionIdle())...)
			job := c.post(configureDoc(t, tc.tc(c), draftToPreview()))
			sub := c.sim.SubmissionOf(job)
			_, j := c.finish(job)
			if (sub != "") != tc.submission {
				t.Errorf("submission %q, want one: %v", sub, tc.submission)
			}
			if got := hasVersion(c.sim.Versions("draft", simulator.PlanGen2), simulator.NewVersion); got != tc.draft {
				t.Errorf("draft holds the version: %v, want %v (job %v)", got, tc.draft, j)
			}
			wantPreview := tc.name == "the service drops it" // a publish that succeeds lands the draft as it is
			if hasVersion(c.sim.Versions("preview", simulator.PlanGen2), simulator.NewVersion) || j["jobResult"] == "succeeded" != wantPreview {
				t.Errorf("job %v; preview %+v", j, c.sim.Versions("preview", simulator.PlanGen2))
			}
		})
	}
}

// TestPublishShipsTheWholeDraft: the publish in flight from the start lands
// the draft as it was, someone else's edit included.
func TestPublishShipsTheWholeDraft(t *testing.T) {
	c := newGraph(t, "publish", simulator.WithDraftChanges())
	c.finish(simulator.JobID)
	preview, _ := c.tree("preview")
	if resource(preview, simulator.ListingID)["title"] != simulator.DraftListingTitle || resource(preview, simulator.InFlightSubmissionID) == nil {
		t.Errorf("preview after the publish: %v", preview["resources"])
	}
	live, _ := c.tree("live")
	if resource(live, simulator.ListingID)["title"] != "Contoso VM" {
		t.Errorf("live changed")
	}
}

func TestConfigureBodiesKeepWhatWasSent(t *testing.T) {
	c := newGraph(t, "publish", simulator.WithIngestionIdle())
	docs := []string{`{"$schema": `, publishDoc, listingDoc}
	for _, d := range docs {
		c.raw("POST", "/configure", d)
	}
	got := c.sim.ConfigureBodies()
	var want [][]byte
	for _, d := range docs {
		want = append(want, []byte(d))
	}
	if !slices.EqualFunc(got, want, bytes.Equal) {
		t.Errorf("bodies %q", got)
	}
	var v any
	if err := json.Unmarshal(got[1], &v); err != nil {
		t.Error(err)
	}
}
