package main_test

// Conformance: every body in ../shared/captures (recorded from the live
// services by public clients; SOURCES.md says where each comes from) that a
// decoder of ours can meet is replayed through the real client over HTTP and
// what we make of it is checked. The files stay there: none is copied here.
// A capture without a case, or without a reason why it is not ours, fails
// the test, so a new one gets looked at.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/apitime"
	"github.com/marketplace-gate/marketplace-gate/internal/auth"
	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
	"github.com/marketplace-gate/marketplace-gate/internal/imageplan"
	"github.com/marketplace-gate/marketplace-gate/internal/ingestion"
	"github.com/marketplace-gate/marketplace-gate/internal/runnertest"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// capturesDir is where CI checks out the shared captures: beside the clone.
const capturesDir = "../shared/captures"

// notOurs are captures no decoder of ours meets, and why.
var notOurs = map[string]string{
	"pcv1-products-create-201-location.json":          "the older ingestion API's product creation: the gate creates no products",
	"pcv1-variants-create-201-etag-location.json":     "the older ingestion API's plan (variant) creation: the gate creates no plans",
	"pcv1-products-delete-204-empty.json":             "a DELETE: the gate deletes nothing",
	"pcv1-products-filter-by-externalid-200.json":     "older-API product entries (externalIDs list, bare GUID id); the gate looks products up on the graph API, whose entries carry identity.externalId. The list envelope is covered by the pcv1 pages and the not-found file",
	"pcv1-products-filter-by-externalid-bitnami.json": "as pcv1-products-filter-by-externalid-200.json: an older-API product entry",
}

// replay is one recorded answer: a wrapper's status, headers and body, or a
// bare body under the status its case gives.
type replay struct {
	status int
	header http.Header
	body   []byte
}

// load reads a capture. A wrapper ({request?, status, reason?, headers,
// body}) gives its own status; a body "" or null is an empty answer, any
// other JSON value is sent as the JSON it is (a string body is a JSON string,
// as the ICH50400 cassette's content-type says).
func load(t *testing.T, name string, status int) replay {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(capturesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	r := replay{status: status, header: http.Header{}, body: raw}
	var w struct {
		Status  *int              `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	}
	if json.Unmarshal(raw, &w) == nil && w.Status != nil && w.Headers != nil && w.Body != nil {
		r.status, r.body = *w.Status, w.Body
		if b := string(bytes.TrimSpace(w.Body)); b == `""` || b == "null" {
			r.body = nil
		}
		for k, v := range w.Headers {
			switch strings.ToLower(k) {
			case "content-length", "transfer-encoding": // the test server frames the body itself
			default:
				r.header.Set(k, v)
			}
		}
	}
	if r.header.Get("Content-Type") == "" && len(r.body) > 0 {
		if json.Valid(r.body) {
			r.header.Set("Content-Type", "application/json; charset=utf-8")
		} else {
			r.header.Set("Content-Type", "text/plain")
		}
	}
	return r
}

// server answers every request with the replays in turn, the last one
// repeated, and records the request URIs.
type server struct {
	*httptest.Server
	mu   sync.Mutex
	uris []string
}

func serve(t *testing.T, rs ...replay) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		n := len(s.uris)
		s.uris = append(s.uris, r.URL.RequestURI())
		s.mu.Unlock()
		rep := rs[min(n, len(rs)-1)]
		for k, v := range rep.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rep.status)
		_, _ = w.Write(rep.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.uris...)
}

func piClient(s *server) *ingestion.Client {
	base, _ := url.Parse(s.URL + "/rp/product-ingestion")
	return ingestion.New(base, "2022-07-01", auth.Static("test-access-token"))
}

func cppClient(s *server) *cpp.Client {
	base, _ := url.Parse(s.URL)
	return cpp.New(base, "2017-10-31", auth.Static("test-access-token"))
}

// jobStatus replays a configure-status body to GET configure/{id}/status.
func jobStatus(t *testing.T, name string) (ingestion.JobStatus, snapshot.Operation) {
	t.Helper()
	st, err := piClient(serve(t, load(t, name, http.StatusOK))).JobStatus(context.Background(), "job")
	if err != nil {
		t.Fatalf("the status does not decode: %v", err)
	}
	return st, st.Snapshot()
}

// configure replays a body as the answer to POST configure.
func configure(t *testing.T, name string, status int) (ingestion.JobStatus, error) {
	t.Helper()
	return piClient(serve(t, load(t, name, status))).Configure(context.Background(), []byte(`{}`))
}

// wantJob checks a job's id, state and messages: each an error, in order,
// each exactly the text given.
func wantJob(t *testing.T, st ingestion.JobStatus, op snapshot.Operation, id string, state snapshot.State, msgs ...string) {
	t.Helper()
	if st.JobID != id || op.ID != id {
		t.Errorf("job id %q (snapshot %q), want %q", st.JobID, op.ID, id)
	}
	if s, _ := op.State(); s != state {
		t.Errorf("state %q (jobStatus %q, jobResult %q), want %s", op.Status, st.JobStatus, st.JobResult, state)
	}
	got := op.Steps[0].Messages
	if len(got) != len(msgs) {
		t.Fatalf("messages %+v, want %q", got, msgs)
	}
	for i, m := range got {
		if m.Level != "error" || m.HTML != msgs[i] {
			t.Errorf("message %d: %s %q, want error %q", i, m.Level, m.HTML, msgs[i])
		}
	}
}

// wantTime checks that a timestamp reads as want (RFC 3339, UTC), or, for
// want "", reads as no time at all.
func wantTime(t *testing.T, what string, ts apitime.Time, want string) {
	t.Helper()
	at, ok := ts.Parse()
	switch {
	case want == "" && (ok || !at.IsZero()):
		t.Errorf("%s %q reads as %v; want no time", what, ts, at)
	case want != "" && (!ok || at.UTC().Format(time.RFC3339Nano) != want):
		t.Errorf("%s %q reads as %v (%v); want %s", what, ts, at, ok, want)
	}
}

// wantAPIError checks that err names the status, says what it means and
// quotes the server (said; "" : says the body was empty), on one line.
func wantAPIError(t *testing.T, err error, status int, hint, said string, retry bool) *apihttp.Error {
	t.Helper()
	var e *apihttp.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an API error", err)
	}
	msg := err.Error()
	if e.StatusCode != status || !strings.Contains(msg, ": HTTP "+strconv.Itoa(status)+" — "+hint) {
		t.Errorf("error %q does not name HTTP %d and what it means (%q)", msg, status, hint)
	}
	want := `(the server said: "` + said + `")`
	if said == "" {
		want = "(the server sent no body)"
	}
	if !strings.Contains(msg, want) || strings.ContainsAny(msg, "\r\n") {
		t.Errorf("error %q\ndoes not quote the server on one line: want %s", msg, want)
	}
	if e.Retry != retry {
		t.Errorf("error %q: retry %v, want %v", msg, e.Retry, retry)
	}
	return e
}

func offerAndLocation(t *testing.T, name string, start func(*cpp.Client) (string, error)) config.Location {
	t.Helper()
	r := load(t, name, 0)
	if r.status != http.StatusAccepted {
		t.Fatalf("status %d, want the 202 recorded", r.status)
	}
	got, err := start(cppClient(serve(t, r)))
	if err != nil {
		t.Fatal(err)
	}
	want := cmp.Or(r.header.Get("Location"), r.header.Get("Operation-Location"))
	if got != want {
		t.Fatalf("the start returned %q, want the answer's %q", got, want)
	}
	loc, err := config.ParseLocation(got)
	if err != nil {
		t.Fatalf("%q: %v", got, err)
	}
	return loc
}

func submissions(t *testing.T, name string) []ingestion.Submission {
	t.Helper()
	subs, err := piClient(serve(t, load(t, name, http.StatusOK))).Submissions(context.Background(), "p")
	if err != nil {
		t.Fatal(err)
	}
	return subs
}

func page(t *testing.T, name string) ([]ingestion.Product, string) {
	t.Helper()
	r := load(t, name, http.StatusOK)
	if r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	list, next, err := apihttp.DecodePage[ingestion.Product](r.body, "products")
	if err != nil {
		t.Fatal(err)
	}
	return list, next
}

func utc(s string) time.Time {
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return at
}

// cases check what we make of each capture.
var cases = map[string]func(t *testing.T){
	// --- product-ingestion: configure status -------------------------------
	"pi-configure-status-running-jobend-0001.json": func(t *testing.T) {
		st, op := jobStatus(t, "pi-configure-status-running-jobend-0001.json")
		wantJob(t, st, op, "0a0a00aa-00a0-0a00-0a0a-00000a000a00", snapshot.StateRunning)
		wantTime(t, "jobStart", st.JobStart, "2022-06-13T08:43:47.5235Z")
		wantTime(t, "jobEnd", st.JobEnd, "") // the zoneless unset sentinel
	},
	"pi-configure-status-completed-succeeded-jobend-0001.json": func(t *testing.T) {
		st, op := jobStatus(t, "pi-configure-status-completed-succeeded-jobend-0001.json")
		wantJob(t, st, op, "0a0a00aa-00a0-0a00-0a0a-00000a000a00", snapshot.StateCompleted)
		wantTime(t, "jobStart", st.JobStart, "2022-06-13T08:44:47.5235Z")
		wantTime(t, "jobEnd", st.JobEnd, "") // still unset on a finished job: never judged by
	},
	"pi-configure-status-failed-certification.json": func(t *testing.T) {
		st, op := jobStatus(t, "pi-configure-status-failed-certification.json")
		wantJob(t, st, op, "aa0a0000-0e00-00aa-aa00-a00000000a00", snapshot.StateFailed,
			"internalServerError: Operation failed (resource submission/2d541119); invalidState: Certification; invalidState: Issues found during Certification.")
		wantTime(t, "jobStart", st.JobStart, "2022-06-13T09:59:34.3049612Z")
		wantTime(t, "jobEnd", st.JobEnd, "2022-06-13T10:00:39.866244Z")
		if op.Steps[0].Messages[0].Timestamp != "2022-06-13T10:00:39.866244Z" {
			t.Errorf("message time %q, want the job's end", op.Steps[0].Messages[0].Timestamp)
		}
		if !st.Errors.HasCode("InvalidState") || !st.Errors.HasCode("INTERNALSERVERERROR") {
			t.Error("codes are not found without case")
		}
	},
	"pi-configure-status-failed-conflict-invalidresource.json": func(t *testing.T) {
		st, op := jobStatus(t, "pi-configure-status-failed-conflict-invalidresource.json")
		wantJob(t, st, op, "aa0a0000-0e00-00aa-aa00-a00000000a00", snapshot.StateFailed, "conflict: Error message; invalidResource: Failure for resource")
		if !st.Errors.HasCode("Conflict") {
			t.Error("conflict is not Conflict")
		}
	},
	"pi-configure-status-failed-details-object-not-list.json": func(t *testing.T) {
		st, op := jobStatus(t, "pi-configure-status-failed-details-object-not-list.json")
		wantJob(t, st, op, "aa0a0000-0e00-00aa-aa00-a00000000a00", snapshot.StateFailed, "internalServerError: Certification failed.")
		// The gate as the runner runs it: failed on the first poll, not timed out.
		r := load(t, "pi-configure-status-failed-details-object-not-list.json", http.StatusOK)
		s := serve(t, r)
		res := runAction(t, map[string]string{
			"api": "product-ingestion", "access-token": "test-access-token", "api-url": s.URL + "/rp/product-ingestion",
			"job-id": st.JobID, "initial-interval": "5ms", "max-interval": "20ms", "timeout": "5s",
			"target": "preview", "stop-at-signoff": "true", "annotate": "warning",
		}, false)
		var annotated []string
		for _, c := range runnertest.Commands(res.stdout) {
			if c.Name == "error" && c.Properties["title"] == "Configure request" {
				annotated = append(annotated, c.Message)
			}
		}
		if res.code != 1 || res.outputs["status"] != "failed" || len(s.requests()) != 1 || len(annotated) != 1 || !strings.Contains(annotated[0], "Certification failed.") {
			t.Errorf("exit %d, status %q after %d polls, annotations %q; want failed on the first poll, its error annotated\n%s",
				res.code, res.outputs["status"], len(s.requests()), annotated, res.stdout)
		}
	},
	"pi-configure-status-docs-running.json": func(t *testing.T) {
		st, op := jobStatus(t, "pi-configure-status-docs-running.json")
		wantJob(t, st, op, "c32dd7e8-8619-462d-a96b-0ac1974bace5", snapshot.StateRunning) // a real-looking jobEnd does not end it
		wantTime(t, "jobEnd", st.JobEnd, "2021-12-21T21:30:10.3649551Z")
	},
	"pi-configure-status-docs-succeeded-resourceuri.json": func(t *testing.T) {
		st, op := jobStatus(t, "pi-configure-status-docs-succeeded-resourceuri.json")
		wantJob(t, st, op, "b3f49dff-381f-480d-a10e-17f4ce49b65f", snapshot.StateCompleted)
		if st.ResourceURI != "https://product-ingestion.mp.microsoft.com/configure/b3f49dff-381f-480d-a10e-17f4ce49b65f" {
			t.Errorf("resourceUri %q", st.ResourceURI)
		}
	},
	"pi-configure-status-docs-failed-conflict.json": func(t *testing.T) {
		st, op := jobStatus(t, "pi-configure-status-docs-failed-conflict.json")
		wantJob(t, st, op, "c32dd7e8-8619-462d-a96b-0ac1974bace5", snapshot.StateFailed, "Conflict: The start date should be defined")
		if !st.Errors.HasCode("conflict") {
			t.Error("Conflict is not conflict")
		}
	},
	// --- product-ingestion: POST configure --------------------------------
	"pi-configure-post-response-docs-preview2.json": func(t *testing.T) {
		st, err := configure(t, "pi-configure-post-response-docs-preview2.json", http.StatusAccepted)
		if err != nil {
			t.Fatal(err)
		}
		wantJob(t, st, st.Snapshot(), "d4261631-c583-4949-a612-5150882632e9", snapshot.StateNotStarted)
		wantTime(t, "jobStart", st.JobStart, "") // 2022-03-01-preview2T13:32:43…: no time, no bound
		wantTime(t, "jobEnd", st.JobEnd, "")
		if _, ok := st.Started(); ok {
			t.Error("a broken jobStart gave the job a start")
		}
	},
	"pi-configure-post-response-docs-2022-07-01-jobend-date-only.json": func(t *testing.T) {
		st, err := configure(t, "pi-configure-post-response-docs-2022-07-01-jobend-date-only.json", http.StatusOK)
		if err != nil {
			t.Fatal(err)
		}
		wantJob(t, st, st.Snapshot(), "c32dd7e8-8619-462d-a96b-0ac1974bace5", snapshot.StateNotStarted)
		wantTime(t, "jobStart", st.JobStart, "2021-12-21T21:29:54.9702903Z")
		wantTime(t, "jobEnd", st.JobEnd, "") // 0001-01-01, a date alone
	},
	"pi-configure-error-400-schema-validation.json": func(t *testing.T) {
		_, err := configure(t, "pi-configure-error-400-schema-validation.json", http.StatusBadRequest)
		e := wantAPIError(t, err, 400, "bad or malformed request", "badRequest: Invalid configuration: schema validation failed; schemaValidationError: Schema validation failed for schema https://scheme", false)
		if !e.HasCode("BadRequest") || !e.HasCode("SchemaValidationError") {
			t.Error("codes are not found without case")
		}
	},
	"pi-configure-error-400-schema-could-not-be-accessed.json": func(t *testing.T) {
		_, err := configure(t, "pi-configure-error-400-schema-could-not-be-accessed.json", 0)
		wantAPIError(t, err, 400, "bad or malformed request", "badRequest: Schema https://product-ingestion.azureedge.net/schema/configure/2022-03-01-preview2 could not be accessed", false)
	},
	"pi-error-404-notfound-cloudpub.json": func(t *testing.T) {
		_, err := piClient(serve(t, load(t, "pi-error-404-notfound-cloudpub.json", 0))).Submissions(context.Background(), "p")
		e := wantAPIError(t, err, 404, "not found", "notFound: whatever error", false)
		if !e.HasCode("NotFound") {
			t.Error("notFound is not NotFound")
		}
	},
	// --- product-ingestion: products and submissions ----------------------
	"pi-product-list-cloudpub.json": func(t *testing.T) {
		s := serve(t, load(t, "pi-product-list-cloudpub.json", http.StatusOK))
		p, err := piClient(s).ProductByExternalID(context.Background(), "example-product")
		if err != nil || p.DurableID() != "ffffffff-ffff-ffff-ffff-ffffffffffff" || p.Identity.ExternalID != "example-product" || p.Alias != "Example Product" {
			t.Errorf("product %+v, %v", p, err)
		}
		if uris := s.requests(); len(uris) != 1 || !strings.Contains(uris[0], "externalId=example-product") {
			t.Errorf("requests %q", uris)
		}
	},
	"pi-product-list-docs-nextlink.json": func(t *testing.T) {
		list, next := page(t, "pi-product-list-docs-nextlink.json")
		if len(list) != 1 || list[0].ID != "string" || next != "opaque_uri" {
			t.Errorf("page %+v, next %q", list, next)
		}
		// Only a link's paging token is followed, on our own URL: this one has none.
		s := serve(t, load(t, "pi-product-list-docs-nextlink.json", http.StatusOK))
		if _, err := piClient(s).Submissions(context.Background(), "p"); err == nil || !strings.Contains(err.Error(), "carries no paging token") || len(s.requests()) != 1 {
			t.Errorf("%v after %d requests; want the link refused, not followed", err, len(s.requests()))
		}
	},
	"pi-submission-list-docs.json": func(t *testing.T) {
		subs := submissions(t, "pi-submission-list-docs.json")
		if len(subs) != 3 || subs[1].ID != "submission/12345678-abcd-efgh-1234-12345678901/1152921515689847470" {
			t.Fatalf("submissions %+v", subs) // 19 digits, kept as the string they are
		}
		wantTime(t, "draft created", subs[0].Created, "")
		wantTime(t, "live created", subs[1].Created, "2022-01-25T07:13:06.4408032Z")
		wantTime(t, "preview created", subs[2].Created, "2022-02-04T20:07:22.4220588Z")
		if s, ok := ingestion.Newest(subs, "preview", utc("2022-02-01T00:00:00Z")); !ok || s.ID != subs[2].ID {
			t.Errorf("preview since Feb 1: %q %v", s.ID, ok)
		}
		for _, target := range []string{"preview", "live"} {
			if s, ok := ingestion.Newest(subs, target, utc("2022-03-01T00:00:00Z")); ok {
				t.Errorf("%s since March: %s is an earlier publish's", target, s.Describe())
			}
		}
		if _, ok := ingestion.Newest(subs, "live", utc("2022-02-01T00:00:00Z")); ok {
			t.Error("the live entry predates the bound")
		}
	},
	"pi-submission-list-preview-running-cloudpub.json": func(t *testing.T) {
		subs := submissions(t, "pi-submission-list-preview-running-cloudpub.json")
		if len(subs) != 2 || subs[0].ID != subs[1].ID {
			t.Fatalf("submissions %+v", subs)
		}
		for _, s := range subs {
			wantTime(t, s.Target.TargetType+" created", s.Created, "2024-07-04T22:06:16.2895521Z")
		}
		since := utc("2024-07-04T22:00:00Z")
		for target, want := range map[string]snapshot.State{"preview": snapshot.StateRunning, "live": snapshot.StateCompleted} {
			for pick, f := range map[string]func([]ingestion.Submission, string, time.Time) (ingestion.Submission, bool){"Newest": ingestion.Newest, "NewestTo": ingestion.NewestTo} {
				s, ok := f(subs, target, since)
				op := s.Snapshot()
				if st, _ := op.State(); !ok || st != want || s.Target.TargetType != target {
					t.Errorf("%s(%s): %s %v; want the %s entry, %s", pick, target, s.Describe(), ok, target, want)
				}
			}
		}
		if _, ok := ingestion.Newest(subs, "preview", since.Add(time.Hour)); ok {
			t.Error("entries before the bound were taken")
		}
	},
	"pi-resource-tree-product-draft-cloudpub.json": func(t *testing.T) {
		// An image release reads the draft tree: mixed $schema hosts, a
		// two-part plan reference, two SKUs.
		body, err := piClient(serve(t, load(t, "pi-resource-tree-product-draft-cloudpub.json", http.StatusOK))).ResourceTree(context.Background(), "ffffffff-ffff-ffff-ffff-ffffffffffff", "draft")
		if err != nil {
			t.Fatal(err)
		}
		tree, err := imageplan.ParseTree(body)
		if err != nil || tree.Product() != "product/ffffffff-ffff-ffff-ffff-ffffffffffff" || tree.OfferID() != "example-product" || tree.DraftSubmission() != "submission/ffffffff-ffff-ffff-ffff-ffffffffffff/0" {
			t.Fatalf("tree: product %q offer %q draft %q, %v", tree.Product(), tree.OfferID(), tree.DraftSubmission(), err)
		}
		sas := &imageplan.SAS{OSDisk: "https://contoso.blob.core.windows.net/vhds/os.vhd?sv=2024-08-04&sp=rl&sig=c2lnbmF0dXJl"}
		release := imageplan.Release{PlanID: "plan-1", Version: "2.1.0", Source: imageplan.Source{SAS: sas}, IfExists: imageplan.SkipIfIdentical}
		if _, err := imageplan.Prepare(release, imageplan.Trees{Draft: tree}); err == nil || !strings.Contains(err.Error(), "has 2 SKUs") {
			t.Errorf("two SKUs, no image-types: %v", err)
		}
		release.ImageTypes = []imageplan.ImageType{imageplan.X64Gen2}
		// With the draft alone, its 2.0.0 was never published: a second new
		// image for x64Gen2 is refused.
		if _, err := imageplan.Prepare(release, imageplan.Trees{Draft: tree}); err == nil || !strings.Contains(err.Error(), "never published") {
			t.Errorf("a second unpublished version: %v", err)
		}
		// Once the same tree is live, 2.0.0 is published and 2.1.0 is added.
		change, err := imageplan.Prepare(release, imageplan.Trees{Draft: tree, Live: tree})
		if err != nil || change.Outcome != imageplan.Add || !slices.Equal(change.SKUIDs, []string{"plan-1"}) {
			t.Fatalf("a new version for x64Gen2: %+v, %v", change, err)
		}
		// The version already there (2.0.0) with another image is refused.
		release.Version = "2.0.0"
		if _, err := imageplan.Prepare(release, imageplan.Trees{Draft: tree, Live: tree}); err == nil || !strings.Contains(err.Error(), "different image") {
			t.Errorf("2.0.0 with another image: %v", err)
		}
	},
	// --- Cloud Partner Portal ---------------------------------------------
	"cpp-offers-list-200-array-not-value.json": func(t *testing.T) {
		r := load(t, "cpp-offers-list-200-array-not-value.json", http.StatusOK)
		offers, err := cppClient(serve(t, r)).Offers(context.Background(), "contoso")
		if err != nil || len(offers) != 2 || offers[0].ID != "test-vm" || offers[1].Definition.DisplayText != "Another Test Virtual Machine Offer" {
			t.Fatalf("offers %+v, %v", offers, err)
		}
		if st, ok := snapshot.ParseState(offers[0].Status); !ok || st != snapshot.StateNotStarted {
			t.Errorf("neverPublished reads as %s %v", st, ok)
		}
		// changedTime with no zone, read by the decoder that reads changedTime.
		subs, err := cpp.DecodeSubmissions(r.body)
		if err != nil || len(subs) != 2 {
			t.Fatal(err)
		}
		for i, want := range []string{"2022-06-02T12:25:56.651Z", "2022-05-30T06:43:52.062Z"} {
			at, ok := subs[i].Changed()
			if !ok || at.Format(time.RFC3339Nano) != want {
				t.Errorf("changedTime %q reads as %v %v; want %s (zoneless is UTC)", subs[i].ChangedTime, at, ok, want)
			}
		}
	},
	"cpp-offers-list-200-empty-array.json": func(t *testing.T) {
		offers, err := cppClient(serve(t, load(t, "cpp-offers-list-200-empty-array.json", http.StatusOK))).Offers(context.Background(), "contoso")
		if err != nil || len(offers) != 0 {
			t.Errorf("offers %+v, %v; want none, no error", offers, err)
		}
	},
	"cpp-offer-put-200-vm-offer-waitingForPublisherReview.json": func(t *testing.T) {
		// One offer object where a list is asked for: a list of one.
		offers, err := cppClient(serve(t, load(t, "cpp-offer-put-200-vm-offer-waitingForPublisherReview.json", http.StatusOK))).Offers(context.Background(), "test-publisher")
		if err != nil || len(offers) != 1 || offers[0].ID != "test-vm" || offers[0].Definition.DisplayText != "Contoso Virtual Machine Offer" {
			t.Fatalf("offers %+v, %v", offers, err)
		}
		if st, ok := snapshot.ParseState(offers[0].Status); !ok || st != snapshot.StateWaitingReview {
			t.Errorf("waitingForPublisherReview reads as %s %v", st, ok)
		}
		// An image release reads the offer to PUT it back with If-Match: this
		// body carries no eTag (nor its recording an ETag header), so the
		// offer is refused before any PUT, never written without one.
		if _, _, err := cppClient(serve(t, load(t, "cpp-offer-put-200-vm-offer-waitingForPublisherReview.json", http.StatusOK))).Offer(context.Background(), "test-publisher", "test-vm"); !errors.Is(err, cpp.ErrNoETag) {
			t.Errorf("an offer with no ETag: %v", err)
		}
		// Its plan takes a new version next to 1.0.1; 1.0.1 with another VHD is refused.
		body := load(t, "cpp-offer-put-200-vm-offer-waitingForPublisherReview.json", 0).body
		sas := &imageplan.SAS{OSDisk: "https://contoso.blob.core.windows.net/vhds/os.vhd?sv=2024-08-04&sp=rl&sig=c2lnbmF0dXJl"}
		release := imageplan.Release{PlanID: "contososkuidentifier", Version: "1.0.2", Source: imageplan.Source{SAS: sas}, IfExists: imageplan.SkipIfIdentical}
		if change, err := imageplan.PrepareCPP(release, imageplan.CPPOffers{Draft: body, Live: body}); err != nil || change.Outcome != imageplan.Add {
			t.Errorf("1.0.2: %+v, %v", change, err)
		}
		release.Version = "1.0.1"
		if _, err := imageplan.PrepareCPP(release, imageplan.CPPOffers{Draft: body, Live: body}); err == nil || !strings.Contains(err.Error(), "different image") {
			t.Errorf("1.0.1 with another VHD: %v", err)
		}
		subs, _ := cpp.DecodeSubmissions(load(t, "cpp-offer-put-200-vm-offer-waitingForPublisherReview.json", 0).body)
		if at, ok := subs[0].Changed(); !ok || at.Format(time.RFC3339Nano) != "2022-06-01T05:41:25.9695742Z" {
			t.Errorf("changedTime %q reads as %v %v", subs[0].ChangedTime, at, ok)
		}
	},
	"cpp-error-forbidden-publisher.json": func(t *testing.T) {
		_, err := cppClient(serve(t, load(t, "cpp-error-forbidden-publisher.json", http.StatusForbidden))).Operation(context.Background(), "contoso", "o", "56615b67-2185-49fe-80d2-c4ddf77bb2e8")
		e := wantAPIError(t, err, 403, "forbidden: the service principal has not been added", "Forbidden: User does not have the required permissions", false)
		if !e.HasCode("forbidden") {
			t.Error("Forbidden is not forbidden")
		}
	},
	"cpp-error-offertypeid-null-badrequest.json": func(t *testing.T) {
		_, err := cppClient(serve(t, load(t, "cpp-error-offertypeid-null-badrequest.json", http.StatusBadRequest))).Submissions(context.Background(), "contoso", "o")
		e := wantAPIError(t, err, 400, "bad or malformed request", "BadRequest: The argument: 'OfferTypeId' cannot be null or empty.", false)
		if !e.HasCode("badRequest") {
			t.Error("BadRequest is not badRequest")
		}
	},
	"cpp-error-internalservererror-fragment.txt": func(t *testing.T) {
		_, err := cppClient(serve(t, load(t, "cpp-error-internalservererror-fragment.txt", http.StatusInternalServerError))).Operation(context.Background(), "contoso", "o", "56615b67-2185-49fe-80d2-c4ddf77bb2e8")
		wantAPIError(t, err, 500, "the service had a problem", `InternalServerError","message":"We cannot complete the request now, please try again later."`, true)
	},
	"cpp-golive-202-operation-location-absolute-docs-2018.json": func(t *testing.T) {
		loc := offerAndLocation(t, "cpp-golive-202-operation-location-absolute-docs-2018.json", func(c *cpp.Client) (string, error) {
			return c.GoLive(context.Background(), "contoso", "contoso-virtualmachineoffer")
		})
		if loc.Host != "cloudpartner.azure.com" || loc.Publisher != "contoso" || loc.Offer != "contoso-virtualmachineoffer" || loc.Operation != "56615b67-2185-49fe-80d2-c4ddf77bb2e8" || loc.Legacy {
			t.Errorf("location %+v", loc)
		}
	},
	"cpp-publish-202-location-relative-migrated-docs-2020.json": func(t *testing.T) {
		loc := offerAndLocation(t, "cpp-publish-202-location-relative-migrated-docs-2020.json", func(c *cpp.Client) (string, error) {
			return c.Publish(context.Background(), "contoso", "contoso-offer", "a@example.com")
		})
		if loc.Host != "" || loc.Publisher != "contoso" || loc.Offer != "contoso-offer" || loc.Operation != "56615b67-2185-49fe-80d2-c4ddf77bb2e8" || loc.Legacy {
			t.Errorf("location %+v", loc)
		}
	},
	"cpp-publish-202-location-nonmigrated-dollar-path-docs-2020.json": func(t *testing.T) {
		loc := offerAndLocation(t, "cpp-publish-202-location-nonmigrated-dollar-path-docs-2020.json", func(c *cpp.Client) (string, error) {
			return c.Publish(context.Background(), "contoso", "contoso-offer", "a@example.com")
		})
		if !loc.Legacy || loc.Operation != "contoso$contoso-offer$2$preview" || loc.Offer != "contoso-offer" {
			t.Errorf("location %+v", loc)
		}
	},
	// --- Azure AD token endpoint -------------------------------------------
	"aad-v1-token-response-cloudpub-fixture.json": func(t *testing.T) {
		tok, seen, err := token(t, "aad-v1-token-response-cloudpub-fixture.json")
		if err != nil || tok != "faketoken" || seen != "faketoken" {
			t.Errorf("token %q (masked %q), %v; numbers as strings must decode", tok, seen, err)
		}
	},
	"aad-v2-token-response-integer-expires.json": func(t *testing.T) {
		tok, seen, err := token(t, "aad-v2-token-response-integer-expires.json")
		if err != nil || tok != "<redacted-jwt>" || seen != tok {
			t.Errorf("token %q (masked %q), %v", tok, seen, err)
		}
	},
	"aad-token-error-401-invalid-client-secret.json": func(t *testing.T) {
		_, _, err := token(t, "aad-token-error-401-invalid-client-secret.json")
		var tr interface{ Transient() bool }
		if err == nil || !errors.As(err, &tr) || tr.Transient() {
			t.Fatalf("%v: want a final refusal", err)
		}
		msg := err.Error()
		for _, want := range []string{"(invalid_client)", "client-secret is wrong: use the secret's Value", "Azure AD said: AADSTS7000215: Invalid client secret provided."} {
			if !strings.Contains(msg, want) {
				t.Errorf("%q lacks %q", msg, want)
			}
		}
		if strings.ContainsAny(msg, "\r\n") {
			t.Errorf("%q is not one line", msg)
		}
	},
	// --- the older Partner Center ingestion API: error bodies and paging ----
	"pcv1-products-404-empty-body.json": func(t *testing.T) {
		_, err := piClient(serve(t, load(t, "pcv1-products-404-empty-body.json", 0))).Submissions(context.Background(), "p")
		wantAPIError(t, err, 404, "not found", "", false)
	},
	"pcv1-setup-400-json-string-wrapped-error.json": func(t *testing.T) {
		_, err := configure(t, "pcv1-setup-400-json-string-wrapped-error.json", 0)
		wantAPIError(t, err, 400, "bad or malformed request",
			`ICH50400 - Unable to complete request. {"faultCode":50400,"reasonPhrase":"Request validation failed.","correlationId":"808f5191-e926-4ba0-b167-d1c0f04ebca8","operationId":"1cdfd6fbf1a6b992666e80aa9e781e13","data":{"FeatureName":["The field FeatureName is invalid."]}}`, false)
	},
	"pcv1-submission-validations-error-list.json": func(t *testing.T) {
		// Status not recorded: as an error answer, its list is quoted.
		_, err := configure(t, "pcv1-submission-validations-error-list.json", http.StatusBadRequest)
		wantAPIError(t, err, 400, "bad or malformed request", "Resell-20007: ResellerConfiguration module is missing..", false)
	},
	"pcv1-products-filter-not-found-empty-value.json": func(t *testing.T) {
		_, err := piClient(serve(t, load(t, "pcv1-products-filter-not-found-empty-value.json", http.StatusOK))).ProductByExternalID(context.Background(), "nope")
		if err == nil || !strings.Contains(err.Error(), `external-id "nope" names no product`) {
			t.Errorf("%v: an empty list is the answer that nothing matched", err)
		}
	},
	"pcv1-variants-list-empty-200.json": func(t *testing.T) {
		if subs := submissions(t, "pcv1-variants-list-empty-200.json"); len(subs) != 0 {
			t.Errorf("submissions %+v; want none", subs)
		}
	},
	"pcv1-products-list-page1-relative-nextlink.json": func(t *testing.T) {
		list, next := page(t, "pcv1-products-list-page1-relative-nextlink.json")
		if len(list) != 1 || !strings.HasPrefix(next, "v1.0/ingestion/products?$skipToken=eyJ") {
			t.Errorf("%d items, next %q", len(list), next)
		}
	},
	"pcv1-products-list-page2-relative-nextlink.json": func(t *testing.T) {
		list, next := page(t, "pcv1-products-list-page2-relative-nextlink.json")
		if len(list) != 4 || !strings.HasPrefix(next, "v1.0/ingestion/products?$skipToken=eyJ") {
			t.Errorf("%d items, next %q", len(list), next)
		}
	},
	"pcv1-products-list-lastpage-no-nextlink.json": func(t *testing.T) {
		list, next := page(t, "pcv1-products-list-lastpage-no-nextlink.json")
		if len(list) != 2 || next != "" {
			t.Errorf("%d items, next %q", len(list), next)
		}
		// The three pages in turn: short pages never end the list; only the
		// missing key does. Each link's token is sent on our own URL.
		var rs []replay
		var tokens []string
		for _, name := range []string{"pcv1-products-list-page1-relative-nextlink.json", "pcv1-products-list-page2-relative-nextlink.json", "pcv1-products-list-lastpage-no-nextlink.json"} {
			r := load(t, name, 0)
			rs = append(rs, r)
			if _, next, _ := apihttp.DecodePage[ingestion.Product](r.body, "products"); next != "" {
				u, _ := url.Parse(next)
				tokens = append(tokens, u.Query().Get("$skipToken"))
			}
		}
		s := serve(t, rs...)
		subs, err := piClient(s).Submissions(context.Background(), "p")
		uris := s.requests()
		if err != nil || len(subs) != 7 || len(uris) != 3 {
			t.Fatalf("%d entries in %d requests, %v; want 7 in 3", len(subs), len(uris), err)
		}
		for i, tok := range tokens {
			if got, _ := url.Parse(uris[i+1]); !strings.HasPrefix(got.Path, "/rp/product-ingestion/submission/p") || got.Query().Get("$skipToken") != tok {
				t.Errorf("request %d %q does not carry page %d's token", i+1, uris[i+1], i+1)
			}
		}
	},
}

// token signs in against a token endpoint that answers with the capture.
func token(t *testing.T, name string) (tok, masked string, err error) {
	t.Helper()
	s := serve(t, load(t, name, http.StatusOK))
	authority, _ := url.Parse(s.URL)
	src := auth.ClientCredentials(authority, "tenant", "client", "secret-of-the-test", "https://graph.microsoft.com", s.Client(), func(v string) { masked = v })
	tok, err = src.Token(context.Background())
	if uris := s.requests(); len(uris) != 1 || uris[0] != "/tenant/oauth2/token" {
		t.Errorf("requests %q", uris)
	}
	return tok, masked, err
}

func TestCaptures(t *testing.T) {
	entries, err := os.ReadDir(capturesDir)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s is not beside this clone (CI always has it): the recorded bodies cannot be replayed", capturesDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == "SOURCES.md" {
			continue
		}
		present[name] = true
		check, ours := cases[name]
		reason, notOur := notOurs[name]
		switch {
		case ours && notOur:
			t.Errorf("%s has a case and is listed as not ours (%s)", name, reason)
		case ours:
			t.Run(name, check)
		case !notOur:
			t.Errorf("capture %s has no case: say what we make of it, or list it in notOurs with the reason", name)
		}
	}
	for name := range cases {
		if !present[name] {
			t.Errorf("the case for %s has no capture in %s", name, capturesDir)
		}
	}
	for name := range notOurs {
		if !present[name] {
			t.Errorf("%s is listed as not ours but is not in %s", name, capturesDir)
		}
	}
}
