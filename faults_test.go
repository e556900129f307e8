package main_test

// The fault suite: every way the API, the token endpoint, the network, the
// runner and the server's text can go wrong, injected into the simulator
// while the built binary runs as the runner runs it. Each case asserts the
// status output, the exit code, a wall-clock bound, and that no secret
// reached anything the binary wrote.

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/runnertest"
	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// fault answers a request in place of the simulator; it returns false to let
// the simulator answer.
type fault func(c call) bool

// call is one request reaching a fault: N counts the requests of its kind
// (operation, token, other) from 1.
type call struct {
	N   int
	W   http.ResponseWriter
	R   *http.Request
	Sim *simulator.Server
}

type faultCase struct {
	name     string
	scenario string            // simulator scenario; "publish" when empty
	inputs   map[string]string // overrides of inputsFor; "{closed}" is a port nobody listens on
	// ingestion runs the case against api: product-ingestion, watching what
	// it names (job-id, product-id or external-id); inputs still override.
	ingestion map[string]string
	sim       []simulator.Option
	api       fault // GET operation requests
	token     fault // token endpoint requests
	other     fault // any other API request (cancel, offers, submissions)
	// signals are sent once the binary has made its first operation request;
	// within then bounds the time from the first signal to the exit.
	signals []os.Signal
	files   func(t *testing.T, dir string) (output, summary string)
	// peakKB bounds the binary's peak memory, read as it makes its peakAt-th
	// operation request (Linux only).
	peakAt int
	peakKB int64
	status string // "" when no outputs can be written
	code   int
	within time.Duration
	check  func(t *testing.T, f *faultRun)
}

// faultRun is what one case produced.
type faultRun struct {
	result
	sim    *simulator.Server
	took   time.Duration
	peakKB int64
}

// opRequests are the operation GETs the simulator received, in order.
func (f *faultRun) opRequests() []simulator.Request {
	var out []simulator.Request
	for _, r := range f.sim.Requests() {
		if strings.Contains(r.Path, "/operations/") || isIngestionPoll(r.Path) {
			out = append(out, r)
		}
	}
	return out
}

// isIngestionPoll: a product-ingestion request that fetches a snapshot.
func isIngestionPoll(path string) bool {
	p, ok := strings.CutPrefix(path, simulator.IngestionPath+"/")
	return ok && (strings.HasPrefix(p, "submission/") || strings.HasPrefix(p, "configure/") && strings.HasSuffix(p, "/status"))
}

func (f *faultRun) count(method, pathPart string) int { return f.sim.Count(method, pathPart) }

// gapAfterFirst is the time between the first two operation requests.
func (f *faultRun) gapAfterFirst(t *testing.T) time.Duration {
	t.Helper()
	ops := f.opRequests()
	if len(ops) < 2 {
		t.Fatalf("%d operation requests; want a retry", len(ops))
	}
	return ops[1].At.Sub(ops[0].At)
}

// Fault builders.

func first(times int, f fault) fault {
	return func(c call) bool { return (times < 0 || c.N <= times) && f(c) }
}

func always(f fault) fault { return first(-1, f) }

func answer(code int, header map[string]string, body string) fault {
	return func(c call) bool {
		for k, v := range header {
			c.W.Header().Set(k, v)
		}
		c.W.WriteHeader(code)
		_, _ = c.W.Write([]byte(body))
		return true
	}
}

// raw writes bytes straight to the connection and closes it; reset makes the
// close an RST instead of a FIN.
func raw(head string, reset bool) fault {
	return func(c call) bool {
		conn, buf, err := http.NewResponseController(c.W).Hijack()
		if err != nil {
			panic(err)
		}
		_, _ = buf.WriteString(head)
		_ = buf.Flush()
		if tc, ok := conn.(*net.TCPConn); ok && reset {
			_ = tc.SetLinger(0)
		}
		_ = conn.Close()
		return true
	}
}

// hang holds the request until the client gives up or the test ends. The
// body is read first: only then does the server notice a client hanging up.
func hang(release <-chan struct{}) fault {
	return func(c call) bool {
		_, _ = io.Copy(io.Discard, c.R.Body)
		select {
		case <-c.R.Context().Done():
		case <-release:
		}
		return true
	}
}

const apiError = `{"error":{"code":"%s","message":"%s"}}`

func TestFaults(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	var retryUntil atomic.Int64 // the HTTP-date the 503 case asked for
	htmlPage := "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"

	cases := []faultCase{
		// Throttling: the next request waits at least what the server asked.
		{name: "429 Retry-After seconds", api: first(1, answer(429, map[string]string{"Retry-After": "1"}, "")),
			status: "awaiting-signoff", code: 0, within: 5 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				if gap := f.gapAfterFirst(t); gap < time.Second {
					t.Errorf("retried after %v; the server asked for 1s", gap)
				}
			}},
		{name: "503 Retry-After HTTP-date", api: first(1, func(c call) bool {
			until := time.Now().Add(2 * time.Second).Truncate(time.Second)
			retryUntil.Store(until.UnixNano())
			c.W.Header().Set("Retry-After", until.UTC().Format(http.TimeFormat))
			c.W.WriteHeader(503)
			return true
		}), status: "awaiting-signoff", code: 0, within: 6 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				f.gapAfterFirst(t)
				if next, until := f.opRequests()[1].At, time.Unix(0, retryUntil.Load()); next.Before(until) {
					t.Errorf("retried at %v; the server asked to wait until %v", next, until)
				}
			}},
		{name: "429 retry-after-ms", api: first(1, answer(429, map[string]string{"retry-after-ms": "400"}, "")),
			status: "awaiting-signoff", code: 0, within: 4 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				if gap := f.gapAfterFirst(t); gap < 400*time.Millisecond {
					t.Errorf("retried after %v; the server asked for 400ms", gap)
				}
			}},
		{name: "503 x-ms-retry-after-ms", api: first(1, answer(503, map[string]string{"x-ms-retry-after-ms": "300"}, "")),
			status: "awaiting-signoff", code: 0, within: 4 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				if gap := f.gapAfterFirst(t); gap < 300*time.Millisecond {
					t.Errorf("retried after %v; the server asked for 300ms", gap)
				}
			}},
		{name: "Retry-After beyond the timeout", inputs: map[string]string{"timeout": "1500ms"},
			api:    always(answer(429, map[string]string{"Retry-After": "3600"}, "")),
			status: "timed-out", code: 1, within: 2500 * time.Millisecond,
			check: func(t *testing.T, f *faultRun) {
				if n := len(f.opRequests()); n != 1 {
					t.Errorf("%d requests; the wait asked for outlasts the timeout, so one", n)
				}
			}},

		// Server and network failures: retried with backoff, reported once.
		{name: "500", api: first(3, answer(500, nil, fmt.Sprintf(apiError, "InternalServerError", "Something went wrong."))),
			status: "awaiting-signoff", code: 0, within: 5 * time.Second, check: reportedOnce("HTTP 500")},
		{name: "502 HTML page from a proxy", api: first(3, answer(502, map[string]string{"Content-Type": "text/html"}, htmlPage)),
			status: "awaiting-signoff", code: 0, within: 5 * time.Second, check: reportedOnce("HTTP 502")},
		{name: "504", api: first(3, answer(504, nil, "upstream request timeout")),
			status: "awaiting-signoff", code: 0, within: 5 * time.Second, check: reportedOnce("HTTP 504")},
		{name: "200 with an HTML page", api: first(2, answer(200, map[string]string{"Content-Type": "text/html"}, htmlPage)),
			status: "awaiting-signoff", code: 0, within: 5 * time.Second, check: reportedOnce("HTML, not JSON")},
		{name: "200 with invalid JSON", api: first(2, answer(200, nil, `[{"status": "running", "steps": [`)),
			status: "awaiting-signoff", code: 0, within: 5 * time.Second, check: reportedOnce("not the JSON expected")},
		{name: "body cut short", api: first(2, raw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n[{\"status\":\"running\",", false)),
			status: "awaiting-signoff", code: 0, within: 5 * time.Second, check: reportedOnce("cut short")},
		{name: "connection reset mid-body", api: first(2, raw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n[{\"status\":\"running\",", true)),
			status: "awaiting-signoff", code: 0, within: 5 * time.Second, check: reportedOnce("Retrying")},
		{name: "connection reset before an answer", api: first(2, raw("", true)),
			status: "awaiting-signoff", code: 0, within: 5 * time.Second, check: reportedOnce("Retrying")},
		{name: "connection refused", inputs: map[string]string{"api-url": "{closed}", "timeout": "1s"},
			status: "timed-out", code: 1, within: 2 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				reportedOnce("refused")(t, f)
				if f.outputs["polls"] == "1" {
					t.Error("a refused connection was not retried")
				}
			}},
		{name: "request hangs until the timeout", inputs: map[string]string{"timeout": "1s"}, api: always(hang(release)),
			status: "timed-out", code: 1, within: 2 * time.Second},

		// The token endpoint.
		{name: "token endpoint 503", token: first(2, answer(503, nil, "Service Unavailable")),
			status: "awaiting-signoff", code: 0, within: 5 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				reportedOnce("HTTP 503")(t, f)
				if n := f.count("POST", "/oauth2/token"); n != 3 {
					t.Errorf("%d token requests; want 2 failures then 1 success", n)
				}
			}},
		{name: "token endpoint unreachable", token: first(1, raw("", true)),
			status: "awaiting-signoff", code: 0, within: 5 * time.Second, check: reportedOnce("token endpoint")},
		{name: "token endpoint hangs", inputs: map[string]string{"timeout": "1s"}, token: always(hang(release)),
			status: "timed-out", code: 1, within: 2 * time.Second},
		{name: "invalid_client fails fast", inputs: map[string]string{"client-secret": "wrong-secret-Value~123"},
			status: "error", code: 1, within: 2 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				if !strings.Contains(f.stdout, "client-secret is wrong") || f.count("POST", "/oauth2/token") != 1 || len(f.opRequests()) != 0 {
					t.Errorf("want one token request, no API call, and the input to check named:\n%s", f.stdout)
				}
			}},
		{name: "token renewed before it expires", sim: []simulator.Option{simulator.WithTokenTTL(5*time.Minute + 1500*time.Millisecond)},
			inputs: map[string]string{"initial-interval": "400ms", "max-interval": "400ms"},
			status: "awaiting-signoff", code: 0, within: 8 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				// Renewed five minutes early: used for 1.5s, then renewed; never refused.
				if n := f.count("POST", "/oauth2/token"); n < 2 || n >= len(f.opRequests()) {
					t.Errorf("%d token requests for %d polls; want it reused, then renewed", n, len(f.opRequests()))
				}
				for _, r := range f.sim.Requests() {
					if r.Status == http.StatusUnauthorized {
						t.Errorf("the API refused a token: %+v", r)
					}
				}
			}},
		{name: "token revoked mid-wait", api: func(c call) bool {
			if c.N == 3 {
				c.Sim.RevokeTokens()
			}
			return false
		}, status: "awaiting-signoff", code: 0, within: 5 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				unauthorized := 0
				for _, r := range f.sim.Requests() {
					if r.Status == http.StatusUnauthorized {
						unauthorized++
					}
				}
				if unauthorized != 1 || f.count("POST", "/oauth2/token") != 2 {
					t.Errorf("%d 401s and %d token requests; want one 401 answered by one new token", unauthorized, f.count("POST", "/oauth2/token"))
				}
				if n := strings.Count(f.stdout, "::add-mask::sim-token-"); n != 2 {
					t.Errorf("%d tokens masked; want both", n)
				}
			}},
		{name: "401 after a fresh token", api: always(answer(401, nil, fmt.Sprintf(apiError, "Unauthorized", "Authentication failed."))),
			status: "error", code: 1, within: 2 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				if n := len(f.opRequests()); n != 2 || !strings.Contains(f.stdout, "check tenant-id, client-id and client-secret") {
					t.Errorf("%d requests; want the refused token renewed once, then the credentials named:\n%s", n, f.stdout)
				}
			}},

		// Permanent API errors: one request, what it means, no retry storm.
		{name: "400", api: always(answer(400, nil, fmt.Sprintf(apiError, "BadRequest", "Invalid api-version."))),
			status: "error", code: 1, within: 2 * time.Second, check: permanent("bad or malformed request")},
		{name: "403", api: always(answer(403, nil, fmt.Sprintf(apiError, "Forbidden", "Access denied."))),
			status: "error", code: 1, within: 2 * time.Second, check: permanent("service principal has not been added to this publisher")},
		{name: "404 operation id that never existed", inputs: map[string]string{"operation-id": "0e8f3a66-1111-4222-8333-944455556666"},
			status: "error", code: 1, within: 2 * time.Second, check: permanent("operation-id 0e8f3a66-1111-4222-8333-944455556666 was not found")},
		{name: "operation disappears", api: func(c call) bool {
			return c.N >= 3 && answer(404, nil, fmt.Sprintf(apiError, "NotFound", "The operation was not found."))(c)
		}, status: "error", code: 1, within: 2 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				if n := len(f.opRequests()); n != 3 || !strings.Contains(f.stdout, "answered 404 after it had been found") {
					t.Errorf("%d requests; want the third one's 404 explained:\n%s", n, f.stdout)
				}
			}},

		// Cancellation by the runner: SIGINT, then SIGTERM.
		{name: "SIGINT while sleeping", inputs: sleepy, signals: []os.Signal{os.Interrupt},
			status: "interrupted", code: 1, within: time.Second},
		{name: "SIGTERM while sleeping", inputs: sleepy, signals: []os.Signal{syscall.SIGTERM},
			status: "interrupted", code: 1, within: time.Second},
		{name: "SIGINT then SIGTERM while sleeping", inputs: sleepy, signals: []os.Signal{os.Interrupt, syscall.SIGTERM},
			status: "interrupted", code: 1, within: time.Second},
		{name: "SIGINT then SIGTERM with a request in flight", inputs: sleepy, api: always(hang(release)), signals: []os.Signal{os.Interrupt, syscall.SIGTERM},
			status: "interrupted", code: 1, within: time.Second},
		{name: "cancel-on-interrupt", inputs: merge(sleepy, map[string]string{"cancel-on-interrupt": "true"}), signals: []os.Signal{os.Interrupt},
			status: "interrupted", code: 1, within: time.Second,
			check: func(t *testing.T, f *faultRun) {
				if f.count("POST", "/offers/contoso-vm/cancel") != 1 || !strings.Contains(f.stdout, "accepted the request to cancel") {
					t.Errorf("want one cancel request, and the log to say so:\n%s", f.stdout)
				}
			}},
		{name: "cancel-on-interrupt with a token to renew", inputs: merge(sleepy, map[string]string{"cancel-on-interrupt": "true"}),
			// Tokens inside the renewal margin: the cancel request must fetch one after the job's context ended.
			sim: []simulator.Option{simulator.WithTokenTTL(time.Minute)}, signals: []os.Signal{os.Interrupt},
			status: "interrupted", code: 1, within: time.Second,
			check: func(t *testing.T, f *faultRun) {
				if f.count("POST", "/offers/contoso-vm/cancel") != 1 || !strings.Contains(f.stdout, "accepted the request to cancel") {
					t.Errorf("want the cancel made with a fresh token:\n%s", f.stdout)
				}
			}},
		{name: "cancel-on-interrupt with the cancel request hanging", inputs: merge(sleepy, map[string]string{"cancel-on-interrupt": "true"}),
			other: always(hang(release)), signals: []os.Signal{os.Interrupt},
			status: "interrupted", code: 1, within: time.Second,
			check: func(t *testing.T, f *faultRun) {
				if !strings.Contains(f.stdout, "cancel it in Partner Center") {
					t.Errorf("the failed cancel is not reported:\n%s", f.stdout)
				}
			}},
		{name: "no cancel request by default", inputs: sleepy, signals: []os.Signal{os.Interrupt},
			status: "interrupted", code: 1, within: time.Second,
			check: func(t *testing.T, f *faultRun) {
				if n := f.count("POST", "/cancel"); n != 0 {
					t.Errorf("%d cancel requests without cancel-on-interrupt", n)
				}
			}},

		// The runner's files cannot be written.
		{name: "GITHUB_OUTPUT in a missing directory", files: func(t *testing.T, dir string) (string, string) {
			return filepath.Join(dir, "missing", "output"), filepath.Join(dir, "summary")
		}, code: 1, within: 5 * time.Second, check: fileError("GITHUB_OUTPUT")},
		{name: "GITHUB_STEP_SUMMARY is a directory", files: func(t *testing.T, dir string) (string, string) {
			return filepath.Join(dir, "output"), dir
		}, status: "awaiting-signoff", code: 1, within: 5 * time.Second, check: fileError("GITHUB_STEP_SUMMARY")},
		{name: "GITHUB_OUTPUT on a full disk", files: func(t *testing.T, dir string) (string, string) {
			if _, err := os.Stat("/dev/full"); err != nil {
				t.Skip("no /dev/full")
			}
			return "/dev/full", filepath.Join(dir, "summary")
		}, code: 1, within: 5 * time.Second, check: fileError("GITHUB_OUTPUT")},

		// Hostile answers.
		{name: "huge body", api: first(1, answer(200, nil, `[{"status":"running","x":"`+strings.Repeat("A", 32<<20)+`"}]`)),
			status: "awaiting-signoff", code: 0, within: 8 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				reportedOnce("larger than")(t, f)
			}, peakAt: 2, peakKB: 48 << 10},
		{name: "deeply nested JSON", api: first(1, answer(200, nil, strings.Repeat(`{"a":[`, 200000))),
			status: "awaiting-signoff", code: 0, within: 5 * time.Second, check: reportedOnce("not the JSON expected")},
		{name: "thousands of steps and messages", api: always(answer(200, nil, runaway(4000, 2, "blocked"))),
			status: "blocked", code: 1, within: 8 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				count := map[string]int{}
				firstError := ""
				for _, c := range runnertest.Commands(f.stdout) {
					count[c.Name]++
					if c.Name == "error" && firstError == "" {
						firstError = c.Message
					}
				}
				if count["error"] > 10 || count["warning"] > 10 || !strings.HasPrefix(firstError, "blocked-step message") {
					t.Errorf("annotations %v, first error %q; want at most 10 per kind, the blocked step's first", count, firstError)
				}
				if len(f.outputs["steps"]) > 256<<10 || len(f.summary) > 1<<20 {
					t.Errorf("steps output %d bytes, summary %d bytes: over the runner's limits", len(f.outputs["steps"]), len(f.summary))
				}
			}},
		{name: "thousands of steps: memory", api: first(3, answer(200, nil, runaway(4000, 2, "running"))),
			status: "awaiting-signoff", code: 0, within: 8 * time.Second, peakAt: 4, peakKB: 48 << 10},
		{name: "workflow commands in server text", scenario: "blocked", api: always(answer(200, nil, injection())),
			status: "blocked", code: 1, within: 5 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				for _, c := range runnertest.Commands(f.stdout + "\n" + f.stderr) {
					switch c.Name {
					case "add-mask", "debug":
					case "error", "warning", "notice":
						if c.Properties["title"] == "" { // every annotation of ours has a title
							t.Errorf("injected annotation %+v", c)
						}
					default:
						t.Errorf("injected command %+v", c)
					}
					if strings.ContainsAny(c.Message, "\r\n") || strings.Contains(c.Message, "<script") {
						t.Errorf("annotation carries a new line or markup: %+v", c)
					}
				}
				if len(f.outputs) != 16 {
					t.Errorf("outputs %v; an output was injected or lost", f.outputs)
				}
				if strings.Contains(f.summary, "<script") || strings.Contains(f.summary, "<img") {
					t.Errorf("markup reached the summary:\n%s", f.summary)
				}
			}},

		// The product-ingestion API goes through the same transport and poller.
		{name: "ingestion: 429 Retry-After on job status", ingestion: map[string]string{"job-id": simulator.JobID},
			api:    first(1, answer(429, map[string]string{"Retry-After": "1"}, `{"error":{"code":"tooManyRequests","message":"Rate limit is exceeded."}}`)),
			status: "completed", code: 0, within: 5 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				if gap := f.gapAfterFirst(t); gap < time.Second {
					t.Errorf("retried after %v; the server asked for 1s", gap)
				}
			}},
		{name: "ingestion: 502 HTML page on submissions", ingestion: map[string]string{"product-id": simulator.ProductID, "since": recently()},
			api: first(2, answer(502, map[string]string{"Content-Type": "text/html"}, htmlPage)), status: "completed", code: 0, within: 5 * time.Second,
			check: reportedOnce("HTTP 502")},
		{name: "ingestion: unknown job", ingestion: map[string]string{"job-id": "00000000-0000-4000-8000-000000000000"},
			status: "error", code: 1, within: 2 * time.Second, check: permanent("job-id 00000000-0000-4000-8000-000000000000 was not found (HTTP 404)")},
		{name: "ingestion: 403", ingestion: map[string]string{"job-id": simulator.JobID},
			api:    always(answer(403, nil, `{"error":{"code":"Forbidden","message":"Access denied."}}`)),
			status: "error", code: 1, within: 2 * time.Second, check: permanent("has not been added to the Partner Center account")},
		{name: "ingestion: a CPP token", ingestion: map[string]string{"job-id": simulator.JobID},
			inputs: map[string]string{"client-secret": "", "tenant-id": "", "client-id": "", "access-token": "{cpp-token}"},
			status: "error", code: 1, within: 2 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				// A 401 is tried once more (a token can be revoked), then final.
				if n := len(f.opRequests()); n != 2 || !strings.Contains(f.stdout, "the token is for https://graph.microsoft.com") {
					t.Errorf("%d requests; want 2 and the audience named:\n%s", n, f.stdout)
				}
			}},
		{name: "ingestion: cancel-on-interrupt cancels the job", ingestion: map[string]string{"job-id": simulator.JobID},
			inputs: merge(sleepy, map[string]string{"cancel-on-interrupt": "true"}), signals: []os.Signal{syscall.SIGTERM},
			status: "interrupted", code: 1, within: time.Second,
			check: func(t *testing.T, f *faultRun) {
				if f.count("POST", "/configure/"+simulator.JobID+"/cancel") != 1 || !strings.Contains(f.stdout, "accepted the request to cancel configure job") {
					t.Errorf("want one job cancel request, and the log to say so:\n%s", f.stdout)
				}
			}},
		{name: "ingestion: cancel-on-interrupt on a product", ingestion: map[string]string{"product-id": simulator.ProductID, "since": recently()},
			inputs: merge(sleepy, map[string]string{"cancel-on-interrupt": "true"}), signals: []os.Signal{os.Interrupt},
			status: "interrupted", code: 1, within: time.Second,
			check: func(t *testing.T, f *faultRun) {
				if n := len(f.sim.Requests()) - len(f.opRequests()) - f.count("POST", "/oauth2/"); n != 0 || !strings.Contains(f.stdout, "cancels configure jobs, not submissions") {
					t.Errorf("%d other requests; want none, and the log to say a submission cannot be cancelled:\n%s", n, f.stdout)
				}
			}},
		// Starting: a request that changes something goes out once, or again
		// only when it certainly never arrived.
		{name: "start: 503 Retry-After on publish is sent again", inputs: startFault, sim: []simulator.Option{simulator.WithIdle()},
			other:  firstPublish(answer(503, map[string]string{"Retry-After": "1"}, "")),
			status: "awaiting-signoff", code: 0, within: 6 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				if n := f.count("POST", "/publish"); n != 2 {
					t.Errorf("%d publish requests; want the turned-away one sent again, once", n)
				}
			}},
		// A 500 may have started it: never sent again, but looked for until
		// the timeout, which then says what was seen.
		{name: "start: 500 on publish is not sent again", inputs: merge(startFault, map[string]string{"timeout": "1s"}), sim: []simulator.Option{simulator.WithIdle()},
			other: always(func(c call) bool {
				return strings.HasSuffix(c.R.URL.Path, "/publish") && answer(500, nil, fmt.Sprintf(apiError, "InternalServerError", "Something went wrong."))(c)
			}),
			status: "timed-out", code: 1, within: 2 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				if n := f.count("POST", "/publish"); n != 1 || !strings.Contains(f.stdout, "may not have started") || !strings.Contains(f.stdout, "before starting again") || !strings.Contains(f.stdout, "no publish to follow appeared within timeout 1s") || !strings.Contains(f.stdout, "the newest listed is operation ") {
					t.Errorf("%d publish requests; want one, and the doubt and what was seen said:\n%s", n, f.stdout)
				}
				if n := f.count("GET", "/submissions"); n < 5 {
					t.Errorf("%d looks at the offer's operations; want it looked at until the timeout", n)
				}
			}},
		// The publish is refused 401 (its token revoked), and the token
		// endpoint then fails twice: the publish never left with a token the
		// API took, so it is sent again once a token comes, and followed.
		{name: "start: 401, then the token endpoint 500, is sent again", inputs: startFault, sim: []simulator.Option{simulator.WithIdle()},
			other: firstPublish(func(c call) bool { c.Sim.RevokeTokens(); return false }),
			token: func(c call) bool {
				return c.N >= 2 && c.N <= 3 && answer(500, nil, `{"error":"temporarily_unavailable","error_description":"AADSTS50000: internal error"}`)(c)
			},
			status: "awaiting-signoff", code: 0, within: 6 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				var publishes []simulator.Request
				for _, r := range f.sim.Requests() {
					if r.Method == "POST" && strings.HasSuffix(r.Path, "/publish") {
						publishes = append(publishes, r)
					}
				}
				if len(publishes) != 2 || publishes[0].Status != http.StatusUnauthorized || publishes[1].Status != http.StatusAccepted {
					t.Fatalf("publish requests %+v; want one refused 401, then the one after the token recovered accepted", publishes)
				}
				if n := f.count("POST", "/oauth2/token"); n != 4 {
					t.Errorf("%d token requests; want sign-in, two failures, one success", n)
				}
				if f.outputs["operation-id"] != f.sim.Operation(simulator.Offer) || f.outputs["operation-id"] == "" {
					t.Errorf("operation-id %q; want the operation the publish started, %q", f.outputs["operation-id"], f.sim.Operation(simulator.Offer))
				}
				if strings.Contains(f.stdout, "may not have started") || strings.Contains(f.stdout, "nothing was started") {
					t.Errorf("the log doubts a start that went through:\n%s", f.stdout)
				}
			}},
		{name: "start: 401, then the token endpoint never recovers", inputs: merge(startFault, map[string]string{"timeout": "1500ms"}), sim: []simulator.Option{simulator.WithIdle()},
			other: firstPublish(func(c call) bool { c.Sim.RevokeTokens(); return false }),
			token: func(c call) bool {
				return c.N >= 2 && answer(500, nil, `{"error":"temporarily_unavailable","error_description":"AADSTS50000: internal error"}`)(c)
			},
			status: "error", code: 1, within: 3 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				if n := f.count("POST", "/publish"); n != 1 {
					t.Errorf("%d publish requests; want only the one refused 401", n)
				}
				if n := f.count("POST", "/oauth2/token"); n < 4 {
					t.Errorf("%d token requests; want the token asked for again until the timeout", n)
				}
				var said string
				for _, c := range runnertest.Commands(f.stdout) {
					if c.Name == "error" {
						said += c.Message + "\n"
					}
				}
				if !strings.Contains(said, "was never sent") || !strings.Contains(said, "HTTP 500") || strings.Contains(said, "will retry") || strings.Contains(said, "may have been sent") {
					t.Errorf("the error does not say the start was never sent, and why, without promising a retry:\n%s", said)
				}
			}},
		{name: "start: the publish request hangs", inputs: merge(startFault, map[string]string{"timeout": "1s"}), sim: []simulator.Option{simulator.WithIdle()},
			other:  always(func(c call) bool { return strings.HasSuffix(c.R.URL.Path, "/publish") && hang(release)(c) }),
			status: "timed-out", code: 1, within: 2 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				if n := f.count("POST", "/publish"); n != 1 || !strings.Contains(f.stdout, "may have been sent") {
					t.Errorf("%d publish requests; want one, and the doubt said:\n%s", n, f.stdout)
				}
			}},
		// An image release (issue 17): its reads are retried as any, its one
		// configure job is never sent twice, and nothing else changes anything.
		{name: "image: 503 Retry-After on a resource tree is read again", ingestion: imageFault, inputs: imageFaultURL, sim: []simulator.Option{simulator.WithIdle()},
			other:  firstOn("/resource-tree/", 1, answer(503, map[string]string{"Retry-After": "1"}, "")),
			status: "completed", code: 0, within: 6 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				changesOnce(t, f)
				var trees []simulator.Request
				for _, r := range f.sim.Requests() {
					if strings.Contains(r.Path, "/resource-tree/") {
						trees = append(trees, r)
					}
				}
				if len(trees) < 2 || trees[0].Status != 503 || trees[1].At.Sub(trees[0].At) < time.Second {
					t.Errorf("resource-tree requests %+v; want the one turned away read again a second later", trees)
				}
			}},
		{name: "image: ARM 500 is read again", ingestion: imageFault, inputs: imageFaultURL, sim: []simulator.Option{simulator.WithIdle()},
			other:  firstOn("/subscriptions/", 2, answer(500, nil, `{"error":{"code":"InternalServerError","message":"Something went wrong."}}`)),
			status: "completed", code: 0, within: 5 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				changesOnce(t, f)
				reportedOnce("HTTP 500")(t, f)
				if n := f.count("GET", "/subscriptions/"); n != 4 {
					t.Errorf("%d ARM requests; want the version read three times, then its definition", n)
				}
			}},
		{name: "image: 500 on the configure POST is not sent again", ingestion: imageFault, inputs: merge(imageFaultURL, map[string]string{"timeout": "1s"}), sim: []simulator.Option{simulator.WithIdle()},
			other: always(func(c call) bool {
				return c.R.Method == "POST" && strings.HasSuffix(c.R.URL.Path, "/configure") && answer(500, nil, `{"error":{"code":"internalServerError","message":"Something went wrong."}}`)(c)
			}),
			status: "timed-out", code: 1, within: 2 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				changesOnce(t, f)
				if !strings.Contains(f.stdout, "may not have started") {
					t.Errorf("the doubt is not said:\n%s", f.stdout)
				}
			}},
		{name: "path traversal in offer-id", inputs: map[string]string{"offer-id": "../../offers/other"},
			status: "error", code: 1, within: 2 * time.Second,
			check: func(t *testing.T, f *faultRun) {
				if n := len(f.sim.Requests()); n != 0 || !strings.Contains(f.stdout, "offer-id") {
					t.Errorf("%d requests for a bad id; want none and the input named:\n%s", n, f.stdout)
				}
			}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.signals) > 0 && runtime.GOOS == "windows" {
				t.Skip("no POSIX signals")
			}
			t.Parallel()
			f := runFault(t, tc)
			if tc.status != "" && f.outputs["status"] != tc.status || f.code != tc.code {
				t.Fatalf("status %q exit %d; want %q exit %d\nstdout:\n%s\nstderr:\n%s", f.outputs["status"], f.code, tc.status, tc.code, f.stdout, f.stderr)
			}
			if f.took > tc.within {
				t.Errorf("took %v; want at most %v", f.took, tc.within)
			}
			if strings.Contains(f.stderr, "panic") || strings.Contains(f.stderr, "goroutine ") {
				t.Errorf("the binary panicked:\n%s", f.stderr)
			}
			assertNoSecrets(t, f.result)
			if n := posts(f.sim); n != 0 && tc.inputs["start"] == "" && tc.inputs["cancel-on-interrupt"] != "true" {
				t.Errorf("%d requests that change something, without start or cancel-on-interrupt", n)
			}
			if s := tc.inputs["client-secret"]; s != "" {
				assertNoLeak(t, f.result, s)
			}
			if tc.check != nil {
				tc.check(t, f)
			}
		})
	}
}

// recently is a since that every publish the simulator starts is after.
func recently() string { return time.Now().Add(-time.Minute).UTC().Format(time.RFC3339) }

// firstPublish answers the first publish request with f.
func firstPublish(f fault) fault {
	var done atomic.Bool
	return func(c call) bool {
		return strings.HasSuffix(c.R.URL.Path, "/publish") && !done.Swap(true) && f(c)
	}
}

// imageFault releases a new gallery image version to PlanGen2 (start:
// publish); imageFaultURL points ARM at the simulator.
var (
	imageFault = map[string]string{"start": "publish", "external-id": simulator.Offer, "plan-id": simulator.PlanGen2,
		"gallery-image-version-id": simulator.GalleryVersionNew, "publisher-id": simulator.Publisher}
	imageFaultURL = map[string]string{"arm-url": "{url}", "start": "publish"}
)

// firstOn applies f to the first times requests whose path holds part.
func firstOn(part string, times int, f fault) fault {
	var n atomic.Int32
	return func(c call) bool {
		return strings.Contains(c.R.URL.Path, part) && n.Add(1) <= int32(times) && f(c)
	}
}

// changesOnce: an image release sent exactly one request that changes
// something, the configure POST, and no PUT.
func changesOnce(t *testing.T, f *faultRun) {
	t.Helper()
	if n, posted := changes(f.sim), f.count("POST", "/configure"); n != 1 || posted != 1 {
		t.Errorf("%d requests that change something, %d configure POSTs; want exactly one configure POST", n, posted)
	}
}

// startFault starts a publish on the offer instead of watching one.
var startFault = map[string]string{"operation-id": "", "start": "publish", "notification-emails": "release@contoso.com"}

// sleepy makes the binary sleep for an hour after its first poll.
var sleepy = map[string]string{"initial-interval": "1h", "max-interval": "1h", "timeout": "2h"}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// runFault starts a simulator with the case's faults, runs the binary on it,
// sends the case's signals, and collects what the binary wrote.
func runFault(t *testing.T, tc faultCase) *faultRun {
	t.Helper()
	var mu sync.Mutex
	counts := map[string]int{}
	polled := make(chan struct{})
	var once sync.Once
	var sim *simulator.Server
	var pid atomic.Int64
	var peakKB int64
	ready := make(chan struct{}) // sim is set
	intercept := func(w http.ResponseWriter, r *http.Request) bool {
		kind, f := "other", tc.other
		switch {
		case strings.Contains(r.URL.Path, "/oauth2/"):
			kind, f = "token", tc.token
		case strings.Contains(r.URL.Path, "/operations/"), isIngestionPoll(r.URL.Path):
			kind, f = "api", tc.api
			once.Do(func() { close(polled) })
		}
		mu.Lock()
		counts[kind]++
		n := counts[kind]
		if kind == "api" && n == tc.peakAt {
			peakKB = vmHWM(int(pid.Load()))
		}
		mu.Unlock()
		<-ready
		return f != nil && f(call{N: n, W: w, R: r, Sim: sim})
	}
	scenario := tc.scenario
	if scenario == "" {
		scenario = "publish"
	}
	sim, url := startSim(t, scenario, append(tc.sim, simulator.WithIntercept(intercept))...)
	close(ready)

	in := inputsFor(url)
	if tc.ingestion != nil {
		in = ingestionInputs(url, tc.ingestion)
	}
	for k, v := range tc.inputs {
		switch v {
		case "{closed}":
			v = closedURL(t)
		case "{cpp-token}":
			v = sim.Authorize()
		case "{url}":
			v = url
		}
		in[k] = v
	}
	cmd, stdout, stderr, output, summary := action(t, in, false)
	if tc.files != nil {
		output, summary = tc.files(t, t.TempDir())
		setEnv(cmd, "GITHUB_OUTPUT", output)
		setEnv(cmd, "GITHUB_STEP_SUMMARY", summary)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid.Store(int64(cmd.Process.Pid))
	if len(tc.signals) > 0 {
		select {
		case <-polled:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatal("the binary never polled")
		}
		start = time.Now()
		for _, s := range tc.signals {
			if err := cmd.Process.Signal(s); err != nil {
				t.Fatal(err)
			}
		}
	}
	err := cmd.Wait()
	f := &faultRun{sim: sim, took: time.Since(start)}
	f.stdout, f.stderr = stdout.String(), stderr.String()
	if ee, ok := err.(*exec.ExitError); ok {
		f.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if tc.peakAt > 0 && runtime.GOOS == "linux" {
		mu.Lock()
		f.peakKB = peakKB
		mu.Unlock()
		t.Logf("peak memory %d KiB", f.peakKB)
		if f.peakKB == 0 || f.peakKB > tc.peakKB {
			t.Errorf("peak memory %d KiB; want at most %d KiB (0: not measured)", f.peakKB, tc.peakKB)
		}
	}
	f.outputs = map[string]string{}
	if tc.status != "" { // else the case made GITHUB_OUTPUT unwritable (or /dev/full, endless to read)
		if f.outputs, err = runnertest.Outputs(output); err != nil {
			t.Fatalf("outputs: %v\nstdout:\n%s\nstderr:\n%s", err, f.stdout, f.stderr)
		}
	}
	if b, err := os.ReadFile(summary); err == nil {
		f.summary = string(b)
	}
	return f
}

func setEnv(cmd *exec.Cmd, name, value string) {
	for i, kv := range cmd.Env {
		if strings.HasPrefix(kv, name+"=") {
			cmd.Env[i] = name + "=" + value
			return
		}
	}
	cmd.Env = append(cmd.Env, name+"="+value)
}

// closedURL is a loopback URL on which nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// Checks shared by several cases.

// reportedOnce: a transient failure is logged once, however often it recurs.
func reportedOnce(text string) func(*testing.T, *faultRun) {
	return func(t *testing.T, f *faultRun) {
		t.Helper()
		n := 0
		for _, line := range strings.Split(f.stdout, "\n") {
			if strings.Contains(line, "Retrying") && strings.Contains(line, text) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d log lines report %q; want exactly one:\n%s", n, text, f.stdout)
		}
	}
}

// permanent: one request for the resource, then the meaning in the log.
func permanent(meaning string) func(*testing.T, *faultRun) {
	return func(t *testing.T, f *faultRun) {
		t.Helper()
		if n := len(f.opRequests()); n != 1 || !strings.Contains(f.stdout, meaning) {
			t.Errorf("%d operation requests; want 1 and %q in the log:\n%s", n, meaning, f.stdout)
		}
	}
}

func fileError(name string) func(*testing.T, *faultRun) {
	return func(t *testing.T, f *faultRun) {
		t.Helper()
		if !strings.Contains(f.stderr, "writing") || !strings.Contains(f.stderr, name) {
			t.Errorf("stderr does not say that %s could not be written:\n%s", name, f.stderr)
		}
	}
}

// assertNoLeak scans everything the binary wrote for each secret. The
// ::add-mask:: command is the one place a secret belongs: the runner swallows it.
func assertNoLeak(t *testing.T, r result, secrets ...string) {
	t.Helper()
	all := r.stdout + "\n" + r.stderr + "\n" + r.summary + "\n" + fmt.Sprint(r.outputs)
	for _, line := range strings.Split(all, "\n") {
		if strings.HasPrefix(line, "::add-mask::") {
			continue
		}
		for _, s := range secrets {
			if strings.Contains(line, s) {
				t.Errorf("a secret reached the output: %q", line)
			}
		}
	}
}

// runaway is an operation of n steps with m messages each; the last step is
// in state last, and its messages come after thousands of others.
func runaway(n, m int, last string) string {
	var b strings.Builder
	b.WriteString(`[{"status":"running","messages":[],"steps":[`)
	for i := range n {
		status, prefix := "running", "noise"
		if i == n-1 {
			status, prefix = last, last+"-step message"
		}
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"s%d","stepName":"Step %d","status":%q,"progressPercentage":50,"messages":[`, i, i, status)
		for j := range m {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"messageHtml":"%s %d.%d %s","level":"error","timestamp":"2026-11-21T09:00:00Z"}`, prefix, i, j, strings.Repeat("lorem ipsum ", 20))
		}
		b.WriteString("]}")
	}
	b.WriteString("]}]")
	return b.String()
}

// injection is a blocked operation whose every text field tries to become a
// workflow command, an output, or markup.
func injection() string {
	evil := []string{
		"line one\n::error::injected",
		"%0A::set-output name=status::completed",
		"##[group]legacy command",
		"  ::warning::after spaces",
		"\r\n::add-mask::x",
		"<script>alert(1)</script><img src=x onerror=alert(1)>",
		"status=completed\nEOF\nstatus=completed",
		"\x1b[31mcolour\x00nul\x07bell",
	}
	var msgs []string
	for _, e := range evil {
		q, _ := json.Marshal(e)
		msgs = append(msgs, fmt.Sprintf(`{"messageHtml":%s,"level":"error","timestamp":%s}`, q, q))
	}
	all := strings.Join(msgs, ",")
	return fmt.Sprintf(`[{"status":"running","messages":[%[1]s],"steps":[{"id":"step\\n::error::id","stepName":"::error::name","status":"blocked","progressPercentage":10,"estimatedTimeFrame":"##[endgroup]","messages":[%[1]s]}],"previewLinks":["javascript:alert(1)","https://example.com/a)](https://evil"]}]`, all)
}
