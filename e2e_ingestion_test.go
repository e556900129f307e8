package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

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

// TestBinaryIngestionStaleListNeverPasses: the product's list holds only an
// earlier publish's finished submissions (preview and live), as it does right
// after a POST configure. Whatever the target and however the product is
// named, the gate never passes on them: without since or job-id it refuses
// the inputs before any request; with since it waits, saying why once.
func TestBinaryIngestionStaleListNeverPasses(t *testing.T) {
	since := time.Now().UTC().Format(time.RFC3339)
	for _, named := range []map[string]string{{"product-id": simulator.ProductID}, {"external-id": simulator.Offer}} {
		for _, target := range []string{"preview", "live"} {
			for _, tc := range []struct {
				name         string
				extra        map[string]string
				status, says string
			}{
				{"no since", nil, "error", "needs since (or job-id)"},
				{"since, wait: false", map[string]string{"since": since, "wait": "false"}, "running", "predates since"},
				{"since, waiting", map[string]string{"since": since, "timeout": "300ms"}, "timed-out", "created at or after since"},
			} {
				t.Run(fmt.Sprintf("%v %s %s", named, target, tc.name), func(t *testing.T) {
					sim, url := startSim(t, "publish", simulator.WithIdle())
					in := ingestionInputs(url, named)
					in["target"] = target
					for k, v := range tc.extra {
						in[k] = v
					}
					r := runAction(t, in, false)
					if r.outputs["status"] != tc.status || !strings.Contains(r.stdout, tc.says) || r.outputs["submission-id"] != "" || r.outputs["operation-id"] != "" {
						t.Fatalf("exit %d outputs %v; want %s saying %q\n%s", r.code, r.outputs, tc.status, tc.says, r.stdout)
					}
					if tc.extra == nil && len(sim.Requests()) != 0 {
						t.Errorf("%d requests for inputs that cannot be judged", len(sim.Requests()))
					}
					if tc.extra != nil && strings.Count(r.stdout, "predates since") != 1 {
						t.Errorf("the stale submission should be named once:\n%s", r.stdout)
					}
					assertNoSecrets(t, r)
				})
			}
		}
	}
}

// TestBinaryIngestionSince: with since, the gate waits for the submission
// the new publish makes (it appears some polls after the configure POST),
// then follows it by id to its result; every page of the list is read.
func TestBinaryIngestionSince(t *testing.T) {
	since := time.Now().Add(-time.Second).UTC().Format(time.RFC3339Nano)
	sim, url := startSim(t, "publish")
	r := runAction(t, ingestionInputs(url, map[string]string{"external-id": simulator.Offer, "since": since}), false)
	if r.code != 0 || r.outputs["status"] != "completed" {
		t.Fatalf("exit %d outputs %v\n%s\n%s", r.code, r.outputs, r.stdout, r.stderr)
	}
	if r.outputs["offer-id"] != simulator.Offer || r.outputs["operation-id"] != simulator.InFlightSubmissionID || r.outputs["submission-id"] != simulator.InFlightSubmissionID {
		t.Errorf("outputs = %v", r.outputs)
	}
	if !strings.Contains(r.stdout, "External id contoso-vm is product "+simulator.ProductID) || !strings.Contains(r.summary, "| Publish to preview | completed | 100% |") {
		t.Errorf("log or summary does not follow the submission:\n%s\n%s", r.stdout, r.summary)
	}
	if n := sim.Count("GET", "/rp/product-ingestion/product"); n != 1 {
		t.Errorf("%d product lookups; want one, then the durable id", n)
	}
	if n := sim.Count("GET", "/submission/"+simulator.ProductID+"/"); n == 0 {
		t.Error("the submission found was not followed by its id")
	}
	var pages int
	for _, q := range sim.Requests() {
		if strings.Contains(q.Path, "/rp/product-ingestion/") && !strings.Contains(q.Query, "$version=2022-03-01-preview2") {
			t.Errorf("request %s?%s lacks $version", q.Path, q.Query)
		}
		if strings.Contains(q.Query, "$skipToken=") {
			pages++
		}
	}
	if pages == 0 {
		t.Error("the list's @nextLink was never followed")
	}
	if !strings.Contains(r.stdout, "::warning title=marketplace-gate::initial-interval 5ms is below") {
		t.Errorf("an interval under the API's one-a-minute limit should be warned about:\n%s", r.stdout)
	}
	assertNoSecrets(t, r)
}

// TestBinaryIngestionJobNamesSubmission: job-id is the handle of one
// publish; when it succeeds, submission-id names the submission it made,
// from the job's detail or else from the product's list (created since the
// job started). Not finding one is said, never a failure.
func TestBinaryIngestionJobNamesSubmission(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []simulator.Option
		extra  map[string]string
		want   string
		logged string
	}{
		{"from the job's detail", nil, nil, simulator.InFlightSubmissionID, "(from the job's detail)"},
		{"from the list, by the job's start", []simulator.Option{simulator.WithoutDetailSubmission()}, map[string]string{"external-id": simulator.Offer}, simulator.InFlightSubmissionID, "created at or after the job's start"},
		{"not found: said, not failed", []simulator.Option{simulator.WithoutDetailSubmission()}, nil, "", "give product-id or external-id with job-id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, url := startSim(t, "publish", tc.opts...)
			in := ingestionInputs(url, map[string]string{"job-id": simulator.JobID})
			for k, v := range tc.extra {
				in[k] = v
			}
			r := runAction(t, in, false)
			if r.code != 0 || r.outputs["status"] != "completed" || r.outputs["operation-id"] != simulator.JobID || r.outputs["submission-id"] != tc.want {
				t.Fatalf("exit %d outputs %v; want submission-id %q\n%s", r.code, r.outputs, tc.want, r.stdout)
			}
			if !strings.Contains(r.stdout, tc.logged) {
				t.Errorf("the log does not say %q:\n%s", tc.logged, r.stdout)
			}
			var results map[string]struct {
				SubmissionID string `json:"submission-id"`
			}
			if err := json.Unmarshal([]byte(r.outputs["results"]), &results); err != nil || results[simulator.JobID].SubmissionID != tc.want {
				t.Errorf("results %s; want submission-id %q", r.outputs["results"], tc.want)
			}
			if tc.want != "" && !strings.Contains(r.summary, "submission `"+tc.want+"`") {
				t.Errorf("the summary does not name the submission:\n%s", r.summary)
			}
			assertNoSecrets(t, r)
		})
	}
}

// TestBinaryIngestionFailedJob: a job whose submission fails certification
// annotates its error (code, message, resource, details) and fails the gate
// at step configure; one that fails validation made no submission to name.
func TestBinaryIngestionFailedJob(t *testing.T) {
	for _, tc := range []struct{ scenario, says string }{
		{"failed", "certificationError: No virtual machine image was found for the plan contoso."},
		{"rejected", "businessValidationError: Plan contoso-gen2 has no technical configuration"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, url := startSim(t, tc.scenario)
			r := runAction(t, ingestionInputs(url, map[string]string{"job-id": simulator.JobID, "external-id": simulator.Offer}), false)
			if r.code != 1 || r.outputs["status"] != "failed" || r.outputs["failed-step"] != "configure" || r.outputs["operation-id"] != simulator.JobID || r.outputs["submission-id"] != "" {
				t.Fatalf("exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
			}
			var annotated []string
			for _, c := range runnertest.Commands(r.stdout) {
				if c.Name == "error" && c.Properties["title"] == "Configure request" {
					annotated = append(annotated, c.Message)
				}
			}
			if len(annotated) != 1 || !strings.Contains(annotated[0], tc.says) || !strings.HasPrefix(annotated[0], "badRequest: ") {
				t.Errorf("job errors annotated as %q\n%s", annotated, r.stdout)
			}
			if !strings.Contains(r.summary, "job `"+simulator.JobID+"`") {
				t.Errorf("summary should name the job:\n%s", r.summary)
			}
			assertNoSecrets(t, r)
		})
	}
}

// TestBinaryIngestionManyAndOnce: several products in one gate with wait:
// false, as a scheduled check does: every output set, results per product.
func TestBinaryIngestionManyAndOnce(t *testing.T) {
	_, url := startSim(t, "publish")
	r := runAction(t, ingestionInputs(url, map[string]string{"product-id": simulator.ProductID + "\nproduct/00000000-0000-4000-8000-000000000000", "wait": "false", "since": time.Now().Add(-time.Second).UTC().Format(time.RFC3339)}), false)
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
		t.Errorf("results = %v\n%s", results, r.stdout)
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
	if !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "POST configure") || !strings.Contains(string(out), "failed certification") {
		t.Fatalf("err %v\n%s", err, out)
	}
}
