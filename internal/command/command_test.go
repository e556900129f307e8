package command

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/auth"
	"github.com/marketplace-gate/marketplace-gate/internal/ingestion"
	"github.com/marketplace-gate/marketplace-gate/internal/poll/polltest"
	"github.com/marketplace-gate/marketplace-gate/internal/report"
	"github.com/marketplace-gate/marketplace-gate/internal/runnertest"
	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

type run struct {
	code    int
	stdout  string
	stderr  string
	outputs map[string]string
	sim     *simulator.Server
	clock   *polltest.Clock
}

// gate runs the whole gate in-process against a simulator playing scenario,
// as the runner would (GITHUB_ACTIONS=true, file commands), on a fake clock.
func gate(t *testing.T, ctx context.Context, scenario string, inputs map[string]string, opts ...simulator.Option) run {
	t.Helper()
	return gateClocked(t, ctx, polltest.New(), scenario, inputs, opts...)
}

// gateClocked is gate on a fake clock of the caller's (to act on its sleeps).
func gateClocked(t *testing.T, ctx context.Context, clock *polltest.Clock, scenario string, inputs map[string]string, opts ...simulator.Option) run {
	t.Helper()
	sc, ok := simulator.Lookup(scenario)
	if !ok {
		t.Fatalf("no scenario %s", scenario)
	}
	sim := simulator.New(sc, opts...)
	srv := sim.Start()
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	env := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": filepath.Join(dir, "output"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"INPUT_PUBLISHER-ID": simulator.Publisher, "INPUT_OFFER-ID": simulator.Offer, "INPUT_OPERATION-ID": simulator.OperationID,
		"INPUT_TENANT-ID": simulator.Tenant, "INPUT_CLIENT-ID": simulator.ClientID, "INPUT_CLIENT-SECRET": simulator.ClientSecret,
		"INPUT_AUTHORITY-HOST": srv.URL, "INPUT_API-URL": srv.URL,
		"INPUT_INITIAL-INTERVAL": "1ms", "INPUT_MAX-INTERVAL": "4ms", "INPUT_TIMEOUT": "10m",
	}
	for k, v := range inputs {
		env["INPUT_"+strings.ToUpper(k)] = strings.ReplaceAll(v, "{api}", srv.URL)
	}
	var stdout, stderr bytes.Buffer
	code := Run(ctx, Env{Getenv: func(k string) string { return env[k] }, Stdout: &stdout, Stderr: &stderr, Clock: clock})
	outs, err := runnertest.Outputs(env["GITHUB_OUTPUT"])
	if err != nil {
		t.Fatalf("outputs: %v\nstdout:\n%s", err, stdout.String())
	}
	return run{code: code, stdout: stdout.String(), stderr: stderr.String(), outputs: outs, sim: sim, clock: clock}
}

func (r run) expect(t *testing.T, status string, code int) {
	t.Helper()
	if r.outputs["status"] != status || r.code != code {
		t.Fatalf("status %q exit %d; want %q exit %d\nstdout:\n%s\nstderr:\n%s", r.outputs["status"], r.code, status, code, r.stdout, r.stderr)
	}
	if leak := leaked(r.stdout+r.stderr, simulator.ClientSecret, "sim-token-"); leak != "" {
		t.Errorf("a secret leaked: %q", leak)
	}
}

// leaked returns the first line, other than the runner's ::add-mask::
// command (which the runner swallows), that holds one of the secrets.
func leaked(log string, secrets ...string) string {
	for _, line := range strings.Split(log, "\n") {
		if strings.HasPrefix(line, "::add-mask::") {
			continue
		}
		for _, s := range secrets {
			if strings.Contains(line, s) {
				return line
			}
		}
	}
	return ""
}

func (r run) annotation(name, contains string) bool {
	for _, c := range runnertest.Commands(r.stdout) {
		if c.Name == name && strings.Contains(c.Message, contains) {
			return true
		}
	}
	return false
}

func TestTerminalStates(t *testing.T) {
	for _, tc := range []struct {
		scenario, status string
		code             int
		inputs           map[string]string
		output, value    string
	}{
		{"publish", "awaiting-signoff", 0, nil, "preview-links", `["https://azuremarketplace.microsoft.com/marketplace/apps/contoso.contoso-vm-preview?tab=Overview"]`},
		{"live", "completed", 0, map[string]string{"stop-at-signoff": "false"}, "live-links", `["https://azuremarketplace.microsoft.com/marketplace/apps/contoso.contoso-vm?tab=Overview"]`},
		{"blocked", "blocked", 1, nil, "blocked-step", "displaycertify"},
		{"failed", "failed", 1, nil, "failed-step", "displayprovision"},
		{"canceled", "canceled", 1, nil, "operation-id", simulator.OperationID},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			r := gate(t, context.Background(), tc.scenario, tc.inputs)
			r.expect(t, tc.status, tc.code)
			if r.outputs[tc.output] != tc.value {
				t.Errorf("output %s = %q, want %q", tc.output, r.outputs[tc.output], tc.value)
			}
			if r.outputs["polls"] != strconv.Itoa(r.sim.Polls()) {
				t.Errorf("polls output %s, simulator saw %d", r.outputs["polls"], r.sim.Polls())
			}
		})
	}
}

func TestBlockedAnnotatesTheReferenceError(t *testing.T) {
	r := gate(t, context.Background(), "blocked", nil)
	r.expect(t, "blocked", 1)
	if !r.annotation("error", "No virtual machine image was found for the plan contoso.") {
		t.Fatalf("the blocked step's error is not annotated:\n%s", r.stdout)
	}
}

func TestTimedOutAtSignoffWhenNotStopping(t *testing.T) {
	r := gate(t, context.Background(), "publish", map[string]string{"stop-at-signoff": "false", "timeout": "1m", "max-interval": "5s"})
	r.expect(t, "timed-out", 1)
	var waited time.Duration
	for _, d := range r.clock.Sleeps() {
		waited += d
	}
	if waited != time.Minute {
		t.Errorf("waited %v on the fake clock; want the 1m timeout", waited)
	}
}

func TestDiscoversTheRunningOperation(t *testing.T) {
	r := gate(t, context.Background(), "publish", map[string]string{"operation-id": ""})
	r.expect(t, "awaiting-signoff", 0)
	if r.outputs["operation-id"] != simulator.OperationID {
		t.Fatalf("operation-id = %q", r.outputs["operation-id"])
	}
	reqs := r.sim.Requests()
	if !strings.HasSuffix(reqs[1].Path, "/offers/contoso-vm/submissions") {
		t.Errorf("second request (after the token) = %+v; want the submissions list", reqs[1])
	}
}

func TestLocationAsOperationID(t *testing.T) {
	r := gate(t, context.Background(), "publish", map[string]string{
		"offer-id":     "",
		"operation-id": "{api}/api/publishers/contoso/offers/contoso-vm/operations/" + simulator.OperationID + "?api-version=2017-10-31",
	})
	r.expect(t, "awaiting-signoff", 0)
	if r.outputs["offer-id"] != simulator.Offer {
		t.Errorf("offer-id output = %q; want it taken from the Location", r.outputs["offer-id"])
	}
}

func TestNotFoundNamesTheWrongID(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inputs map[string]string
		says   string
	}{
		{"offer typo", map[string]string{"offer-id": "contoso-mv"}, `offer-id "contoso-mv" was not found under publisher contoso (HTTP 404); its offers, closest first: contoso-vm, contoso-app, contoso-vm-byol`},
		{"publisher", map[string]string{"publisher-id": "fabrikam"}, `publisher-id "fabrikam" was not found`},
		{"operation", map[string]string{"operation-id": "00000000-0000-0000-0000-000000000000"}, "operation-id 00000000-0000-0000-0000-000000000000 was not found for offer contoso-vm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := gate(t, context.Background(), "publish", tc.inputs)
			r.expect(t, "error", 1)
			if !r.annotation("error", tc.says) {
				t.Fatalf("no error annotation saying %q:\n%s", tc.says, r.stdout)
			}
			if n := len(r.sim.Requests()); n > 3 {
				t.Errorf("%d requests; a 404 must fail fast (token, GET, offers list)", n)
			}
			if len(r.clock.Sleeps()) != 0 {
				t.Errorf("waited %v; a 404 must not be retried", r.clock.Sleeps())
			}
		})
	}
}

func TestBadInputsMakeNoRequest(t *testing.T) {
	for name, inputs := range map[string]map[string]string{
		"operation-id":  {"operation-id": "12345"},
		"offer-id":      {"offer-id": "../../admin"},
		"foreign host":  {"operation-id": "https://evil.example/api/publishers/contoso/offers/contoso-vm/operations/" + simulator.OperationID},
		"timeout":       {"timeout": "forever"},
		"client-secret": {"client-secret": ""},
		"plain http":    {"api-url": "http://cloudpartner.azure.com"},
	} {
		t.Run(name, func(t *testing.T) {
			r := gate(t, context.Background(), "publish", inputs)
			r.expect(t, "error", 1)
			if n := len(r.sim.Requests()); n != 0 {
				t.Fatalf("%d requests were made for a bad input", n)
			}
			if !r.annotation("error", "invalid input: ") {
				t.Fatalf("no error annotation naming the input:\n%s", r.stdout)
			}
		})
	}
}

func TestThrottledWithRetryAfter(t *testing.T) {
	var n atomic.Int32
	r := gate(t, context.Background(), "publish", nil, simulator.WithIntercept(func(w http.ResponseWriter, req *http.Request) bool {
		if strings.Contains(req.URL.Path, "/operations/") && n.Add(1) <= 2 {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}
		return false
	}))
	r.expect(t, "awaiting-signoff", 0)
	sleeps := r.clock.Sleeps()
	if len(sleeps) < 2 || sleeps[0] != 3*time.Second || sleeps[1] != 3*time.Second {
		t.Fatalf("sleeps = %v; want the server's 3s twice, though max-interval is 4ms", sleeps)
	}
	if c := strings.Count(r.stdout, "Retrying in"); c != 1 {
		t.Errorf("the same throttling was reported %d times; want once", c)
	}
}

func TestAccessToken(t *testing.T) {
	r := gate(t, context.Background(), "publish", map[string]string{"tenant-id": "", "client-id": "", "client-secret": "", "access-token": "sim-token-unknown"})
	// The simulator does not know this token: two 401s, then a clear error.
	r.expect(t, "error", 1)
	if !r.annotation("error", "HTTP 401") || !strings.Contains(r.stdout, "::add-mask::sim-token-unknown") {
		t.Fatalf("want the token masked and a 401 error; log:\n%s", r.stdout)
	}
}

func TestDemo(t *testing.T) {
	for scenario, want := range map[string]struct {
		code   int
		status string
	}{"publish": {0, "awaiting-signoff"}, "blocked": {1, "blocked"}, "invalid": {1, "failed"}} {
		var out, errOut bytes.Buffer
		env := Env{Args: []string{"demo", scenario}, Getenv: func(k string) string {
			// action.yml defaults in the job's environment must not leak into the demo
			return map[string]string{"INPUT_API-URL": "https://cloudpartner.azure.com"}[k]
		}, Stdout: &out, Stderr: &errOut, Clock: polltest.New()}
		if code := Run(context.Background(), env); code != want.code {
			t.Errorf("demo %s exit %d, want %d\n%s%s", scenario, code, want.code, out.String(), errOut.String())
		}
		// Outside Actions the run ends with what a workflow would read.
		if !strings.Contains(out.String(), "\nstatus: "+want.status+"\n") || !strings.Contains(out.String(), "\nstarted-at: ") || !strings.HasSuffix(out.String(), "\noffer-id: contoso-vm\n") {
			t.Errorf("demo %s does not end with its status and ids:\n%s", scenario, out.String())
		}
	}
	var out bytes.Buffer
	if code := Run(context.Background(), Env{Args: []string{"demo", "nope"}, Getenv: func(string) string { return "" }, Stdout: &out, Stderr: &out}); code != 1 || !strings.Contains(out.String(), "blocked") {
		t.Errorf("an unknown scenario should list the known ones: %d %s", code, out.String())
	}
}

func TestHelp(t *testing.T) {
	var out bytes.Buffer
	if code := Run(context.Background(), Env{Args: []string{"--help"}, Stdout: &out}); code != 0 {
		t.Fatal(code)
	}
	for _, want := range []string{"publisher-id", "api", "product-ingestion", "initial-interval", "15s", "demo"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// TestManyOffersConcurrently runs two watches in one process, so that the
// race detector sees the reporter and the token source shared between them.
func TestManyOffersConcurrently(t *testing.T) {
	sc, _ := simulator.Lookup("publish")
	r := gate(t, context.Background(), "publish", map[string]string{"offer-id": "contoso-vm\ncontoso-app", "operation-id": ""},
		simulator.WithOperation("contoso-app", "0b5c2d6e-1111-4aaa-8bbb-000000000002", sc))
	r.expect(t, "awaiting-signoff", 0)
	for _, offer := range []string{`"contoso-vm":{"status":"awaiting-signoff"`, `"contoso-app":{"status":"awaiting-signoff"`} {
		if !strings.Contains(r.outputs["results"], offer) {
			t.Errorf("results %s lack %s", r.outputs["results"], offer)
		}
	}
}

// TestFlags runs the gate from a laptop: flags named like the inputs, one
// repeated for several lines, winning over INPUT_* variables.
func TestFlags(t *testing.T) {
	sim := simulator.New(mustScenario(t, "publish"), simulator.WithOperation("contoso-app", "11111111-2222-4333-8444-555555555555", mustScenario(t, "live")))
	srv := sim.Start()
	defer srv.Close()
	var out, errOut bytes.Buffer
	env := Env{
		Args: []string{"--publisher-id", simulator.Publisher, "--offer-id", simulator.Offer, "--offer-id=contoso-app",
			"--tenant-id", simulator.Tenant, "--client-id", simulator.ClientID, "--client-secret", simulator.ClientSecret,
			"--authority-host", srv.URL, "--api-url", srv.URL, "--initial-interval", "1ms", "--max-interval", "2ms"},
		// A variable the flag overrides, and one no flag sets.
		Getenv: func(k string) string {
			return map[string]string{"INPUT_PUBLISHER-ID": "not-this-one", "INPUT_TIMEOUT": "1m"}[k]
		},
		Stdout: &out, Stderr: &errOut, Clock: polltest.New(),
	}
	if code := Run(context.Background(), env); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if sim.Count("GET", "/offers/contoso-app/") == 0 || sim.Count("GET", "/offers/contoso-vm/") == 0 {
		t.Errorf("both offers of the repeated flag should be watched:\n%s", out.String())
	}
	for args, want := range map[string]string{
		"--publisher --offer-id x": "unknown flag --publisher; did you mean --publisher-id?",
		"--offer-id x stray":       `unexpected argument "stray"`,
		"--timeout":                "flag needs an argument",
	} {
		var out bytes.Buffer
		code := Run(context.Background(), Env{Args: strings.Fields(args), Getenv: func(string) string { return "" }, Stdout: &out, Stderr: &out})
		if code != 1 || !strings.Contains(out.String(), want) {
			t.Errorf("%s: exit %d, %q; want 1 and %q", args, code, out.String(), want)
		}
	}
}

// TestDemoInput runs the demo as a workflow does with uses: ./ and demo: set.
func TestDemoInput(t *testing.T) {
	var out bytes.Buffer
	getenv := func(k string) string {
		return map[string]string{"INPUT_DEMO": "failed product-ingestion", "INPUT_API": "cpp"}[k]
	}
	if code := Run(context.Background(), Env{Getenv: getenv, Stdout: &out, Stderr: &out, Clock: polltest.New()}); code != 1 || !strings.Contains(out.String(), "product-ingestion API") {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
}

func mustScenario(t *testing.T, name string) simulator.Scenario {
	t.Helper()
	sc, ok := simulator.Lookup(name)
	if !ok {
		t.Fatalf("no scenario %s", name)
	}
	return sc
}

// TestDiscoveryRefusesAFinishedOperation: with no operation running, the
// offer's newest finished one is no proof of the publish in question; the
// gate says so at once, naming it and the two ways out, and fetches nothing.
func TestDiscoveryRefusesAFinishedOperation(t *testing.T) {
	r := gate(t, context.Background(), "publish", map[string]string{"operation-id": ""}, simulator.WithIdle())
	r.expect(t, "error", 1)
	for _, part := range []string{simulator.EarlierOperation, "completed", simulator.EarlierOperationChanged, "operation-id", "since"} {
		if !r.annotation("error", part) {
			t.Errorf("the error does not name %q:\n%s", part, r.stdout)
		}
	}
	if n := r.sim.Count("GET", "/operations/"); n != 0 {
		t.Errorf("%d operation requests; want none", n)
	}
}

// TestDiscoveryWithSince: with since, a finished operation older than it is
// an earlier publish's: the gate waits for the new one (a single check says
// running, once), and follows it when it appears.
func TestDiscoveryWithSince(t *testing.T) {
	since := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	r := gate(t, context.Background(), "publish", map[string]string{"operation-id": "", "since": since, "wait": "false"}, simulator.WithIdle())
	r.expect(t, "running", 0)
	if !strings.Contains(r.stdout, "the publish in question is not listed yet") {
		t.Errorf("a single check that found nothing to judge should say so, not that it runs:\n%s", r.stdout)
	}
	if r.outputs["operation-id"] != "" || strings.Count(r.stdout, "predates since") != 1 {
		t.Errorf("operation-id %q; want none, and the stale operation named once:\n%s", r.outputs["operation-id"], r.stdout)
	}
	r = gate(t, context.Background(), "publish", map[string]string{"operation-id": "", "since": since, "timeout": "30s"}, simulator.WithIdle())
	r.expect(t, "timed-out", 1)
	if !r.annotation("error", "no operation of offer contoso-vm running or changed at or after since") || strings.Count(r.stdout, "predates since") != 1 {
		t.Errorf("the timeout should say what was waited for, and the log name the stale operation once:\n%s", r.stdout)
	}
	// The operation published since then is found and followed.
	r = gate(t, context.Background(), "publish", map[string]string{"operation-id": "", "since": since})
	r.expect(t, "awaiting-signoff", 0)
	if r.outputs["operation-id"] != simulator.OperationID {
		t.Errorf("operation-id = %q", r.outputs["operation-id"])
	}
	// A since after every operation: nothing qualifies, though one is listed.
	r = gate(t, context.Background(), "canceled", map[string]string{"operation-id": "", "since": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "wait": "false"})
	r.expect(t, "running", 0)
}

// TestLegacyLocation: an offer not migrated to Partner Center answers Publish
// with /api/operations/{publisher}${offer}${version}${slot}; the gate polls
// that path as given.
func TestLegacyLocation(t *testing.T) {
	r := gate(t, context.Background(), "publish", map[string]string{
		"offer-id":     "",
		"operation-id": "/api/operations/" + simulator.LegacyKey(simulator.Offer) + "?api-version=2017-10-31",
	}, simulator.WithNonMigrated(simulator.Offer))
	r.expect(t, "awaiting-signoff", 0)
	if r.outputs["offer-id"] != simulator.Offer || r.outputs["operation-id"] != simulator.LegacyKey(simulator.Offer) {
		t.Errorf("outputs = %v", r.outputs)
	}
	if n := r.sim.Count("GET", "/api/operations/"); n < 2 || n != r.sim.Polls() {
		t.Errorf("%d requests to /api/operations/ for %d polls", n, r.sim.Polls())
	}
}

// TestRejectedStepEndsTheGate: Rejected is a documented step state that ends
// the publish; the gate fails on the poll that first shows it.
func TestRejectedStepEndsTheGate(t *testing.T) {
	r := gate(t, context.Background(), "rejected", nil)
	r.expect(t, "failed", 1)
	if r.outputs["failed-step"] != "displaycertify" || r.outputs["polls"] != "2" || !r.annotation("error", "policy 200.3.1") {
		t.Errorf("outputs %v\n%s", r.outputs, r.stdout)
	}
}

// TestLostStartFollowsItsOwnTarget: looking for the submission a lost
// configure request made, only one to exactly its target counts — a new live
// submission (another publish's go-live) is not this preview publish —
// whereas a product gated with since takes the live one as the preview's
// stand-in, as the API documents.
func TestLostStartFollowsItsOwnTarget(t *testing.T) {
	since := time.Now().Add(-time.Minute)
	newLive := `{"id":"submission/` + simulator.ProductID + `/1152921515689850001","target":{"targetType":"live"},"status":"running","result":"pending","created":"` + time.Now().UTC().Format(time.RFC3339) + `"}`
	sc, _ := simulator.Lookup("publish")
	sim := simulator.New(sc, simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/submission/"+simulator.ProductID) {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"value":[` + newLive + `]}`))
		return true
	}))
	srv := sim.Start()
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL + simulator.IngestionPath)
	client := ingestion.New(base, simulator.IngestionVersion, auth.Static(sim.AuthorizeFor(simulator.GraphResource)))
	log := report.New(report.WithWriter(io.Discard), report.WithGetenv(func(string) string { return "" })).Subject("")
	for unsure, wantFollowed := range map[string]bool{"": true, "the answer to POST configure was lost": false} {
		p := &ingestionProduct{client: client, log: log, product: productRef{id: simulator.ProductID}, target: "preview", since: since, unsure: unsure}
		if _, err := p.fetch(context.Background()); err != nil {
			t.Fatal(err)
		}
		if followed := p.followed != ""; followed != wantFollowed {
			t.Errorf("unsure %q: followed %q; want followed %v", unsure, p.followed, wantFollowed)
		}
	}
}
