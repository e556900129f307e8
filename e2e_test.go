package main_test

// End-to-end: the binary is built, then run the way the runner runs a Docker
// action: INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files,
// stdout read back as workflow commands.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/runnertest"
	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "marketplace-gate-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "marketplace-gate")
	build := exec.Command("go", "build", "-trimpath", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the binary: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
	outputs        map[string]string
	summary        string
}

// action starts the binary with runner-style environment; underscore selects
// the INPUT_FOO_BAR spelling instead of INPUT_FOO-BAR.
func action(t *testing.T, inputs map[string]string, underscore bool) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer, string, string) {
	t.Helper()
	dir := t.TempDir()
	output, summary := filepath.Join(dir, "output"), filepath.Join(dir, "summary")
	env := []string{"GITHUB_ACTIONS=true", "GITHUB_OUTPUT=" + output, "GITHUB_STEP_SUMMARY=" + summary, "PATH=" + os.Getenv("PATH")}
	for k, v := range inputs {
		name := strings.ToUpper(k)
		if underscore {
			name = strings.ReplaceAll(name, "-", "_")
		}
		env = append(env, "INPUT_"+name+"="+v)
	}
	cmd := exec.Command(binary)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr, output, summary
}

// runAction runs the binary to its end; extra holds more NAME=value variables.
func runAction(t *testing.T, inputs map[string]string, underscore bool, extra ...string) result {
	t.Helper()
	cmd, out, errb, output, summary := action(t, inputs, underscore)
	cmd.Env = append(cmd.Env, extra...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return finish(t, cmd, out, errb, output, summary)
}

func finish(t *testing.T, cmd *exec.Cmd, stdout, stderr *bytes.Buffer, output, summary string) result {
	t.Helper()
	err := cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	outs, err := runnertest.Outputs(output)
	if err != nil {
		t.Fatalf("outputs: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	sum, _ := os.ReadFile(summary)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String(), outputs: outs, summary: string(sum)}
}

func inputsFor(url string) map[string]string {
	return map[string]string{
		"publisher-id": simulator.Publisher, "offer-id": simulator.Offer, "operation-id": simulator.OperationID,
		"tenant-id": simulator.Tenant, "client-id": simulator.ClientID, "client-secret": simulator.ClientSecret,
		"authority-host": url, "api-url": url, "initial-interval": "5ms", "max-interval": "20ms", "timeout": "30s",
		// What the runner passes for inputs the workflow left out: action.yml's defaults.
		"api": "cpp", "stop-at-signoff": "true", "annotate": "warning", "target": "preview",
	}
}

func startSim(t *testing.T, scenario string, opts ...simulator.Option) (*simulator.Server, string) {
	t.Helper()
	sc, _ := simulator.Lookup(scenario)
	sim := simulator.New(sc, opts...)
	srv := sim.Start()
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

func assertNoSecrets(t *testing.T, r result) {
	t.Helper()
	assertNoLeak(t, r, simulator.ClientSecret, "sim-token-")
}

func TestBinaryAwaitingSignoff(t *testing.T) {
	sim, url := startSim(t, "publish")
	r := runAction(t, inputsFor(url), false)
	if r.code != 0 || r.outputs["status"] != "awaiting-signoff" {
		t.Fatalf("exit %d status %q\n%s\n%s", r.code, r.outputs["status"], r.stdout, r.stderr)
	}
	if r.outputs["operation-id"] != simulator.OperationID || r.outputs["offer-id"] != simulator.Offer || r.outputs["polls"] != fmt.Sprint(sim.Polls()) {
		t.Errorf("outputs = %v", r.outputs)
	}
	if !strings.Contains(r.outputs["preview-links"], "contoso.contoso-vm-preview") || !strings.HasPrefix(r.outputs["steps"], `[{"id":"displaydummycertify"`) {
		t.Errorf("outputs = %v", r.outputs)
	}
	var warned bool
	for _, c := range runnertest.Commands(r.stdout) {
		if c.Name == "warning" && c.Properties["title"] == "Certification" && strings.Contains(c.Message, "Standard_A1") && !strings.Contains(c.Message, "<b>") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("the certification warning is not annotated as plain text:\n%s", r.stdout)
	}
	if !strings.Contains(r.summary, "| Certification | completed | 100% |") {
		t.Errorf("summary:\n%s", r.summary)
	}
	assertNoSecrets(t, r)
}

// TestBinaryReadsOnlyTheRunnersSpelling: the runner passes INPUT_OFFER-ID,
// hyphens kept. INPUT_OFFER_ID can only be a variable of the workflow, the
// job, the step or an earlier step's GITHUB_ENV: never read as the input, it
// cannot fill one left empty. Refused before any request.
func TestBinaryReadsOnlyTheRunnersSpelling(t *testing.T) {
	sim, url := startSim(t, "publish")
	in := inputsFor(url)
	delete(in, "publisher-id")
	for name, r := range map[string]result{
		"every input underscored":  runAction(t, inputsFor(url), true),
		"publisher-id underscored": runAction(t, in, false, "INPUT_PUBLISHER_ID="+simulator.Publisher),
		"publisher-id given as ''": runAction(t, in, false, "INPUT_PUBLISHER-ID=", "INPUT_PUBLISHER_ID="+simulator.Publisher),
	} {
		if r.code != 1 || r.outputs["status"] != "error" || !strings.Contains(r.stdout, "publisher-id is required") {
			t.Errorf("%s: exit %d status %q; want publisher-id is required\n%s", name, r.code, r.outputs["status"], r.stdout)
		}
	}
	if n := len(sim.Requests()); n != 0 {
		t.Errorf("%d requests reached the API; want none", n)
	}
}

func TestBinaryBlocked(t *testing.T) {
	_, url := startSim(t, "blocked")
	r := runAction(t, inputsFor(url), false)
	if r.code != 1 || r.outputs["status"] != "blocked" || r.outputs["blocked-step"] != "displaycertify" {
		t.Fatalf("exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
	}
	if !strings.Contains(r.stdout, "::error title=Certification::No virtual machine image was found for the plan contoso.") {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
	assertNoSecrets(t, r)
}

// TestBinaryBadInputMakesNoRequest: what the gate cannot work with is said
// before any request, naming the input.
func TestBinaryBadInputMakesNoRequest(t *testing.T) {
	for _, tc := range []struct {
		name, input, value, says string
	}{
		{"operation-id", "operation-id", "not-a-guid", "operation-id is neither a GUID nor an operation URL"},
		{"no secret and no OIDC permission", "client-secret", "", "permissions: id-token: write"},
		{"product-ingestion without a job or product", "api", "product-ingestion", "offer-id is for api: cpp"},
		{"an unknown api", "api", "partner-center", `api "partner-center" must be cpp or product-ingestion`},
		// Neither echoed nor masked: a mask that short blanks out the job's log.
		{"a client-secret of 5 characters", "client-secret", "Q~7zX", "client-secret is shorter than 8 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, url := startSim(t, "publish")
			in := inputsFor(url)
			in[tc.input] = tc.value
			r := runAction(t, in, false)
			if r.code != 1 || r.outputs["status"] != "error" || !strings.Contains(r.stdout, tc.says) {
				t.Fatalf("exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
			}
			if n := len(sim.Requests()); n != 0 {
				t.Fatalf("%d requests for a bad input", n)
			}
			if tc.input == "client-secret" && tc.value != "" && strings.Contains(r.stdout+r.stderr+r.summary, tc.value) {
				t.Fatalf("the short secret is echoed or masked:\n%s", r.stdout)
			}
		})
	}
}

func TestBinaryDemoBlocked(t *testing.T) {
	cmd := exec.Command(binary, "demo", "blocked")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "No virtual machine image was found") {
		t.Fatalf("err %v\n%s", err, out)
	}
}

// TestBinarySingleCheck plays a scheduled workflow that checks a long
// publish every hour with wait: false: each run polls once, sets every
// output, and exits 0 until the operation fails or is blocked.
func TestBinarySingleCheck(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		want     []string // status of each successive check
	}{
		{"blocked", []string{"running", "blocked"}},
		{"publish", []string{"running", "running", "running", "running", "running", "running", "awaiting-signoff"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			sim, url := startSim(t, tc.scenario)
			for i, want := range tc.want {
				in := inputsFor(url)
				in["wait"] = "false"
				r := runAction(t, in, false)
				code := 0
				if want == "blocked" {
					code = 1
				}
				if r.outputs["status"] != want || r.code != code || r.outputs["polls"] != "1" || sim.Polls() != i+1 {
					t.Fatalf("check %d: status %q exit %d polls %q; want %q exit %d after one poll\n%s", i+1, r.outputs["status"], r.code, r.outputs["polls"], want, code, r.stdout)
				}
				if len(r.outputs) != 16 || !strings.HasPrefix(r.outputs["steps"], "[{") {
					t.Errorf("check %d: outputs %v; want every output set", i+1, r.outputs)
				}
				if want == "running" && !strings.Contains(r.summary, "still running") {
					t.Errorf("check %d: summary does not say it is still running:\n%s", i+1, r.summary)
				}
				assertNoSecrets(t, r)
			}
		})
	}
}

// TestBinaryOIDC signs in without a client secret, with the job's OIDC token,
// as a job with permissions: id-token: write does; tokens that live inside
// the renewal margin make every poll sign in anew with a fresh ID token.
func TestBinaryOIDC(t *testing.T) {
	sim, url := startSim(t, "publish", simulator.WithTokenTTL(time.Minute))
	in := inputsFor(url)
	delete(in, "client-secret")
	r := runAction(t, in, false, "ACTIONS_ID_TOKEN_REQUEST_URL="+url+simulator.IDTokenPath, "ACTIONS_ID_TOKEN_REQUEST_TOKEN="+simulator.IDTokenRequestToken)
	if r.code != 0 || r.outputs["status"] != "awaiting-signoff" || !strings.Contains(r.stdout, "with the job's OIDC token") {
		t.Fatalf("exit %d outputs %v\n%s\n%s", r.code, r.outputs, r.stdout, r.stderr)
	}
	ids, aad := sim.Count("GET", "/oidc/"), sim.Count("POST", "/oauth2/token")
	if ids < 2 || ids != aad {
		t.Errorf("%d ID token requests for %d sign-ins; want a fresh ID token for each", ids, aad)
	}
	assertNoSecrets(t, r)
	assertNoLeak(t, r, "sim-idtoken-", simulator.IDTokenRequestToken)
}

// TestBinaryManyOffers watches three offers in one gate: one token for all,
// annotations titled with their offer, a results entry and a summary section
// per offer, and the gate fails because one of them is blocked; the
// single-valued outputs describe that offer, the first that did not pass.
func TestBinaryManyOffers(t *testing.T) {
	blocked, _ := simulator.Lookup("blocked")
	live, _ := simulator.Lookup("live")
	const appOp, byolOp = "0b5c2d6e-1111-4aaa-8bbb-000000000002", "0b5c2d6e-1111-4aaa-8bbb-000000000003"
	sim, url := startSim(t, "publish", simulator.WithOperation("contoso-app", appOp, blocked), simulator.WithOperation("contoso-byol", byolOp, live))
	in := inputsFor(url)
	delete(in, "operation-id") // discover each offer's operation
	in["offer-id"] = "contoso-vm\ncontoso-app\ncontoso-byol\n"
	r := runAction(t, in, false)
	if r.code != 1 || r.outputs["status"] != "blocked" || r.outputs["offer-id"] != "contoso-app" || r.outputs["blocked-step"] != "displaycertify" {
		t.Fatalf("exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
	}
	var results map[string]struct {
		Status      string `json:"status"`
		OperationID string `json:"operation-id"`
	}
	if err := json.Unmarshal([]byte(r.outputs["results"]), &results); err != nil {
		t.Fatalf("results %q: %v", r.outputs["results"], err)
	}
	want := map[string][2]string{"contoso-vm": {"awaiting-signoff", simulator.OperationID}, "contoso-app": {"blocked", appOp}, "contoso-byol": {"awaiting-signoff", byolOp}}
	for offer, w := range want {
		if got := results[offer]; got.Status != w[0] || got.OperationID != w[1] {
			t.Errorf("results[%s] = %+v; want %s of %s", offer, got, w[0], w[1])
		}
	}
	var titled bool
	for _, c := range runnertest.Commands(r.stdout) {
		if c.Name == "error" && c.Properties["title"] == "contoso-app · Certification" && strings.Contains(c.Message, "No virtual machine image") {
			titled = true
		}
	}
	if !titled {
		t.Errorf("the blocked offer's message is not titled with its offer:\n%s", r.stdout)
	}
	for _, part := range []string{"(3 offers)", "### ⛔ Offer `contoso-app`: blocked", "### 👀 Offer `contoso-byol`: awaiting-signoff", "### 👀 Offer `contoso-vm`: awaiting-signoff"} {
		if !strings.Contains(r.summary, part) {
			t.Errorf("summary lacks %q:\n%s", part, r.summary)
		}
	}
	if tokens := sim.Count("POST", "/oauth2/token"); tokens != 1 {
		t.Errorf("%d token requests; want one token for every offer", tokens)
	}
	assertNoSecrets(t, r)
}

// TestBinaryRejectedStep: Rejected, a step state the retrieve pages leave
// out, ends the gate on the poll that shows it (the operation still says
// running), as failed at that step with its message as an error.
func TestBinaryRejectedStep(t *testing.T) {
	_, url := startSim(t, "rejected")
	r := runAction(t, inputsFor(url), false)
	if r.code != 1 || r.outputs["status"] != "failed" || r.outputs["failed-step"] != "displaycertify" || r.outputs["polls"] != "2" {
		t.Fatalf("exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
	}
	if !strings.Contains(r.stdout, "::error title=Certification::Certification rejected plan contoso-gen2") || strings.Contains(r.stdout, "Unknown status") {
		t.Errorf("the rejected step's message should be an error, its state known:\n%s", r.stdout)
	}
	assertNoSecrets(t, r)
}

// TestBinaryLegacyLocation: an offer not migrated to Partner Center is
// published with a Location of the form /api/operations/P$O$version$slot;
// that value is a valid operation-id, polled as given.
func TestBinaryLegacyLocation(t *testing.T) {
	sim, url := startSim(t, "publish", simulator.WithNonMigrated(simulator.Offer))
	in := inputsFor(url)
	delete(in, "offer-id")
	in["operation-id"] = "/api/operations/" + simulator.LegacyKey(simulator.Offer) + "?api-version=2017-10-31"
	r := runAction(t, in, false)
	if r.code != 0 || r.outputs["status"] != "awaiting-signoff" || r.outputs["offer-id"] != simulator.Offer {
		t.Fatalf("exit %d outputs %v\n%s", r.code, r.outputs, r.stdout)
	}
	if n := sim.Count("GET", "/api/operations/contoso$contoso-vm$2$preview"); n == 0 || n != sim.Polls() {
		t.Errorf("%d requests at the legacy path for %d polls", n, sim.Polls())
	}
	in["offer-id"] = "contoso-app"
	if r := runAction(t, in, false); r.code != 1 || !strings.Contains(r.stdout, `names offer "contoso-vm" but offer-id is "contoso-app"`) {
		t.Errorf("a Location naming another offer: exit %d\n%s", r.code, r.stdout)
	}
}

// TestBinaryDiscoveryNeverPassesAnOldOperation: with no operation running and
// only an earlier publish's finished operation listed, offer-id alone fails
// at once (no proof), and with since keeps waiting; neither passes.
func TestBinaryDiscoveryNeverPassesAnOldOperation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		extra  map[string]string
		status string
		says   string
	}{
		{"no since", nil, "error", "Pass operation-id"},
		{"since, wait: false", map[string]string{"since": time.Now().UTC().Format(time.RFC3339), "wait": "false"}, "running", "predates since"},
		{"since, waiting", map[string]string{"since": time.Now().UTC().Format(time.RFC3339), "timeout": "300ms"}, "timed-out", "no operation of offer contoso-vm running or changed at or after since"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, url := startSim(t, "live", simulator.WithIdle())
			in := inputsFor(url)
			delete(in, "operation-id")
			for k, v := range tc.extra {
				in[k] = v
			}
			r := runAction(t, in, false)
			if r.outputs["status"] != tc.status || !strings.Contains(r.stdout, tc.says) || !strings.Contains(r.stdout, simulator.EarlierOperation) {
				t.Fatalf("exit %d outputs %v; want %s, saying %q and naming the earlier operation\n%s", r.code, r.outputs, tc.status, tc.says, r.stdout)
			}
			if n := sim.Count("GET", "/operations/"); n != 0 {
				t.Errorf("%d operation requests: the earlier operation was judged", n)
			}
		})
	}
}

// TestBinaryRedirectKeepsTheToken: a 3xx from the API to another host is
// followed without our token.
func TestBinaryRedirectKeepsTheToken(t *testing.T) {
	var authorized atomic.Int32
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") != "" {
			authorized.Add(1)
		}
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(other.Close)
	// The same loopback address under another name: another host to the client.
	elsewhere := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	_, url := startSim(t, "publish", simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.Contains(r.URL.Path, "/operations/") {
			return false
		}
		http.Redirect(w, r, elsewhere+r.URL.RequestURI(), http.StatusTemporaryRedirect)
		return true
	}))
	r := runAction(t, inputsFor(url), false)
	if r.code != 1 || hits.Load() == 0 {
		t.Fatalf("exit %d, %d requests elsewhere; want the redirect followed, and refused\n%s", r.code, hits.Load(), r.stdout)
	}
	if n := authorized.Load(); n != 0 {
		t.Errorf("%d requests carried the token to another host", n)
	}
	assertNoSecrets(t, r)
}
