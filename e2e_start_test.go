package main_test

// Starting what the gate follows (input start), through the built binary.

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/runnertest"
	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// startInputs are a CPP workflow's inputs for start: publish on the offer.
func startInputs(url string, extra map[string]string) map[string]string {
	in := inputsFor(url)
	delete(in, "operation-id")
	in["start"], in["notification-emails"] = "publish", "release@contoso.com"
	for k, v := range extra {
		in[k] = v
	}
	return in
}

// posts counts the requests that change something (every POST but sign-in).
func posts(sim *simulator.Server) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Method == "POST" && !strings.Contains(r.Path, "/oauth2/") {
			n++
		}
	}
	return n
}

// TestBinaryStartCPP: start: publish sends one publish and follows its
// operation to sign-off; start: go-live, from there, sends one go-live and
// follows it until live (stop-at-signoff does not apply).
func TestBinaryStartCPP(t *testing.T) {
	sim, url := startSim(t, "publish", simulator.WithIdle())
	r := runAction(t, startInputs(url, nil), false)
	if r.code != 0 || r.outputs["status"] != "awaiting-signoff" || r.outputs["operation-id"] != sim.Operation(simulator.Offer) || r.outputs["operation-id"] == "" {
		t.Fatalf("publish: exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
	}
	if n := sim.Count("POST", "/offers/contoso-vm/publish"); n != 1 || r.outputs["started-at"] == "" {
		t.Errorf("%d publish requests, started-at %q; want one, and when", n, r.outputs["started-at"])
	}
	if !strings.Contains(r.stdout, "POST …/offers/contoso-vm/publish → accepted") {
		t.Errorf("the log does not say what was started:\n%s", r.stdout)
	}
	published := r.outputs["operation-id"]

	r = runAction(t, startInputs(url, map[string]string{"start": "go-live", "notification-emails": ""}), false)
	if r.code != 0 || r.outputs["status"] != "completed" || r.outputs["operation-id"] == published || !strings.Contains(r.outputs["live-links"], "contoso.contoso-vm") {
		t.Fatalf("go-live: exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
	}
	if n := sim.Count("POST", "/offers/contoso-vm/golive"); n != 1 {
		t.Errorf("%d go-live requests; want one", n)
	}
	assertNoSecrets(t, r)
}

// TestBinaryStartManyOffers: each offer is started once, all are gated at
// once, with one token.
func TestBinaryStartManyOffers(t *testing.T) {
	sim, url := startSim(t, "publish", simulator.WithIdle())
	r := runAction(t, startInputs(url, map[string]string{"offer-id": "contoso-vm\ncontoso-app"}), false)
	if r.code != 0 || r.outputs["status"] != "awaiting-signoff" {
		t.Fatalf("exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
	}
	for _, offer := range []string{"contoso-vm", "contoso-app"} {
		if n := sim.Count("POST", "/offers/"+offer+"/publish"); n != 1 || !strings.Contains(r.outputs["results"], sim.Operation(offer)) {
			t.Errorf("%s: %d publish requests, results %s; want one, and its operation", offer, n, r.outputs["results"])
		}
	}
	if n := sim.Count("POST", "/oauth2/token"); n != 1 {
		t.Errorf("%d token requests; want one for both", n)
	}
}

// TestBinaryStartIngestion: start: publish configures the draft submission
// to preview and follows that job (naming its submission); start: go-live
// then configures the preview submission to live; start: configure sends the
// workspace's document as it is.
func TestBinaryStartIngestion(t *testing.T) {
	sim, url := startSim(t, "publish", simulator.WithIdle())
	in := ingestionInputs(url, map[string]string{"external-id": simulator.Offer, "start": "publish"})
	r := runAction(t, in, false)
	if r.code != 0 || r.outputs["status"] != "completed" || r.outputs["submission-id"] == "" || r.outputs["started-at"] == "" {
		t.Fatalf("publish: exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
	}
	jobs := sim.Jobs()
	if len(jobs) != 1 || r.outputs["operation-id"] != jobs[0] || r.outputs["submission-id"] != sim.SubmissionOf(jobs[0]) || sim.Count("POST", "/configure") != 1 {
		t.Fatalf("publish: jobs %v, outputs %v", jobs, r.outputs)
	}

	in["start"] = "go-live"
	r = runAction(t, in, false)
	if r.code != 0 || r.outputs["status"] != "completed" || sim.Count("POST", "/configure") != 2 {
		t.Fatalf("go-live: exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
	}
	if !strings.Contains(r.stdout, "to live) → accepted") {
		t.Errorf("the go-live should configure the preview submission to live:\n%s", r.stdout)
	}

	workspace := t.TempDir()
	doc := `{"$schema":"https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2","resources":[{"$schema":"https://schema.mp.microsoft.com/schema/listing/2022-03-01-preview2","product":"product/` + simulator.ProductID + `","summary":"A VM"}]}`
	if err := os.WriteFile(filepath.Join(workspace, "listing.json"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	in = ingestionInputs(url, map[string]string{"start": "configure", "configure-file": "listing.json"})
	r = runAction(t, in, false, "GITHUB_WORKSPACE="+workspace)
	if r.code != 0 || r.outputs["status"] != "completed" || sim.Count("POST", "/configure") != 3 || r.outputs["offer-id"] != "listing.json" {
		t.Fatalf("configure: exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
	}
	assertNoSecrets(t, r)
}

// TestBinaryStartRefusedWhileBusy: one operation at a time. CPP answers the
// publish 409 (one POST); product-ingestion is checked first (no POST). The
// error names what runs and the two ways out; nothing is retried.
func TestBinaryStartRefusedWhileBusy(t *testing.T) {
	sim, url := startSim(t, "publish") // an operation runs
	r := runAction(t, startInputs(url, nil), false)
	if r.code != 1 || r.outputs["status"] != "error" || posts(sim) != 1 {
		t.Fatalf("cpp: exit %d outputs %v, %d POSTs\n%s", r.code, r.outputs, posts(sim), r.stdout)
	}
	for _, part := range []string{simulator.OperationID, "operation-id", "concurrency:", "HTTP 409"} {
		if !strings.Contains(r.stdout, part) {
			t.Errorf("cpp: the error does not say %q:\n%s", part, r.stdout)
		}
	}

	sim, url = startSim(t, "publish", simulator.WithSubmissionRunning())
	r = runAction(t, ingestionInputs(url, map[string]string{"product-id": simulator.ProductID, "start": "publish"}), false)
	if r.code != 1 || r.outputs["status"] != "error" || posts(sim) != 0 {
		t.Fatalf("ingestion: exit %d outputs %v, %d POSTs\n%s", r.code, r.outputs, posts(sim), r.stdout)
	}
	for _, part := range []string{simulator.InFlightSubmissionID, "since", "concurrency:"} {
		if !strings.Contains(r.stdout, part) {
			t.Errorf("ingestion: the error does not say %q:\n%s", part, r.stdout)
		}
	}
}

// TestBinaryStartAnswerLost: the connection drops after the API accepted the
// request. The gate does not send it again: it looks for what began since,
// and follows it.
func TestBinaryStartAnswerLost(t *testing.T) {
	sim, url := startSim(t, "publish", simulator.WithIdle(), simulator.WithDropAfterStart())
	r := runAction(t, startInputs(url, nil), false)
	if r.code != 0 || r.outputs["status"] != "awaiting-signoff" || posts(sim) != 1 || r.outputs["operation-id"] != sim.Operation(simulator.Offer) {
		t.Fatalf("cpp: exit %d outputs %v, %d POSTs\n%s", r.code, r.outputs, posts(sim), r.stdout)
	}
	if !strings.Contains(r.stdout, "is new since the request was sent: following it") {
		t.Errorf("cpp: the log does not say how the operation was found:\n%s", r.stdout)
	}

	sim, url = startSim(t, "publish", simulator.WithIdle(), simulator.WithDropAfterStart())
	r = runAction(t, ingestionInputs(url, map[string]string{"product-id": simulator.ProductID, "start": "publish"}), false)
	jobs := sim.Jobs()
	if r.code != 0 || r.outputs["status"] != "completed" || posts(sim) != 1 || len(jobs) != 1 || r.outputs["submission-id"] != sim.SubmissionOf(jobs[0]) {
		t.Fatalf("ingestion: exit %d outputs %v, %d POSTs, jobs %v\n%s", r.code, r.outputs, posts(sim), jobs, r.stdout)
	}
}

// TestBinaryStartGoLiveAnswerLost: a go-live's live entry keeps the preview
// submission's id, which was listed (as preview) before the request. With
// the answer to the POST lost, that entry is still found and followed: what
// was known is an entry, an id under a target, not the id alone. The old
// preview entry of the same id never stands in for it.
func TestBinaryStartGoLiveAnswerLost(t *testing.T) {
	sim, url := startSim(t, "publish", simulator.WithIdle(), simulator.WithDropAfterStart())
	r := runAction(t, ingestionInputs(url, map[string]string{"product-id": simulator.ProductID, "start": "go-live"}), false)
	jobs := sim.Jobs()
	if r.code != 0 || r.outputs["status"] != "completed" || posts(sim) != 1 || len(jobs) != 1 {
		t.Fatalf("exit %d outputs %v, %d POSTs, jobs %v\n%s", r.code, r.outputs, posts(sim), jobs, r.stdout)
	}
	if sim.SubmissionOf(jobs[0]) != simulator.HistoryPreviewID || r.outputs["submission-id"] != simulator.HistoryPreviewID {
		t.Errorf("submission-id %q; want the preview's id, which its live entry keeps (%s)", r.outputs["submission-id"], sim.SubmissionOf(jobs[0]))
	}
	if !strings.Contains(r.stdout, "Following submission "+simulator.HistoryPreviewID+" (to live, running") {
		t.Errorf("the log does not say the new live entry was followed:\n%s", r.stdout)
	}
	assertNoSecrets(t, r)
}

// TestBinaryConfigureFileAnnotatedOnItsLines: in a pull request's checks,
// an error of configure-file shows on its line: bad JSON where it breaks,
// and a failed job's error on the line of the resource it names (a
// technical configuration whose version number Partner Center refuses).
// Outside the runner the line says file:line: before the text.
func TestBinaryConfigureFileAnnotatedOnItsLines(t *testing.T) {
	workspace := t.TempDir()
	if err := os.MkdirAll(filepath.Join(workspace, "release"), 0o700); err != nil {
		t.Fatal(err)
	}
	const schema = "https://schema.mp.microsoft.com/schema/"
	doc := `{
  "$schema": "` + schema + `configure/2022-03-01-preview2",
  "resources": [
    {
      "$schema": "` + schema + `listing/2022-03-01-preview2",
      "id": "` + simulator.ListingID + `",
      "product": "product/` + simulator.ProductID + `",
      "summary": "A VM"
    },
    {
      "$schema": "` + schema + `virtual-machine-plan-technical-configuration/2022-03-01-preview2",
      "id": "` + simulator.PlanGen2TechConfigID + `",
      "product": "product/` + simulator.ProductID + `",
      "plan": "` + simulator.PlanGen2ID + `",
      "skus": [{"imageType": "x64Gen2", "skuId": "` + simulator.SKUGen2 + `"}],
      "vmImageVersions": [{"versionNumber": "2.0", "vmImages": [{"imageType": "x64Gen2",
        "source": {"sourceType": "sasUri", "osDisk": {"uri": "https://contoso.blob.core.windows.net/vhds/os.vhd"}}}]}]
    }
  ]
}`
	bad := "{\n  \"$schema\": \"" + schema + "configure/2022-03-01-preview2\",\n  \"resources\": [\n    {\"id\": \"x\"},,\n  ]\n}"
	for name, text := range map[string]string{"configure.json": doc, "bad.json": bad} {
		if err := os.WriteFile(filepath.Join(workspace, "release", name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sim, url := startSim(t, "publish", simulator.WithIdle())
	// Absolute, as ${{ github.workspace }}/… arrives: annotated by the path
	// relative to the workspace.
	in := ingestionInputs(url, map[string]string{"start": "configure", "configure-file": filepath.Join(workspace, "release", "configure.json")})
	r := runAction(t, in, false, "GITHUB_WORKSPACE="+workspace)
	if r.code != 1 || r.outputs["status"] != "failed" || posts(sim) != 1 {
		t.Fatalf("exit %d outputs %v, %d POSTs\n%s", r.code, r.outputs, posts(sim), r.stdout)
	}
	var located []runnertest.Command
	for _, c := range runnertest.Commands(r.stdout) {
		if c.Name == "error" && c.Properties["file"] != "" {
			located = append(located, c)
		}
	}
	if len(located) != 1 || located[0].Properties["file"] != "release/configure.json" || located[0].Properties["line"] != "10" ||
		!strings.Contains(located[0].Message, "versionNumber") || !strings.Contains(located[0].Message, simulator.PlanGen2TechConfigID) {
		t.Errorf("located errors %+v; want the job's error on line 10 of release/configure.json, where the technical configuration starts\n%s", located, r.stdout)
	}
	if !strings.Contains(r.stdout, "::error file=release/configure.json,line=10,title=") {
		t.Errorf("the annotation is not ::error file=release/configure.json,line=10,…:\n%s", r.stdout)
	}

	sim, url = startSim(t, "publish", simulator.WithIdle())
	r = runAction(t, ingestionInputs(url, map[string]string{"start": "configure", "configure-file": "release/bad.json"}), false, "GITHUB_WORKSPACE="+workspace)
	if r.code != 1 || r.outputs["status"] != "error" || len(sim.Requests()) != 0 {
		t.Fatalf("bad JSON: exit %d outputs %v, %d requests\n%s", r.code, r.outputs, len(sim.Requests()), r.stdout)
	}
	if !strings.Contains(r.stdout, "::error file=release/bad.json,line=4,title=marketplace-gate::invalid input: configure-file \"release/bad.json\" is not valid JSON: line 4:") {
		t.Errorf("bad JSON is not annotated on its line:\n%s", r.stdout)
	}

	// Outside the runner: file:line: before the text.
	cmd := exec.Command(binary, "--api", "product-ingestion", "--tenant-id", simulator.Tenant, "--client-id", simulator.ClientID,
		"--start", "configure", "--configure-file", "release/bad.json", "--target", "preview")
	cmd.Dir, cmd.Env = workspace, []string{"GITHUB_WORKSPACE=" + workspace, "INPUT_CLIENT-SECRET=" + simulator.ClientSecret}
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), `marketplace-gate: error: release/bad.json:4: invalid input: configure-file "release/bad.json" is not valid JSON: line 4:`) {
		t.Errorf("outside the runner, the error does not start with file:line:\n%s", out)
	}
}

// TestBinaryStartDryRun: everything short of the start — sign-in, the offer
// or product can be read, nothing runs on it — and no POST.
func TestBinaryStartDryRun(t *testing.T) {
	sim, url := startSim(t, "publish", simulator.WithIdle())
	r := runAction(t, startInputs(url, map[string]string{"dry-run": "true"}), false)
	if r.code != 0 || r.outputs["status"] != "dry-run" || posts(sim) != 0 || r.outputs["started-at"] != "" || !strings.Contains(r.stdout, "would send POST …/offers/contoso-vm/publish") {
		t.Fatalf("cpp: exit %d outputs %v, %d POSTs\n%s", r.code, r.outputs, posts(sim), r.stdout)
	}
	if !strings.Contains(r.summary, "dry-run") {
		t.Errorf("the summary does not say it was a dry run:\n%s", r.summary)
	}

	sim, url = startSim(t, "publish") // an operation runs: the publish would be refused
	if r := runAction(t, startInputs(url, map[string]string{"dry-run": "true"}), false); r.code != 1 || r.outputs["status"] != "error" || posts(sim) != 0 || !strings.Contains(r.stdout, simulator.OperationID) {
		t.Errorf("cpp, busy: exit %d outputs %v, %d POSTs\n%s", r.code, r.outputs, posts(sim), r.stdout)
	}

	sim, url = startSim(t, "publish", simulator.WithIdle())
	r = runAction(t, ingestionInputs(url, map[string]string{"external-id": simulator.Offer, "start": "publish", "dry-run": "true"}), false)
	if r.code != 0 || r.outputs["status"] != "dry-run" || posts(sim) != 0 || !strings.Contains(r.stdout, "would send POST configure (submission "+simulator.DraftSubmissionID+" to preview)") {
		t.Fatalf("ingestion: exit %d outputs %v, %d POSTs\n%s", r.code, r.outputs, posts(sim), r.stdout)
	}
}

// TestBinaryStartInvalid: a publish the API refuses as invalid (422) fails,
// each validation message an error annotation.
func TestBinaryStartInvalid(t *testing.T) {
	sim, url := startSim(t, "invalid", simulator.WithIdle())
	r := runAction(t, startInputs(url, nil), false)
	if r.code != 1 || r.outputs["status"] != "failed" || r.outputs["failed-step"] != "publish" || posts(sim) != 1 {
		t.Fatalf("exit %d outputs %v, %d POSTs\n%s", r.code, r.outputs, posts(sim), r.stdout)
	}
	var errs []string
	for _, c := range runnertest.Commands(r.stdout) {
		if c.Name == "error" && c.Properties["title"] == "Publish request" {
			errs = append(errs, c.Message)
		}
	}
	for _, m := range simulator.InvalidMessages() {
		found := false
		for _, e := range errs {
			found = found || e == m
		}
		if !found {
			t.Errorf("validation message %q is not an error annotation: %q", m, errs)
		}
	}
}

// TestBinaryStallAfter: an operation in which nothing changes ends stalled,
// naming the step it is stuck at and what to do.
func TestBinaryStallAfter(t *testing.T) {
	_, url := startSim(t, "publish", simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.Contains(r.URL.Path, "/operations/") {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[{"status":"running","steps":[{"id":"displaycertify","stepName":"Certification","status":"inProgress","progressPercentage":10,"messages":[]}]}]`))
		return true
	}))
	in := inputsFor(url)
	in["stall-after"] = "300ms"
	r := runAction(t, in, false)
	if r.code != 1 || r.outputs["status"] != "stalled" {
		t.Fatalf("exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
	}
	var said bool
	for _, c := range runnertest.Commands(r.stdout) {
		said = said || c.Name == "error" && strings.Contains(c.Message, "stuck at step Certification") && strings.Contains(c.Message, "support case") && strings.Contains(c.Message, simulator.OperationID)
	}
	if !said {
		t.Errorf("no error annotation names the step, the support case and the operation:\n%s", r.stdout)
	}
}
