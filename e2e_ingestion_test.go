package main_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/runnertest"
	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// ingestionInputs are a workflow's inputs for api: product-ingestion, plus
// what the runner passes for the inputs it left out.
func ingestionInputs(url string, watch map[string]string) map[string]string {
	in := map[string]string{
		"api": "product-ingestion", "tenant-id": simulator.Tenant, "client-id": simulator.ClientID, "client-secret": simulator.ClientSecret,
		"authority-host": url, "api-url": url + simulator.IngestionPath, "initial-interval": "5ms", "max-interval": "20ms", "timeout": "30s",
		"target": "preview", "stop-at-signoff": "true", "annotate": "warning",
	}
	for k, v := range watch {
		in[k] = v
	}
	return in
}

// TestBinaryIngestionProduct gates on a product named by its external id (the
// CPP offer id): looked up, then its newest preview submission followed to
// success, with a Graph token.
func TestBinaryIngestionProduct(t *testing.T) {
	sim, url := startSim(t, "publish")
	r := runAction(t, ingestionInputs(url, map[string]string{"external-id": simulator.Offer}), false)
	if r.code != 0 || r.outputs["status"] != "completed" {
		t.Fatalf("exit %d outputs %v\n%s\n%s", r.code, r.outputs, r.stdout, r.stderr)
	}
	if r.outputs["offer-id"] != simulator.Offer || r.outputs["operation-id"] != "submission/"+simulator.ProductID+"/1152921515689849012" {
		t.Errorf("outputs = %v", r.outputs)
	}
	if !strings.Contains(r.stdout, "External id contoso-vm is product "+simulator.ProductID) || !strings.Contains(r.summary, "| Publish to preview | completed | 100% |") {
		t.Errorf("log or summary does not follow the submission:\n%s\n%s", r.stdout, r.summary)
	}
	if n := sim.Count("GET", "/rp/product-ingestion/product"); n != 1 {
		t.Errorf("%d product lookups; want one, then the durable id", n)
	}
	for _, q := range sim.Requests() {
		if strings.Contains(q.Path, "/rp/product-ingestion/") && !strings.Contains(q.Query, "$version=2022-03-01-preview2") {
			t.Errorf("request %s?%s lacks $version", q.Path, q.Query)
		}
	}
	assertNoSecrets(t, r)
}

// TestBinaryIngestionFailedJob: a configure job that fails annotates each of
// its errors (code, message, details) and fails the gate at step configure.
func TestBinaryIngestionFailedJob(t *testing.T) {
	_, url := startSim(t, "failed")
	r := runAction(t, ingestionInputs(url, map[string]string{"job-id": simulator.JobID}), false)
	if r.code != 1 || r.outputs["status"] != "failed" || r.outputs["failed-step"] != "configure" || r.outputs["operation-id"] != simulator.JobID {
		t.Fatalf("exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
	}
	var annotated []string
	for _, c := range runnertest.Commands(r.stdout) {
		if c.Name == "error" && c.Properties["title"] == "Configure request" {
			annotated = append(annotated, c.Message)
		}
	}
	if len(annotated) != 2 || !strings.Contains(annotated[0], "businessValidationError: ") || !strings.Contains(annotated[0], "missingImage") || !strings.Contains(annotated[1], "schemaValidationError") {
		t.Errorf("job errors annotated as %q\n%s", annotated, r.stdout)
	}
	if !strings.Contains(r.summary, "job `"+simulator.JobID+"`") || strings.Contains(r.summary, "Gen2..") {
		t.Errorf("summary should name the job, and end its sentence once:\n%s", r.summary)
	}
	assertNoSecrets(t, r)
}

// TestBinaryIngestionManyAndOnce: several products in one gate with wait:
// false, as a scheduled check does: every output set, results per product.
func TestBinaryIngestionManyAndOnce(t *testing.T) {
	_, url := startSim(t, "publish")
	r := runAction(t, ingestionInputs(url, map[string]string{"product-id": simulator.ProductID + "\nproduct/00000000-0000-4000-8000-000000000000", "wait": "false"}), false)
	if r.code != 1 || r.outputs["status"] != "error" {
		t.Fatalf("exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
	}
	var results map[string]struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(r.outputs["results"]), &results); err != nil {
		t.Fatalf("results %q: %v", r.outputs["results"], err)
	}
	if results[simulator.ProductID].Status != "running" || results["product/00000000-0000-4000-8000-000000000000"].Status != "error" {
		t.Errorf("results = %v", results)
	}
	if !strings.Contains(r.summary, "(2 products)") || !strings.Contains(r.summary, "### ❌ Product `product/00000000") {
		t.Errorf("summary should speak of products:\n%s", r.summary)
	}
	if !strings.Contains(r.stdout, "product 00000000-0000-4000-8000-000000000000 was not found (HTTP 404)") {
		t.Errorf("the unknown product is not named:\n%s", r.stdout)
	}
}

func TestBinaryDemoIngestionFailed(t *testing.T) {
	cmd := exec.Command(binary, "demo", "failed", "product-ingestion")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "POST configure") || !strings.Contains(string(out), "to preview failed") {
		t.Fatalf("err %v\n%s", err, out)
	}
}
