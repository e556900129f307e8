package simulator_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

const emailsBody = `{"metadata":{"notification-emails":"a@contoso.com,b@contoso.com"}}`

var (
	migratedRE = regexp.MustCompile(`^/api/publishers/` + simulator.Publisher + `/offers/` + simulator.Offer + `/operations/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\?api-version=` + simulator.APIVersion + `$`)
	legacyLoc  = "/api/operations/" + simulator.LegacyKey(simulator.Offer) + "?api-version=" + simulator.APIVersion
)

// cppClient calls the simulated Cloud Partner Portal with a CPP token.
type cppClient struct {
	t    *testing.T
	sim  *simulator.Server
	base string
	tok  string
}

func newCPP(t *testing.T, scenario string, opts ...simulator.Option) *cppClient {
	t.Helper()
	sc, ok := simulator.Lookup(scenario)
	if !ok {
		t.Fatalf("no scenario %s", scenario)
	}
	sim := simulator.New(sc, opts...)
	srv := sim.Start()
	t.Cleanup(srv.Close)
	return &cppClient{t: t, sim: sim, base: srv.URL, tok: sim.Authorize()}
}

// do sends a request to path (with api-version unless it has one) and
// returns the status, the raw body and the headers; err is the transport's.
func (c *cppClient) do(method, path, body string) (int, []byte, http.Header, error) {
	c.t.Helper()
	if !strings.Contains(path, "api-version=") {
		path += "?api-version=" + simulator.APIVersion
	}
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.tok)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, resp.Header, nil
}

// start POSTs publish or golive to the offer.
func (c *cppClient) start(offer, what, body string) (int, map[string]any, http.Header) {
	c.t.Helper()
	code, raw, h, err := c.do("POST", "/api/publishers/"+simulator.Publisher+"/offers/"+offer+"/"+what, body)
	if err != nil {
		c.t.Fatalf("POST %s: %v", what, err)
	}
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			c.t.Fatalf("POST %s: body %q: %v", what, raw, err)
		}
	}
	return code, m, h
}

// op GETs an operation (a Location, or a GUID of Offer) and returns its
// frame; code is the HTTP status.
func (c *cppClient) op(loc string) (int, map[string]any) {
	c.t.Helper()
	if !strings.HasPrefix(loc, "/") {
		loc = "/api/publishers/" + simulator.Publisher + "/offers/" + simulator.Offer + "/operations/" + loc
	}
	code, raw, _, err := c.do("GET", loc, "")
	if err != nil {
		c.t.Fatal(err)
	}
	if code != http.StatusOK {
		return code, nil
	}
	var frames []map[string]any
	if err := json.Unmarshal(raw, &frames); err != nil || len(frames) != 1 {
		c.t.Fatalf("GET %s: %q is not a one-element array", loc, raw)
	}
	return code, frames[0]
}

// list is the offer's operations list.
func (c *cppClient) list(offer string) []map[string]any {
	c.t.Helper()
	code, raw, _, err := c.do("GET", "/api/publishers/"+simulator.Publisher+"/offers/"+offer+"/submissions", "")
	var l []map[string]any
	if err != nil || code != http.StatusOK || json.Unmarshal(raw, &l) != nil {
		c.t.Fatalf("list: HTTP %d %q %v", code, raw, err)
	}
	return l
}

// current is the list's entry for the operation under way, nil if none.
func current(l []map[string]any) map[string]any {
	for _, e := range l {
		if e["id"] != simulator.EarlierOperation {
			return e
		}
	}
	return nil
}

// advance GETs the operation n times.
func (c *cppClient) advance(loc string, n int) {
	c.t.Helper()
	for range n {
		if code, _ := c.op(loc); code != http.StatusOK {
			c.t.Fatalf("GET %s: HTTP %d", loc, code)
		}
	}
}

func errorOf(m map[string]any) (code, msg string) {
	e, _ := m["error"].(map[string]any)
	code, _ = e["code"].(string)
	msg, _ = e["message"].(string)
	return code, msg
}

// toSignoff is how many GETs take the publish scenario to sign-off.
func toSignoff() int {
	sc, _ := simulator.Lookup("publish")
	return len(sc.Frames) - 1
}

func TestPublishWhileAnOperationRuns(t *testing.T) {
	for _, tc := range []struct {
		name, scenario string
		advance        int // GETs of OperationID first
		want           int
	}{
		{"certification running", "publish", 2, http.StatusConflict},
		{"at sign-off: still running", "publish", toSignoff(), http.StatusConflict},
		{"blocked: the operation still says running", "blocked", 3, http.StatusConflict},
		{"failed: finished", "failed", 2, http.StatusAccepted},
		{"canceled: finished", "canceled", 2, http.StatusAccepted},
		{"live: succeeded", "live", 20, http.StatusAccepted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCPP(t, tc.scenario)
			c.advance(simulator.OperationID, tc.advance)
			before := current(c.list(simulator.Offer))
			code, body, h := c.start(simulator.Offer, "publish", emailsBody)
			if code != tc.want {
				t.Fatalf("HTTP %d %v, want %d", code, body, tc.want)
			}
			if code == http.StatusAccepted {
				if m := migratedRE.FindStringSubmatch(h.Get("Location")); m == nil || m[1] == simulator.OperationID || m[1] != c.sim.Operation(simulator.Offer) {
					t.Errorf("Location %q, Operation() %q", h.Get("Location"), c.sim.Operation(simulator.Offer))
				}
				return
			}
			kind, msg := errorOf(body)
			if kind != "Conflict" || !strings.HasPrefix(msg, "Another operation is in progress on offer "+simulator.Offer+".") || h.Get("Location") != "" {
				t.Errorf("body %v, Location %q", body, h.Get("Location"))
			}
			// Nothing changed: the same operation, at the same frame.
			if got := c.sim.Operation(simulator.Offer); got != simulator.OperationID {
				t.Errorf("Operation() = %q", got)
			}
			if after := current(c.list(simulator.Offer)); after["id"] != before["id"] || after["changedTime"] != before["changedTime"] || after["submissionState"] != "running" {
				t.Errorf("list entry %v, was %v", after, before)
			}
			if c.sim.Polls() != tc.advance {
				t.Errorf("Polls() = %d, want %d", c.sim.Polls(), tc.advance)
			}
		})
	}
}

func TestPublishStartsANewOperation(t *testing.T) {
	c := newCPP(t, "publish", simulator.WithIdle())
	if got := c.sim.Operation(simulator.Offer); got != "" {
		t.Fatalf("idle: Operation() = %q", got)
	}
	startedAt := time.Now()
	code, body, h := c.start(simulator.Offer, "publish", emailsBody)
	m := migratedRE.FindStringSubmatch(h.Get("Location"))
	if code != http.StatusAccepted || m == nil || m[1] == simulator.OperationID {
		t.Fatalf("HTTP %d %v, Location %q: want 202 and a new GUID", code, body, h.Get("Location"))
	}
	id := m[1]
	if got := c.sim.Operation(simulator.Offer); got != id {
		t.Errorf("Operation() = %q, want %s", got, id)
	}
	// The new operation plays the scenario from its first frame.
	sc, _ := simulator.Lookup("publish")
	var want []map[string]any // the frames as a client decodes them
	if err := json.Unmarshal(mustJSON(t, sc.Frames[:2]), &want); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	for range 2 {
		_, f := c.op(h.Get("Location"))
		got = append(got, f)
	}
	if g, w := mustJSON(t, got), mustJSON(t, want); string(g) != string(w) {
		t.Errorf("frames %s, want %s", g, w)
	}
	if code, _ := c.op(simulator.OperationID); code != http.StatusNotFound {
		t.Errorf("the old operation answers %d, want 404", code)
	}
	l := c.list(simulator.Offer)
	e := current(l)
	changed, err := time.Parse(time.RFC3339Nano, e["changedTime"].(string))
	if len(l) != 2 || e["id"] != id || e["submissionType"] != "publish" || e["submissionState"] != "running" || err != nil || changed.Before(startedAt.Add(-time.Second)) {
		t.Errorf("list %v", l)
	}
	if emails := e["definition"].(map[string]any)["metadata"].(map[string]any)["emails"]; emails != "a@contoso.com,b@contoso.com" {
		t.Errorf("emails %v", emails)
	}
	// A second publish while it runs is refused; the operation stays.
	if code, _, _ := c.start(simulator.Offer, "publish", emailsBody); code != http.StatusConflict || c.sim.Operation(simulator.Offer) != id {
		t.Errorf("second publish: HTTP %d, Operation() %q", code, c.sim.Operation(simulator.Offer))
	}
	if c.sim.Polls() != 2 {
		t.Errorf("Polls() = %d, want 2", c.sim.Polls())
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPublishOnAnOfferWithoutOperation: an offer that never had one gets
// the default publish.
func TestPublishOnAnOfferWithoutOperation(t *testing.T) {
	c := newCPP(t, "publish")
	code, _, h := c.start("contoso-app", "publish", emailsBody)
	id := c.sim.Operation("contoso-app")
	if code != http.StatusAccepted || !guidRE.MatchString(id) || !strings.HasSuffix(h.Get("Location"), "/offers/contoso-app/operations/"+id+"?api-version="+simulator.APIVersion) {
		t.Fatalf("HTTP %d, Location %q, Operation() %q", code, h.Get("Location"), id)
	}
	if c.sim.Operation(simulator.Offer) != simulator.OperationID {
		t.Errorf("the other offer's operation changed")
	}
}

func TestPublishBodyRefused(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"empty", ""},
		{"not JSON", `{"metadata":`},
		{"no metadata", `{}`},
		{"no notification-emails", `{"metadata":{}}`},
		{"empty notification-emails", `{"metadata":{"notification-emails":"  "}}`},
		{"notification-emails not a string", `{"metadata":{"notification-emails":["a@contoso.com"]}}`},
		{"not an address", `{"metadata":{"notification-emails":"a@contoso.com,jdoe"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCPP(t, "publish", simulator.WithIdle())
			code, body, h := c.start(simulator.Offer, "publish", tc.body)
			if kind, msg := errorOf(body); code != http.StatusBadRequest || kind != "BadRequest" || msg == "" || h.Get("Location") != "" {
				t.Errorf("HTTP %d %v, want 400 BadRequest", code, body)
			}
			if got := c.sim.Operation(simulator.Offer); got != "" || len(c.list(simulator.Offer)) != 1 {
				t.Errorf("a refused publish started %q", got)
			}
		})
	}
}

func TestInvalidOfferIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []simulator.Option
		want   string // Operation() before and after
		listed int
	}{
		{"idle", []simulator.Option{simulator.WithIdle()}, "", 1},
		{"an operation in flight", nil, simulator.OperationID, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCPP(t, "invalid", tc.opts...)
			for range 2 {
				code, body, h := c.start(simulator.Offer, "publish", emailsBody)
				kind, msg := errorOf(body)
				if code != http.StatusUnprocessableEntity || kind != "UnprocessableEntity" || msg != "The offer failed validation." || h.Get("Location") != "" {
					t.Fatalf("HTTP %d %v, want 422", code, body)
				}
				var msgs, targets []string
				for _, d := range body["error"].(map[string]any)["details"].([]any) {
					d := d.(map[string]any)
					if d["code"] != "ValidationError" {
						t.Errorf("detail %v", d)
					}
					msgs, targets = append(msgs, d["message"].(string)), append(targets, d["target"].(string))
				}
				if !slices.Equal(msgs, simulator.InvalidMessages()) || !slices.Equal(targets, []string{"plans/contoso-gen2", "listing"}) {
					t.Errorf("details %v %v", msgs, targets)
				}
			}
			if got := c.sim.Operation(simulator.Offer); got != tc.want {
				t.Errorf("Operation() = %q, want %q: a 422 creates nothing", got, tc.want)
			}
			if n := len(c.list(simulator.Offer)); n != tc.listed {
				t.Errorf("%d operations listed", n)
			}
		})
	}
	if sc, ok := simulator.Lookup("invalid"); !ok || !strings.Contains(sc.Description, "422") || len(sc.Frames) == 0 {
		t.Errorf("Lookup(invalid) = %v, %v", sc, ok)
	}
}

// liveSteps are the statuses and progress of a frame's steps named live.
func liveSteps(f map[string]any) []string {
	var out []string
	for _, s := range f["steps"].([]any) {
		s := s.(map[string]any)
		if s["id"] == "live" {
			out = append(out, fmt.Sprint(s["status"], " ", s["progressPercentage"]))
		}
	}
	return out
}

func TestGoLiveAtSignoff(t *testing.T) {
	for _, body := range []string{"", "{}"} {
		t.Run("body "+body, func(t *testing.T) {
			c := newCPP(t, "publish")
			c.advance(simulator.OperationID, toSignoff())
			code, resp, h := c.start(simulator.Offer, "golive", body)
			m := migratedRE.FindStringSubmatch(h.Get("Location"))
			if code != http.StatusAccepted || m == nil || m[1] == simulator.OperationID || m[1] != c.sim.Operation(simulator.Offer) {
				t.Fatalf("HTTP %d %v, Location %q", code, resp, h.Get("Location"))
			}
			if e := current(c.list(simulator.Offer)); e["id"] != m[1] || e["submissionType"] != "golive" || e["submissionState"] != "running" {
				t.Errorf("list entry %v", e)
			}
			for i, want := range [][]string{{"complete 100", "running 40"}, {"complete 100", "running 40"}} {
				_, f := c.op(h.Get("Location"))
				if got := liveSteps(f); f["status"] != "running" || !slices.Equal(got, want) {
					t.Fatalf("frame %d: %v live steps %v, want running with %v", i, f["status"], got, want)
				}
			}
			_, f := c.op(h.Get("Location"))
			if links, _ := f["liveLinks"].([]any); f["status"] != "Succeeded" || len(links) == 0 {
				t.Errorf("last frame %v, want Succeeded with live links", f)
			}
			if code, _ := c.op(simulator.OperationID); code != http.StatusNotFound {
				t.Errorf("the publish's operation answers %d, want 404", code)
			}
			// Live now: nothing awaits sign-off; a new publish may start.
			if code, _, _ := c.start(simulator.Offer, "golive", ""); code != http.StatusBadRequest {
				t.Errorf("go-live after live: HTTP %d, want 400", code)
			}
			if code, _, _ := c.start(simulator.Offer, "publish", emailsBody); code != http.StatusAccepted {
				t.Errorf("publish after live: HTTP %d, want 202", code)
			}
		})
	}
}

func TestGoLiveRefused(t *testing.T) {
	for _, tc := range []struct {
		name, scenario string
		opts           []simulator.Option
		advance        int
		body           string
		want           int
		says           string
	}{
		{"certification running", "publish", nil, 2, "", http.StatusConflict, "Another operation is in progress on offer " + simulator.Offer + "."},
		{"idle", "publish", []simulator.Option{simulator.WithIdle()}, 0, "", http.StatusBadRequest, "The offer has no publish awaiting sign-off to make live."},
		{"failed", "failed", nil, 2, "{}", http.StatusBadRequest, "The offer has no publish awaiting sign-off to make live."},
		{"body not JSON", "publish", nil, toSignoff(), "live please", http.StatusBadRequest, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCPP(t, tc.scenario, tc.opts...)
			c.advance(simulator.OperationID, tc.advance)
			before := c.sim.Operation(simulator.Offer)
			code, body, h := c.start(simulator.Offer, "golive", tc.body)
			kind, msg := errorOf(body)
			wantKind := map[int]string{http.StatusConflict: "Conflict", http.StatusBadRequest: "BadRequest"}[tc.want]
			if code != tc.want || kind != wantKind || msg == "" || tc.says != "" && !strings.HasPrefix(msg, tc.says) || h.Get("Location") != "" {
				t.Errorf("HTTP %d %v, want %d %s", code, body, tc.want, tc.says)
			}
			if got := c.sim.Operation(simulator.Offer); got != before {
				t.Errorf("Operation() %q, was %q", got, before)
			}
		})
	}
}

func TestNonMigratedLocations(t *testing.T) {
	c := newCPP(t, "publish", simulator.WithIdle(), simulator.WithNonMigrated(simulator.Offer))
	code, _, h := c.start(simulator.Offer, "publish", emailsBody)
	if code != http.StatusAccepted || h.Get("Location") != legacyLoc || c.sim.Operation(simulator.Offer) != simulator.LegacyKey(simulator.Offer) {
		t.Fatalf("publish: HTTP %d, Location %q, Operation() %q", code, h.Get("Location"), c.sim.Operation(simulator.Offer))
	}
	id := current(c.list(simulator.Offer))["id"].(string)
	if code, _ := c.op(id); code != http.StatusNotFound {
		t.Errorf("the migrated path serves a non-migrated offer's operation: HTTP %d", code)
	}
	c.advance(legacyLoc, toSignoff())
	code, _, h = c.start(simulator.Offer, "golive", "{}")
	if code != http.StatusAccepted || h.Get("Location") != legacyLoc {
		t.Fatalf("go-live: HTTP %d, Location %q", code, h.Get("Location"))
	}
	if _, f := c.op(legacyLoc); len(liveSteps(f)) != 2 {
		t.Errorf("go-live frame %v", f)
	}
	if e := current(c.list(simulator.Offer)); e["id"] == id || e["submissionType"] != "golive" {
		t.Errorf("list entry %v: want a new golive operation", e)
	}
}

func TestDropAfterStart(t *testing.T) {
	for _, tc := range []struct {
		name, what string
		opts       []simulator.Option
		advance    int // GETs of OperationID first
		kind       string
		second     int // the second request's answer
	}{
		{"publish", "publish", []simulator.Option{simulator.WithIdle()}, 0, "publish", http.StatusConflict},
		{"go-live", "golive", nil, toSignoff(), "golive", http.StatusConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCPP(t, "publish", append(tc.opts, simulator.WithDropAfterStart())...)
			c.advance(simulator.OperationID, tc.advance)
			body := emailsBody
			if tc.what == "golive" {
				body = "{}"
			}
			path := "/api/publishers/" + simulator.Publisher + "/offers/" + simulator.Offer + "/" + tc.what
			if code, raw, _, err := c.do("POST", path, body); err == nil {
				t.Fatalf("the first %s was answered: HTTP %d %s", tc.what, code, raw)
			}
			id := c.sim.Operation(simulator.Offer)
			if !guidRE.MatchString(id) || id == simulator.OperationID {
				t.Fatalf("Operation() = %q: the dropped %s should have started one", id, tc.what)
			}
			if e := current(c.list(simulator.Offer)); e["id"] != id || e["submissionState"] != "running" || e["submissionType"] != tc.kind {
				t.Errorf("list entry %v", e)
			}
			if reqs := c.sim.Requests(); reqs[len(reqs)-2].Method != "POST" || reqs[len(reqs)-2].Status != 0 {
				t.Errorf("the dropped request recorded %+v", reqs[len(reqs)-2])
			}
			if n := c.sim.Count("POST", "/"+tc.what); n != 1 {
				t.Errorf("%d POSTs reached the simulator (a retry?)", n)
			}
			code, raw, _, err := c.do("POST", path, body)
			if err != nil || code != tc.second {
				t.Errorf("the second %s: HTTP %d %s %v, want %d", tc.what, code, raw, err, tc.second)
			}
		})
	}
}

func TestDropAfterConfigure(t *testing.T) {
	c := newGraph(t, "publish", simulator.WithIngestionIdle(), simulator.WithDropAfterStart())
	req, _ := http.NewRequest("POST", c.base+simulator.IngestionPath+"/configure?$version="+simulator.IngestionVersion, strings.NewReader(publishDoc))
	req.Header.Set("Authorization", "Bearer "+c.tok)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the first configure was answered: HTTP %d", resp.StatusCode)
	}
	jobs := c.sim.Jobs()
	if len(jobs) != 1 || !guidRE.MatchString(jobs[0]) || !subRE.MatchString(c.sim.SubmissionOf(jobs[0])) {
		t.Fatalf("Jobs() %v: the dropped configure should have made its job", jobs)
	}
	code, j, _ := c.call("POST", "/configure", publishDoc)
	if code != http.StatusAccepted || j["jobId"] == jobs[0] || len(c.sim.Jobs()) != 2 {
		t.Errorf("the second configure: HTTP %d %v, jobs %v", code, j, c.sim.Jobs())
	}
}

func TestSubmissionRunning(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []simulator.Option
		listed bool
	}{
		{"a publish under way", []simulator.Option{simulator.WithSubmissionRunning()}, true},
		{"just posted", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newGraph(t, "publish", tc.opts...)
			sub, listed := c.list()[simulator.InFlightSubmissionID]
			if listed != tc.listed || listed && (sub["status"] != "running" || sub["result"] != "pending") {
				t.Fatalf("first GET: %v listed %v, want %v running", sub, listed, tc.listed)
			}
			if _, j := c.get("/configure/" + simulator.JobID + "/status"); j["jobStatus"] != "running" || j["jobResult"] != "pending" {
				t.Errorf("job %v, want running", j)
			}
		})
	}
}
