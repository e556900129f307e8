package main_test

// Releasing a VM image version (issue 17) through the built binary, on
// product-ingestion: the checks before anything is sent, the one configure
// job, the plan read back, and the SAS signatures masked.

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/runnertest"
	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// imageInputs are a release workflow's inputs: start: publish of a new
// gallery image version to PlanGen2, with the publisher id for the URNs.
func imageInputs(url string, extra map[string]string) map[string]string {
	in := ingestionInputs(url, map[string]string{
		"start": "publish", "external-id": simulator.Offer, "plan-id": simulator.PlanGen2,
		"gallery-image-version-id": simulator.GalleryVersionNew, "arm-url": url, "publisher-id": simulator.Publisher,
		// action.yml's defaults, as the runner passes them.
		"if-version-exists": "skip-if-identical", "allow-draft-changes": "false", "dry-run": "false",
	})
	for k, v := range extra {
		if v == "" {
			delete(in, k)
			continue
		}
		in[k] = v
	}
	return in
}

// changes counts the requests that change something: every POST but
// sign-in, and every PUT.
func changes(sim *simulator.Server) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Method == "PUT" || r.Method == "POST" && !strings.Contains(r.Path, "/oauth2/") {
			n++
		}
	}
	return n
}

// configureResources are the resources of the n-th configure document the
// simulator received, by kind ("submission", "virtual-machine-plan-technical-configuration", …).
func configureResources(t *testing.T, sim *simulator.Server, n int) []map[string]any {
	t.Helper()
	bodies := sim.ConfigureBodies()
	if len(bodies) <= n {
		t.Fatalf("%d configure documents received; want at least %d", len(bodies), n+1)
	}
	var doc struct {
		Resources []map[string]any `json:"resources"`
	}
	if err := json.Unmarshal(bodies[n], &doc); err != nil {
		t.Fatalf("configure document %s: %v", bodies[n], err)
	}
	return doc.Resources
}

func kindOf(r map[string]any) string {
	s, _ := r["$schema"].(string)
	_, rest, _ := strings.Cut(s, "/schema/")
	k, _, _ := strings.Cut(rest, "/")
	return k
}

func hasVersion(sim *simulator.Server, target, plan, version string) bool {
	return slices.ContainsFunc(sim.Versions(target, plan), func(v simulator.ImageVersion) bool { return v.Number == version })
}

// notices are the ::notice annotations of a run.
func notices(stdout string) []string {
	var out []string
	for _, c := range runnertest.Commands(stdout) {
		if c.Name == "notice" {
			out = append(out, c.Message)
		}
	}
	return out
}

// TestBinaryImagePublishGallery: start: publish with a gallery source sends
// exactly one configure job holding the plan's technical configuration with
// the new version and the draft submission to preview, follows it through
// to preview, reads the plan back and sets the image outputs.
func TestBinaryImagePublishGallery(t *testing.T) {
	sim, url := startSim(t, "publish", simulator.WithIdle())
	r := runAction(t, imageInputs(url, nil), false)
	if r.code != 0 || r.outputs["status"] != "completed" {
		t.Fatalf("exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
	}
	if n := changes(sim); n != 1 || sim.Count("POST", "/configure") != 1 {
		t.Fatalf("%d requests that change something; want one configure POST", n)
	}
	res := configureResources(t, sim, 0)
	kinds := []string{}
	for _, r := range res {
		kinds = append(kinds, kindOf(r))
	}
	if len(res) != 2 || kinds[0] != "virtual-machine-plan-technical-configuration" || kinds[1] != "submission" {
		t.Fatalf("configure resources %v; want the technical configuration and the submission", kinds)
	}
	if target, _ := res[1]["target"].(map[string]any); target["targetType"] != "preview" || res[1]["id"] != simulator.DraftSubmissionID {
		t.Errorf("submission %v; want the draft submission to preview", res[1])
	}
	want := map[string]string{"image-version": simulator.NewVersion, "sku-ids": `["` + simulator.SKUGen2 + `"]`,
		"image-urns": `["` + simulator.Publisher + ":" + simulator.Offer + ":" + simulator.SKUGen2 + ":" + simulator.NewVersion + `"]`}
	for k, v := range want {
		if r.outputs[k] != v {
			t.Errorf("output %s = %q; want %q", k, r.outputs[k], v)
		}
	}
	if jobs := sim.Jobs(); len(jobs) != 1 || r.outputs["operation-id"] != jobs[0] || r.outputs["submission-id"] != sim.SubmissionOf(jobs[0]) {
		t.Errorf("jobs %v, outputs %v; want the job followed and its submission named", jobs, r.outputs)
	}
	if !strings.Contains(r.stdout, "Read back: version 1.1.0 is in plan contoso-gen2") || !hasVersion(sim, "preview", simulator.PlanGen2, simulator.NewVersion) {
		t.Errorf("the plan was not read back, or the version is not in preview:\n%s", r.stdout)
	}
	if !strings.Contains(r.outputs["results"], `"image-version":"1.1.0"`) || !strings.Contains(r.summary, "image version `1.1.0`") || !strings.Contains(r.summary, "contoso:contoso-vm:contoso-gen2:1.1.0") {
		t.Errorf("results or summary lack the image facts:\n%s\n%s", r.outputs["results"], r.summary)
	}
	assertNoSecrets(t, r)
}

// TestBinaryImageAddImage: start: add-image sends the technical
// configuration alone, to the draft: one POST, no submission, nothing
// published.
func TestBinaryImageAddImage(t *testing.T) {
	sim, url := startSim(t, "publish", simulator.WithIdle())
	r := runAction(t, imageInputs(url, map[string]string{"start": "add-image", "allow-draft-changes": ""}), false)
	if r.code != 0 || r.outputs["status"] != "completed" || r.outputs["image-version"] != simulator.NewVersion {
		t.Fatalf("exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
	}
	res := configureResources(t, sim, 0)
	if changes(sim) != 1 || len(res) != 1 || kindOf(res[0]) != "virtual-machine-plan-technical-configuration" {
		t.Fatalf("%d changes, resources %v; want one POST of the technical configuration alone", changes(sim), res)
	}
	if !hasVersion(sim, "draft", simulator.PlanGen2, simulator.NewVersion) || hasVersion(sim, "preview", simulator.PlanGen2, simulator.NewVersion) {
		t.Error("the version should be in the draft only")
	}
	if r.outputs["submission-id"] != "" {
		t.Errorf("submission-id %q; a technical configuration makes none", r.outputs["submission-id"])
	}

	// Run again: the version is in the draft with this image; nothing is sent.
	r = runAction(t, imageInputs(url, map[string]string{"start": "add-image", "allow-draft-changes": ""}), false)
	if r.code != 0 || r.outputs["status"] != "completed" || changes(sim) != 1 || len(notices(r.stdout)) != 1 || !strings.Contains(notices(r.stdout)[0], "already in the draft") {
		t.Fatalf("again: exit %d, %d changes, notices %q\n%s", r.code, changes(sim), notices(r.stdout), r.stdout)
	}

	// Then start: publish: the draft holds the version; the draft submission
	// alone goes to preview, and the version is read back there.
	r = runAction(t, imageInputs(url, nil), false)
	res = configureResources(t, sim, 1)
	if r.code != 0 || r.outputs["status"] != "completed" || changes(sim) != 2 || len(res) != 1 || kindOf(res[0]) != "submission" {
		t.Fatalf("publish: exit %d, %d changes, resources %v\n%s", r.code, changes(sim), res, r.stdout)
	}
	if !hasVersion(sim, "preview", simulator.PlanGen2, simulator.NewVersion) || !strings.Contains(r.stdout, "Read back") {
		t.Errorf("publish: the version is not in preview, or not read back:\n%s", r.stdout)
	}
}

// TestBinaryImageAccessToken: with access-token the gate has no token for
// Azure Resource Manager: the gallery check is skipped with a warning, and
// the release goes on.
func TestBinaryImageAccessToken(t *testing.T) {
	sim, url := startSim(t, "publish", simulator.WithIdle())
	in := imageInputs(url, map[string]string{"client-id": "", "client-secret": "", "tenant-id": "",
		"access-token": sim.AuthorizeFor(simulator.GraphResource), "gallery-tenant-id": simulator.Tenant})
	r := runAction(t, in, false)
	if r.code != 0 || r.outputs["status"] != "completed" || changes(sim) != 1 || sim.Count("GET", "/subscriptions/") != 0 {
		t.Fatalf("exit %d, %d changes, %d ARM requests, outputs %v\n%s", r.code, changes(sim), sim.Count("GET", "/subscriptions/"), r.outputs, r.stdout)
	}
	warned := false
	for _, c := range runnertest.Commands(r.stdout) {
		warned = warned || c.Name == "warning" && strings.Contains(c.Message, "was not checked: with access-token")
	}
	if !warned {
		t.Errorf("no warning that the gallery check was skipped:\n%s", r.stdout)
	}
}

// TestBinaryImageRefusals: what must not be sent is refused before any
// request that changes something, saying what to do; a version already
// published with the same image ends completed with a notice.
func TestBinaryImageRefusals(t *testing.T) {
	dualSAS := simulator.SASURI("contoso-dual-1.1.0.vhd", time.Now())
	for _, tc := range []struct {
		name   string
		inputs map[string]string
		sim    []simulator.Option
		status string
		says   []string
	}{
		{name: "already live, same image", inputs: map[string]string{"gallery-image-version-id": simulator.GalleryVersionPublished},
			status: "completed", says: []string{"already published to live with this image"}},
		{name: "already live, another image", inputs: map[string]string{"image-version": simulator.PublishedVersion},
			status: "error", says: []string{"version 1.0.0 already exists in live with a different image", "choose a new version"}},
		{name: "if-version-exists fail", inputs: map[string]string{"gallery-image-version-id": simulator.GalleryVersionPublished, "if-version-exists": "fail"},
			status: "error", says: []string{"if-version-exists is fail"}},
		{name: "another unpublished version for the type", sim: []simulator.Option{simulator.WithImageVersion("draft", simulator.PlanGen2,
			simulator.ImageVersion{Number: "1.0.5", Images: []simulator.Image{{Type: "x64Gen2", Gallery: simulator.GalleryImageGen2 + "/versions/1.0.5"}}})},
			status: "error", says: []string{"already holds version 1.0.5 for x64Gen2", "one new image per image type"}},
		{name: "draft changes", sim: []simulator.Option{simulator.WithDraftChanges()},
			status: "error", says: []string{"unpublished changes outside the technical configuration of plan contoso-gen2", simulator.ListingID, "allow-draft-changes: true"}},
		{name: "base plan", inputs: map[string]string{"plan-id": simulator.PlanReuse},
			status: "error", says: []string{"reuses the technical configuration of plan contoso-gen2", "publish the image to plan contoso-gen2 instead"}},
		{name: "two SKUs without image-types", inputs: map[string]string{"plan-id": simulator.PlanDual, "gallery-image-version-id": "", "os-disk-sas-uri": dualSAS, "image-version": simulator.NewVersion},
			status: "error", says: []string{"plan contoso-dual has 2 SKUs", simulator.SKUDualGen2, simulator.SKUDualGen1, "image-types"}},
		{name: "an unknown plan", inputs: map[string]string{"plan-id": "contoso-nope"},
			status: "error", says: []string{"plan-id contoso-nope is not a plan of offer contoso-vm", simulator.PlanGen2, simulator.PlanDual}},
		{name: "gallery version Creating", inputs: map[string]string{"gallery-image-version-id": simulator.GalleryVersionCreating},
			status: "error", says: []string{"is Creating, not Succeeded"}},
		{name: "gallery Gen1 for a Gen2 plan", inputs: map[string]string{"gallery-image-version-id": simulator.GalleryVersionGen1},
			status: "error", says: []string{"is Gen1 but image type x64Gen2 was requested"}},
		{name: "a SAS that expires too soon", inputs: map[string]string{"gallery-image-version-id": "", "os-disk-sas-uri": simulator.SASURI("contoso-vm-1.1.0.vhd", time.Now().Add(-20*24*time.Hour)), "image-version": simulator.NewVersion},
			status: "error", says: []string{"os-disk-sas-uri"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, url := startSim(t, "publish", append([]simulator.Option{simulator.WithIdle()}, tc.sim...)...)
			r := runAction(t, imageInputs(url, tc.inputs), false)
			if r.outputs["status"] != tc.status || (r.code == 0) != (tc.status == "completed") {
				t.Fatalf("exit %d status %q; want %s\n%s", r.code, r.outputs["status"], tc.status, r.stdout)
			}
			for _, s := range tc.says {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("the log does not say %q:\n%s", s, r.stdout)
				}
			}
			if n := changes(sim); n != 0 {
				t.Errorf("%d requests that change something; want none", n)
			}
			if tc.status == "completed" {
				if ns := notices(r.stdout); len(ns) != 1 || !strings.Contains(ns[0], "live") {
					t.Errorf("notices %q; want one naming live", ns)
				}
				if r.outputs["image-version"] != simulator.PublishedVersion || r.outputs["sku-ids"] != `["contoso-gen2"]` {
					t.Errorf("outputs %v; want the version found", r.outputs)
				}
			}
			assertNoSecrets(t, r)
		})
	}
}

// TestBinaryImageDraftChangesAllowed: allow-draft-changes: true publishes
// the draft with someone else's edit, saying so.
func TestBinaryImageDraftChangesAllowed(t *testing.T) {
	sim, url := startSim(t, "publish", simulator.WithIdle(), simulator.WithDraftChanges())
	r := runAction(t, imageInputs(url, map[string]string{"allow-draft-changes": "true"}), false)
	if r.code != 0 || r.outputs["status"] != "completed" || changes(sim) != 1 || !strings.Contains(r.stdout, simulator.ListingID) {
		t.Fatalf("exit %d, %d changes, outputs %v\n%s", r.code, changes(sim), r.outputs, r.stdout)
	}
}

// TestBinaryImageARMForbidden: ARM refuses the app (403): the gallery check
// is skipped with a warning naming the role, and the release goes on.
func TestBinaryImageARMForbidden(t *testing.T) {
	sim, url := startSim(t, "publish", simulator.WithIdle(), simulator.WithARMForbidden())
	r := runAction(t, imageInputs(url, nil), false)
	if r.code != 0 || r.outputs["status"] != "completed" || changes(sim) != 1 {
		t.Fatalf("exit %d, %d changes, outputs %v\n%s", r.code, changes(sim), r.outputs, r.stdout)
	}
	warned := false
	for _, c := range runnertest.Commands(r.stdout) {
		if c.Name == "warning" && strings.Contains(c.Message, "was not checked") && strings.Contains(c.Message, "Reader") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning that the gallery check was skipped:\n%s", r.stdout)
	}
}

// TestBinaryImageJobLies: the configure job succeeds but the plan does not
// hold the version: status error, saying so.
func TestBinaryImageJobLies(t *testing.T) {
	sim, url := startSim(t, "publish", simulator.WithIdle(), simulator.WithTechnicalConfigurationDropped())
	r := runAction(t, imageInputs(url, nil), false)
	if r.code != 1 || r.outputs["status"] != "error" || !strings.Contains(r.stdout, "the configure job succeeded but version 1.1.0 is not in plan contoso-gen2") {
		t.Fatalf("exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
	}
	if changes(sim) != 1 || r.outputs["image-version"] != simulator.NewVersion || r.outputs["operation-id"] == "" {
		t.Errorf("%d changes, outputs %v; want one, and the image and job named", changes(sim), r.outputs)
	}
}

// sigForms are a SAS URI's signature as written and decoded.
func sigForms(t *testing.T, uri string) []string {
	t.Helper()
	_, q, _ := strings.Cut(uri, "?")
	vals, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	_, raw, _ := strings.Cut(q, "sig=")
	raw, _, _ = strings.Cut(raw, "&")
	return []string{raw, vals.Get("sig")}
}

// TestBinaryImageDryRunAndSecrets: a dry run with a SAS source runs every
// check, sends nothing, and prints the document it would send with every
// SAS query redacted; every SAS signature — given, or read from the trees —
// is masked, and shows nowhere else.
func TestBinaryImageDryRunAndSecrets(t *testing.T) {
	sas := simulator.SASURI("contoso-vm-1.1.0-gen2.vhd", time.Now())
	data := simulator.SASURI("contoso-vm-1.1.0-gen2-lun0.vhd", time.Now())
	sim, url := startSim(t, "publish", simulator.WithIdle())
	r := runAction(t, imageInputs(url, map[string]string{"dry-run": "true", "gallery-image-version-id": "", "os-disk-sas-uri": sas, "data-disk-sas-uris": data, "image-version": simulator.NewVersion}), false)
	if r.code != 0 || r.outputs["status"] != "dry-run" || changes(sim) != 0 {
		t.Fatalf("exit %d, %d changes, outputs %v\n%s", r.code, changes(sim), r.outputs, r.stdout)
	}
	if !strings.Contains(r.stdout, `"vmImageVersions"`) || !strings.Contains(r.stdout, "contoso-vm-1.1.0-gen2.vhd?REDACTED") {
		t.Errorf("the document is not printed:\n%s", r.stdout)
	}
	if strings.Contains(strings.ToLower(r.stdout+r.summary+strings.Join(mapValues(r.outputs), "\n")), "sig=") {
		t.Errorf("a SAS query string is shown:\n%s", r.stdout)
	}
	secrets := append(sigForms(t, sas), sigForms(t, data)...)
	for _, s := range []string{simulator.DualGen2SAS, simulator.DualGen1SAS, simulator.DualGen1DataSAS} {
		secrets = append(secrets, sigForms(t, s)...)
	}
	masked := map[string]bool{}
	for _, c := range runnertest.Commands(r.stdout) {
		if c.Name == "add-mask" {
			masked[c.Message] = true
		}
	}
	for _, s := range secrets {
		if !masked[s] {
			t.Errorf("signature %q is not masked", s)
		}
	}
	assertNoLeak(t, r, secrets...)
	assertNoSecrets(t, r)
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestBinaryImageSendsOnce: a configure whose answer is lost is never sent
// again: a publish is followed by the submission it makes and read back; an
// add-image, which makes none, ends in error saying a new run is safe, and
// the new run finds the version in the draft and sends nothing.
func TestBinaryImageSendsOnce(t *testing.T) {
	sim, url := startSim(t, "publish", simulator.WithIdle(), simulator.WithDropAfterStart())
	r := runAction(t, imageInputs(url, nil), false)
	if r.code != 0 || r.outputs["status"] != "completed" || changes(sim) != 1 || r.outputs["image-version"] != simulator.NewVersion {
		t.Fatalf("publish: exit %d, %d changes, outputs %v\n%s", r.code, changes(sim), r.outputs, r.stdout)
	}
	if !strings.Contains(r.stdout, "Read back: version 1.1.0") {
		t.Errorf("publish: not read back:\n%s", r.stdout)
	}

	sim, url = startSim(t, "publish", simulator.WithIdle(), simulator.WithDropAfterStart())
	in := imageInputs(url, map[string]string{"start": "add-image", "allow-draft-changes": ""})
	r = runAction(t, in, false)
	if r.code != 1 || r.outputs["status"] != "error" || changes(sim) != 1 || !strings.Contains(r.stdout, "running this step again is safe") {
		t.Fatalf("add-image: exit %d, %d changes, outputs %v\n%s", r.code, changes(sim), r.outputs, r.stdout)
	}
	r = runAction(t, in, false)
	if r.code != 0 || r.outputs["status"] != "completed" || changes(sim) != 1 {
		t.Fatalf("add-image again: exit %d, %d changes, outputs %v\n%s", r.code, changes(sim), r.outputs, r.stdout)
	}
}

// cppImageInputs are a CPP release workflow's inputs: start: publish of a
// new SAS image version to the offer's plan PlanGen2.
func cppImageInputs(url string, extra map[string]string) map[string]string {
	in := startInputs(url, map[string]string{"plan-id": simulator.PlanGen2, "image-version": simulator.NewVersion,
		"os-disk-sas-uri": simulator.SASURI("contoso-vm-1.1.0-gen2.vhd", time.Now()), "if-version-exists": "skip-if-identical", "dry-run": "false"})
	for k, v := range extra {
		if v == "" {
			delete(in, k)
			continue
		}
		in[k] = v
	}
	return in
}

// TestBinaryImageCPP: on CPP the offer goes back with the version and
// If-Match: the ETag read, once, then the publish is sent and followed to
// sign-off; start: add-image stops after the PUT, completed with a notice.
// A gallery source is refused at validation.
func TestBinaryImageCPP(t *testing.T) {
	sim, url := startSim(t, "publish", simulator.WithIdle())
	etag := sim.OfferETag(simulator.Offer)
	in := cppImageInputs(url, nil)
	r := runAction(t, in, false)
	if r.code != 0 || r.outputs["status"] != "awaiting-signoff" || r.outputs["image-version"] != simulator.NewVersion || r.outputs["sku-ids"] != `["`+simulator.PlanGen2+`"]` {
		t.Fatalf("exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
	}
	puts := sim.OfferPuts()
	if len(puts) != 1 || puts[0].IfMatch == "" || puts[0].IfMatch == "*" || (etag != "" && puts[0].IfMatch != etag) || sim.Count("POST", "/offers/contoso-vm/publish") != 1 || changes(sim) != 2 {
		t.Fatalf("puts %+v, %d changes; want one PUT with the ETag read, then one publish", puts, changes(sim))
	}
	if _, ok := sim.OfferImages(simulator.Offer, simulator.PlanGen2)[simulator.NewVersion]; !ok {
		t.Error("the version is not in the offer's plan")
	}
	assertNoLeak(t, r, sigForms(t, in["os-disk-sas-uri"])...)
	assertNoSecrets(t, r)

	sim, url = startSim(t, "publish", simulator.WithIdle())
	r = runAction(t, cppImageInputs(url, map[string]string{"start": "add-image", "notification-emails": ""}), false)
	if r.code != 0 || r.outputs["status"] != "completed" || len(sim.OfferPuts()) != 1 || changes(sim) != 1 || len(notices(r.stdout)) != 1 {
		t.Fatalf("add-image: exit %d, %d changes, notices %q\n%s", r.code, changes(sim), notices(r.stdout), r.stdout)
	}

	sim, url = startSim(t, "publish", simulator.WithIdle())
	r = runAction(t, cppImageInputs(url, map[string]string{"os-disk-sas-uri": "", "image-version": "", "gallery-image-version-id": simulator.GalleryVersionNew}), false)
	if r.code != 1 || r.outputs["status"] != "error" || !strings.Contains(r.stdout, "gallery-image-version-id is for api: product-ingestion") || len(sim.Requests()) != 0 {
		t.Fatalf("gallery on cpp: exit %d, %d requests\n%s", r.code, len(sim.Requests()), r.stdout)
	}
}

// TestBinaryDemoImage: demo image runs the release end to end on either API
// and ends with the image outputs.
func TestBinaryDemoImage(t *testing.T) {
	for _, tc := range []struct{ api, status string }{{"product-ingestion", "completed"}, {"cpp", "awaiting-signoff"}} {
		cmd := exec.Command(binary, "demo", "image", tc.api)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		out, err := cmd.CombinedOutput()
		for _, want := range []string{"status: " + tc.status, "image-version: " + simulator.NewVersion, `sku-ids: ["`, `image-urns: ["contoso:contoso-vm:`} {
			if err != nil || !strings.Contains(string(out), want) {
				t.Errorf("demo image %s: err %v, output lacks %q:\n%s", tc.api, err, want, out)
			}
		}
		if strings.Contains(strings.ToLower(string(out)), "sig=") {
			t.Errorf("demo image %s shows a SAS query:\n%s", tc.api, out)
		}
	}
}
