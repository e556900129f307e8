package simulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

var (
	stampRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$`)
	guidRE  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	subRE   = regexp.MustCompile(`^submission/` + simulator.ProductID + `/\d{19}$`)
)

// graphClient calls the simulated product-ingestion API with a Graph token.
type graphClient struct {
	t    *testing.T
	sim  *simulator.Server
	base string // scheme and host
	tok  string
}

// newGraph starts a simulator playing the scenario named name (a bare name
// is enough: the ingestion side reads only the name).
func newGraph(t *testing.T, name string, opts ...simulator.Option) *graphClient {
	t.Helper()
	sc, ok := simulator.Lookup(name)
	if !ok {
		sc = simulator.Scenario{Name: name}
	}
	sim := simulator.New(sc, opts...)
	srv := sim.Start()
	t.Cleanup(srv.Close)
	return &graphClient{t: t, sim: sim, base: srv.URL, tok: sim.AuthorizeFor(simulator.GraphResource)}
}

// call sends a request to path under the API (adding $version) or to an
// absolute URL as given; it returns the status, the decoded body and headers.
func (c *graphClient) call(method, path, body string) (int, map[string]any, http.Header) {
	c.t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		u = c.base + simulator.IngestionPath + path + sep + "$version=" + simulator.IngestionVersion
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		c.t.Fatalf("%s %s: body %q is not a JSON object: %v", method, path, raw, err)
	}
	return resp.StatusCode, m, resp.Header
}

func (c *graphClient) get(path string) (int, map[string]any) {
	c.t.Helper()
	code, m, _ := c.call("GET", path, "")
	return code, m
}

// listAll follows @nextLink from the first page of the product's submissions.
func (c *graphClient) listAll(query string) (subs []map[string]any, links []string) {
	c.t.Helper()
	next := "/submission/" + simulator.ProductID + query
	for next != "" {
		code, page := c.get(next)
		if code != http.StatusOK {
			c.t.Fatalf("GET %s: HTTP %d %v", next, code, page)
		}
		for _, v := range page["value"].([]any) {
			subs = append(subs, v.(map[string]any))
		}
		next, _ = page["@nextLink"].(string)
		if next != "" {
			links = append(links, next)
		}
		if len(links) > 20 {
			c.t.Fatal("@nextLink never ends")
		}
	}
	return subs, links
}

// list is one page holding every submission: a single tick.
func (c *graphClient) list() map[string]map[string]any {
	c.t.Helper()
	code, page := c.get("/submission/" + simulator.ProductID + "?$maxpagesize=100")
	if code != http.StatusOK || page["@nextLink"] != nil {
		c.t.Fatalf("list: HTTP %d %v", code, page)
	}
	byID := map[string]map[string]any{}
	for _, v := range page["value"].([]any) {
		sub := v.(map[string]any)
		byID[sub["id"].(string)] = sub
	}
	return byID
}

func ids(subs []map[string]any) []string {
	var out []string
	for _, s := range subs {
		out = append(out, s["id"].(string))
	}
	return out
}

func TestHistoryIsAlwaysListed(t *testing.T) {
	c := newGraph(t, "publish", simulator.WithIngestionIdle())
	subs, _ := c.listAll("")
	if want := []string{simulator.DraftSubmissionID, simulator.HistoryLiveID, simulator.HistoryPreviewID}; !slices.Equal(ids(subs), want) {
		t.Fatalf("ids %v, want %v", ids(subs), want)
	}
	draft := subs[0]
	if draft["target"].(map[string]any)["targetType"] != "draft" || draft["lifecycleState"] == nil || draft["status"] != nil || draft["result"] != nil || draft["created"] != nil {
		t.Errorf("draft %v", draft)
	}
	for i, created := range map[int]string{1: "2026-10-20T07:13:06.4408032Z", 2: "2026-10-25T07:13:06.4408032Z"} {
		if s := subs[i]; s["status"] != "completed" || s["result"] != "succeeded" || s["created"] != created || s["product"] != "product/"+simulator.ProductID {
			t.Errorf("history entry %v", s)
		}
	}
	if code, _ := c.get("/configure/" + simulator.JobID + "/status"); code != http.StatusNotFound {
		t.Errorf("idle: JobID answers %d, want 404", code)
	}
}

func TestSubmissionPaging(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      []simulator.Option
		advance   int // job status GETs first
		query     string
		wantIDs   []string
		wantPages int
	}{
		{"default page size", []simulator.Option{simulator.WithIngestionIdle()}, 0, "",
			[]string{simulator.DraftSubmissionID, simulator.HistoryLiveID, simulator.HistoryPreviewID}, 2},
		{"page size 1", []simulator.Option{simulator.WithIngestionIdle(), simulator.WithPageSize(1)}, 0, "",
			[]string{simulator.DraftSubmissionID, simulator.HistoryLiveID, simulator.HistoryPreviewID}, 3},
		{"$maxpagesize wins", []simulator.Option{simulator.WithIngestionIdle(), simulator.WithPageSize(1)}, 0, "?$maxpagesize=3",
			[]string{simulator.DraftSubmissionID, simulator.HistoryLiveID, simulator.HistoryPreviewID}, 1},
		{"the new submission last", nil, simulator.SubmissionAppearsAt, "",
			[]string{simulator.DraftSubmissionID, simulator.HistoryLiveID, simulator.HistoryPreviewID, simulator.InFlightSubmissionID}, 2},
		{"targetType filter", []simulator.Option{simulator.WithPageSize(1)}, simulator.SubmissionAppearsAt, "?targetType=preview",
			[]string{simulator.HistoryPreviewID, simulator.InFlightSubmissionID}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newGraph(t, "publish", tc.opts...)
			for range tc.advance {
				c.get("/configure/" + simulator.JobID + "/status")
			}
			subs, links := c.listAll(tc.query)
			if !slices.Equal(ids(subs), tc.wantIDs) || len(links)+1 != tc.wantPages {
				t.Fatalf("ids %v in %d pages, want %v in %d", ids(subs), len(links)+1, tc.wantIDs, tc.wantPages)
			}
			prefix := c.base + simulator.IngestionPath + "/submission/" + simulator.ProductID + "?$version=" + simulator.IngestionVersion
			for _, l := range links {
				if !strings.HasPrefix(l, prefix) || !strings.Contains(l, "$skipToken=") || !strings.Contains(l, strings.TrimPrefix(tc.query, "?")) {
					t.Errorf("@nextLink %s, want %s…%s…$skipToken=", l, prefix, tc.query)
				}
			}
		})
	}
}

// scenarios is how each scenario's publish ends.
var scenarios = []struct {
	name, target, jobResult, subResult string
	completesAt                        int
	submission                         bool
}{
	{"publish", "preview", "succeeded", "succeeded", simulator.JobCompletesAt, true},
	{"live", "live", "succeeded", "succeeded", simulator.JobCompletesAt, true},
	{"failed", "preview", "failed", "failed", simulator.JobCompletesAt, true},
	{"blocked", "preview", "failed", "failed", simulator.JobCompletesAt, true},
	{"canceled", "preview", "cancelled", "failed", simulator.JobCompletesAt, true},
	{"rejected", "preview", "failed", "", simulator.RejectedAt, false},
	{"something-else", "preview", "succeeded", "succeeded", simulator.JobCompletesAt, true},
}

func TestSubmissionAppearsFromItsTick(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			c := newGraph(t, sc.name)
			for tick := range simulator.JobCompletesAt + 2 {
				sub, listed := c.list()[simulator.InFlightSubmissionID]
				if want := sc.submission && tick >= simulator.SubmissionAppearsAt; listed != want {
					t.Fatalf("tick %d: listed %v, want %v", tick, listed, want)
				}
				if !listed {
					continue
				}
				status, result := "running", "pending"
				if tick >= sc.completesAt {
					status, result = "completed", sc.subResult
				}
				if sub["status"] != status || sub["result"] != result || sub["target"].(map[string]any)["targetType"] != sc.target || !stampRE.MatchString(sub["created"].(string)) {
					t.Fatalf("tick %d: %v, want %s/%s to %s", tick, sub, status, result, sc.target)
				}
			}
		})
	}
}

func TestJobStatusTimeline(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			c := newGraph(t, sc.name)
			for tick := range simulator.JobCompletesAt + 2 {
				code, j := c.get("/configure/" + simulator.JobID + "/status")
				status, result := "running", "pending"
				switch {
				case tick >= sc.completesAt:
					status, result = "completed", sc.jobResult
				case tick < simulator.JobRunsAt:
					status = "notStarted"
				}
				errs, isArray := j["errors"].([]any)
				if code != http.StatusOK || j["jobId"] != simulator.JobID || j["jobID"] != nil || j["jobStatus"] != status || j["jobResult"] != result || !isArray ||
					!strings.Contains(j["$schema"].(string), "/configure-status/") || !stampRE.MatchString(j["jobStart"].(string)) {
					t.Fatalf("tick %d: HTTP %d %v, want %s/%s", tick, code, j, status, result)
				}
				done := status == "completed"
				if end := j["jobEnd"].(string); done != stampRE.MatchString(end) || !done && end != "0001-01-01" {
					t.Errorf("tick %d: jobEnd %q", tick, end)
				}
				if uri, _ := j["resourceUri"].(string); done != (uri == "https://product-ingestion.mp.microsoft.com/configure/"+simulator.JobID) {
					t.Errorf("tick %d: resourceUri %q", tick, uri)
				}
				if (result == "failed") != (len(errs) > 0) {
					t.Fatalf("tick %d: errors %v", tick, errs)
				}
				if len(errs) == 0 {
					continue
				}
				e := errs[0].(map[string]any)
				detail := e["details"].([]any)[0].(map[string]any)
				wantCode, wantRes := "certificationError", simulator.InFlightSubmissionID
				if !sc.submission {
					wantCode, wantRes = "businessValidationError", simulator.DraftSubmissionID
				}
				if e["code"] != "badRequest" || e["resourceId"] != wantRes || detail["code"] != wantCode || detail["message"] == "" || detail["resourceId"] == nil {
					t.Errorf("tick %d: error %v, want %s on %s", tick, e, wantCode, wantRes)
				}
			}
		})
	}
}

func TestJobDetail(t *testing.T) {
	for _, tc := range []struct {
		name, scenario string
		opts           []simulator.Option
		completesAt    int
		wantSubmission bool
	}{
		{"names the submission", "publish", nil, simulator.JobCompletesAt, true},
		{"a failed publish's too", "failed", nil, simulator.JobCompletesAt, true},
		{"without the submission", "publish", []simulator.Option{simulator.WithoutDetailSubmission()}, simulator.JobCompletesAt, false},
		{"rejected: none", "rejected", nil, simulator.RejectedAt, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newGraph(t, tc.scenario, tc.opts...)
			for tick := range tc.completesAt {
				if code, body := c.get("/configure/" + simulator.JobID); code != http.StatusBadRequest || body["error"] == nil {
					t.Fatalf("tick %d: HTTP %d %v, want 400 before completion", tick, code, body)
				}
			}
			code, d := c.get("/configure/" + simulator.JobID)
			if code != http.StatusOK || !strings.Contains(d["$schema"].(string), "/configure-detail/") {
				t.Fatalf("after completion: HTTP %d %v", code, d)
			}
			named := false
			for _, r := range d["resources"].([]any) {
				res := r.(map[string]any)
				if strings.HasPrefix(res["id"].(string), "submission/") {
					named = res["id"] == simulator.InFlightSubmissionID && res["status"] == "completed" && res["product"] == "product/"+simulator.ProductID
				}
			}
			if named != tc.wantSubmission {
				t.Errorf("resources %v: names the submission %v, want %v", d["resources"], named, tc.wantSubmission)
			}
		})
	}
}

const (
	configureSchema  = `"$schema": "https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2"`
	submissionSchema = `"$schema": "https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2"`
	publishDoc       = `{` + configureSchema + `, "resources": [{` + submissionSchema + `, "id": "` + simulator.DraftSubmissionID + `", "product": "product/` + simulator.ProductID + `", "target": {"targetType": "preview"}}]}`
	listingDoc       = `{` + configureSchema + `, "resources": [{"$schema": "https://schema.mp.microsoft.com/schema/listing/2022-03-01-preview2", "product": "product/` + simulator.ProductID + `", "title": "Contoso VM"}]}`
)

func TestConfigureValidation(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"not JSON", `{"$schema": `},
		{"no $schema", `{"resources": [{}]}`},
		{"not a configure schema", `{"$schema": "https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2", "resources": [{}]}`},
		{"no resources", `{` + configureSchema + `}`},
		{"empty resources", `{` + configureSchema + `, "resources": []}`},
		{"resources not an array", `{` + configureSchema + `, "resources": {}}`},
		{"a resource not an object", `{` + configureSchema + `, "resources": [7]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newGraph(t, "publish", simulator.WithIngestionIdle())
			code, body, _ := c.call("POST", "/configure", tc.body)
			e, _ := body["error"].(map[string]any)
			if code != http.StatusBadRequest || e == nil || e["message"] == "" {
				t.Errorf("HTTP %d %v, want 400 with an error", code, body)
			}
			if len(c.sim.Jobs()) != 0 {
				t.Errorf("jobs %v after a refused configure", c.sim.Jobs())
			}
		})
	}
}

func TestConfigureStartsAJob(t *testing.T) {
	for _, tc := range []struct {
		name, scenario, body, result string
		submission                   bool
	}{
		{"a publish", "publish", publishDoc, "succeeded", true},
		{"a failing publish", "failed", publishDoc, "failed", true},
		{"a rejected publish", "rejected", publishDoc, "failed", false},
		{"not a publish", "failed", listingDoc, "succeeded", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newGraph(t, tc.scenario, simulator.WithIngestionIdle())
			code, j, h := c.call("POST", "/configure", tc.body)
			id, _ := j["jobId"].(string)
			errs, isArray := j["errors"].([]any)
			if code != http.StatusAccepted || h.Get("Location") != "" || !guidRE.MatchString(id) || j["jobStatus"] != "notStarted" || j["jobResult"] != "pending" ||
				j["jobEnd"] != "0001-01-01" || !stampRE.MatchString(j["jobStart"].(string)) || !isArray || len(errs) != 0 {
				t.Fatalf("HTTP %d %v (Location %q), want 202 and a notStarted job", code, j, h.Get("Location"))
			}
			if got := c.sim.Jobs(); !slices.Equal(got, []string{id}) {
				t.Fatalf("Jobs() %v, want [%s]", got, id)
			}
			sub := c.sim.SubmissionOf(id)
			if tc.submission != subRE.MatchString(sub) || !tc.submission && sub != "" {
				t.Fatalf("SubmissionOf = %q", sub)
			}
			var last map[string]any
			for range simulator.JobCompletesAt + 1 {
				_, last = c.get("/configure/" + id + "/status")
			}
			if last["jobStatus"] != "completed" || last["jobResult"] != tc.result {
				t.Errorf("job ends %v, want completed/%s", last, tc.result)
			}
			if _, listed := c.list()[sub]; listed != tc.submission {
				t.Errorf("submission %q listed %v, want %v", sub, listed, tc.submission)
			}
		})
	}
}

func TestGetOneSubmission(t *testing.T) {
	c := newGraph(t, "publish")
	path := func(id string) string { return "/submission/" + id[len("submission/"):] }
	if code, s := c.get(path(simulator.HistoryLiveID)); code != http.StatusOK || s["id"] != simulator.HistoryLiveID || s["value"] != nil {
		t.Errorf("history: HTTP %d %v", code, s)
	}
	for _, p := range []string{"/submission/" + simulator.ProductID + "/1152921515689840000", "/submission/00000000-0000-4000-8000-000000000000/1152921515689847470"} {
		if code, _ := c.get(p); code != http.StatusNotFound {
			t.Errorf("GET %s: HTTP %d, want 404", p, code)
		}
	}
	for tick := range simulator.JobCompletesAt + 1 {
		code, s := c.get(path(simulator.InFlightSubmissionID))
		want := http.StatusNotFound
		if tick >= simulator.SubmissionAppearsAt {
			want = http.StatusOK
		}
		if code != want || code == http.StatusOK && s["id"] != simulator.InFlightSubmissionID {
			t.Fatalf("tick %d: HTTP %d %v, want %d", tick, code, s, want)
		}
	}
}

func TestCancelJob(t *testing.T) {
	c := newGraph(t, "publish")
	code, j, _ := c.call("POST", "/configure/"+simulator.JobID+"/cancel", "")
	if code != http.StatusOK || j["jobStatus"] != "completed" || j["jobResult"] != "cancelled" {
		t.Fatalf("cancel: HTTP %d %v", code, j)
	}
	if code, d := c.get("/configure/" + simulator.JobID); code != http.StatusOK {
		t.Errorf("detail of a canceled job: HTTP %d %v", code, d)
	}
	code, body, _ := c.call("POST", "/configure/"+simulator.JobID+"/cancel", "")
	if e, _ := body["error"].(map[string]any); code != http.StatusBadRequest || e["message"] != "Cannot cancel job, job has already completed." {
		t.Errorf("second cancel: HTTP %d %v", code, body)
	}
	if code, body := c.get("/configure/00000000-0000-4000-8000-000000000000/status"); code != http.StatusNotFound || body["error"].(map[string]any)["code"] != "notFound" {
		t.Errorf("unknown job: HTTP %d %v", code, body)
	}
}

func TestProductByExternalID(t *testing.T) {
	c := newGraph(t, "publish")
	for _, q := range []string{"externalId", "externalID"} {
		code, body := c.get("/product?" + q + "=" + simulator.Offer)
		v := body["value"].([]any)
		if code != http.StatusOK || len(v) != 1 || v[0].(map[string]any)["id"] != "product/"+simulator.ProductID {
			t.Errorf("?%s=: HTTP %d %v", q, code, body)
		}
	}
}

// TestGoLiveKeepsThePreviewsID: configuring a preview submission to live
// makes no new id: its live entry is listed under the preview's, beside the
// preview entry (as cloudpub's recorded list shows), created at the go-live.
func TestGoLiveKeepsThePreviewsID(t *testing.T) {
	c := newGraph(t, "publish", simulator.WithIngestionIdle())
	goLive := strings.Replace(strings.Replace(publishDoc, simulator.DraftSubmissionID, simulator.HistoryPreviewID, 1), `"preview"`, `"live"`, 1)
	posted := time.Now().Add(-time.Second)
	job := c.post(goLive)
	if got := c.sim.SubmissionOf(job); got != simulator.HistoryPreviewID {
		t.Fatalf("the go-live's submission is %q; want the preview's id %s", got, simulator.HistoryPreviewID)
	}
	c.finish(job)
	subs, _ := c.listAll("?$maxpagesize=100")
	var targets []string
	for _, s := range subs {
		if s["id"] == simulator.HistoryPreviewID {
			targets = append(targets, s["target"].(map[string]any)["targetType"].(string))
			created, _ := time.Parse(time.RFC3339Nano, s["created"].(string))
			if s["target"].(map[string]any)["targetType"] == "live" && (s["status"] != "completed" || s["result"] != "succeeded" || created.Before(posted)) {
				t.Errorf("the live entry %v; want completed succeeded, created at the go-live", s)
			}
		}
	}
	if strings.Join(targets, ",") != "preview,live" {
		t.Errorf("entries of %s: %v; want preview and live", simulator.HistoryPreviewID, targets)
	}
	// A publish to preview still makes a new id.
	if got := c.sim.SubmissionOf(c.post(publishDoc)); got == simulator.DraftSubmissionID || got == "" {
		t.Errorf("a publish's submission is %q; want a new one", got)
	}
}
