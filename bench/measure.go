package main

import (
	"bytes"
	_ "embed"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

var (
	//go:embed curl-jq.sh
	curlJQScript []byte
	//go:embed az-rest.sh
	azRestScript []byte
)

// bench holds what every measurement shares: the binaries and scripts under
// test and a scratch directory.
type bench struct {
	dir        string // scratch space, removed by close
	binary     string // marketplace-gate, built as released
	cert       string // the simulator's TLS certificate, PEM: what the gate trusts besides its embedded roots
	bundle     string // the system's CA bundle and that certificate: what curl and az load
	contenders []contender
	verbose    bool // print every run's figures
}

// contender is one way to gate: how to run it once against a session.
type contender struct {
	name    string
	command func(s *session, interval time.Duration) *exec.Cmd
	disk    func() (int64, error)
	slow    bool    // about a second a poll: fewer polls, one run
	target  float64 // how many times faster our start-up must be
}

// session is the simulator serving one measurement over TLS.
type session struct {
	sim   *simulator.Server
	srv   *httptest.Server
	token string
}

// start serves an operation that ends at poll polls. With closeEach every
// answer closes its connection, as a server does that drops idle ones
// sooner than the gate's next poll (its waits reach 5 minutes): each poll then
// pays a TLS handshake, as each curl or az process does anyway.
func (b *bench) start(polls int, closeEach bool) *session {
	sim := simulator.New(simulator.Long(polls))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if closeEach {
			w.Header().Set("Connection", "close")
		}
		sim.ServeHTTP(w, r)
	}))
	srv.StartTLS()
	return &session{sim: sim, srv: srv, token: sim.Authorize()}
}

func (s *session) close() { s.srv.Close() }

// operationURL is what the scripts GET: the operation the simulator plays.
func (s *session) operationURL() string {
	return fmt.Sprintf("%s/api/publishers/%s/offers/%s/operations/%s?api-version=%s",
		s.srv.URL, simulator.Publisher, simulator.Offer, simulator.OperationID, simulator.APIVersion)
}

// requestAt is when the simulator received its request number i (from 0).
func (s *session) requestAt(i int) (time.Time, bool) {
	reqs := s.sim.Requests()
	if len(reqs) <= i {
		return time.Time{}, false
	}
	return reqs[i].At, true
}

func newBench(smoke bool) (*bench, error) {
	need := []string{"curl", "jq", "time"}
	if !smoke {
		need = append(need, "az")
	}
	if err := ensureTools(need); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "marketplace-gate-bench-")
	if err != nil {
		return nil, err
	}
	b := &bench{dir: dir, binary: filepath.Join(dir, "marketplace-gate"), cert: filepath.Join(dir, "cert.pem"), bundle: filepath.Join(dir, "bundle.pem")}
	fmt.Fprintf(os.Stderr, "bench: building marketplace-gate with .ci/build\n")
	build := exec.Command("sh", ".ci/build", b.binary)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		b.close()
		return nil, fmt.Errorf("building marketplace-gate (run from the repository root): %w", err)
	}
	s := b.start(1, false)
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
	s.close()
	// curl and az load a whole CA bundle in real use, as the gate parses its
	// embedded roots: each pays for a root store once per process.
	system, _ := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	bundle := append(append(system, '\n'), cert...)
	for name, body := range map[string][]byte{b.cert: cert, b.bundle: bundle, "curl-jq.sh": curlJQScript, "az-rest.sh": azRestScript} {
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(name)), body, 0o755); err != nil {
			b.close()
			return nil, err
		}
	}

	b.contenders = []contender{{name: "marketplace-gate", command: b.ours, disk: b.ourSize}}
	b.contenders = append(b.contenders, contender{name: "curl + jq", command: b.script("curl-jq.sh"), target: minCurlRatio,
		disk: func() (int64, error) { return debianSize("curl", "jq") }})
	if !smoke {
		b.contenders = append(b.contenders, contender{name: "az rest", command: b.script("az-rest.sh"), slow: true, target: minAzRatio,
			disk: func() (int64, error) { return debianSize("azure-cli") }})
	}
	return b, nil
}

func (b *bench) close() { os.RemoveAll(b.dir) }

// ours runs the gate the way the runner runs the Docker action: INPUT_*
// variables, output files, and the token given as access-token (all three
// get the same token, so no sign-in is measured).
func (b *bench) ours(s *session, interval time.Duration) *exec.Cmd {
	cmd := exec.Command(b.binary)
	cmd.Env = []string{
		"GITHUB_ACTIONS=true",
		"GITHUB_OUTPUT=" + filepath.Join(b.dir, "output"),
		"GITHUB_STEP_SUMMARY=" + filepath.Join(b.dir, "summary"),
		// Only the simulator's certificate: as in the image, no system
		// roots are loaded (the embedded ones are parsed at start anyway).
		"SSL_CERT_FILE=" + b.cert,
		"SSL_CERT_DIR=" + filepath.Join(b.dir, "no-certs"), // absent
		"INPUT_PUBLISHER-ID=" + simulator.Publisher,
		"INPUT_OFFER-ID=" + simulator.Offer,
		"INPUT_OPERATION-ID=" + simulator.OperationID,
		"INPUT_API-URL=" + s.srv.URL,
		"INPUT_ACCESS-TOKEN=" + s.token,
		"INPUT_INITIAL-INTERVAL=" + interval.String(),
		"INPUT_MAX-INTERVAL=" + interval.String(),
		"INPUT_TIMEOUT=10m",
	}
	return cmd
}

func (b *bench) ourSize() (int64, error) {
	fi, err := os.Stat(b.binary)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// script runs one of the alternatives' loops.
func (b *bench) script(name string) func(*session, time.Duration) *exec.Cmd {
	return func(s *session, interval time.Duration) *exec.Cmd {
		cmd := exec.Command("bash", filepath.Join(b.dir, name))
		cmd.Env = []string{
			"PATH=" + os.Getenv("PATH"),
			"HOME=" + b.dir,
			"URL=" + s.operationURL(),
			"TOKEN=" + s.token,
			"INTERVAL=" + strconv.FormatFloat(interval.Seconds(), 'f', -1, 64),
			"CURL_CA_BUNDLE=" + b.bundle,
			"REQUESTS_CA_BUNDLE=" + b.bundle,
			"AZURE_CONFIG_DIR=" + filepath.Join(b.dir, "az"),
			"AZURE_CORE_COLLECT_TELEMETRY=false",
			"AZURE_CORE_ONLY_SHOW_ERRORS=true",
		}
		return cmd
	}
}

// runCmd runs cmd to a zero exit, keeping its stderr for the error.
func runCmd(cmd *exec.Cmd) error {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(cmd.Args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// startup is the median time from exec to the simulator receiving the first
// API request, over runs runs of an operation that is done at once.
func (b *bench) startup(c contender, runs int, interval time.Duration) (time.Duration, error) {
	s := b.start(1, false)
	defer s.close()
	var ds []time.Duration
	for i := range runs {
		before := len(s.sim.Requests())
		cmd := c.command(s, interval)
		t0 := time.Now()
		if err := runCmd(cmd); err != nil {
			return 0, err
		}
		first, ok := s.requestAt(before)
		if !ok {
			return 0, fmt.Errorf("%s run %d made no request", c.name, i+1)
		}
		ds = append(ds, first.Sub(t0))
	}
	return median(ds), nil
}

// usage is what one gate run cost.
type usage struct {
	cpu     time.Duration // user + system, the whole process tree
	peakRSS int64         // bytes, the largest process of the tree
}

// use runs c on an operation that ends at poll polls, under GNU time for the
// peak RSS: Go starts children with vfork, and Linux then carries this
// process's own peak into the child's ru_maxrss; time forks, so its child's
// figure is the child's own. CPU comes from our wait4, which counts time's
// children (time's own share is the same in every run and cancels out of
// the per-poll figure).
func (b *bench) use(c contender, polls int, interval time.Duration, closeEach bool) (usage, error) {
	s := b.start(polls, closeEach)
	defer s.close()
	inner := c.command(s, interval)
	rssFile := filepath.Join(b.dir, "maxrss")
	cmd := exec.Command("time", append([]string{"-f", "%M", "-o", rssFile, "--"}, inner.Args...)...)
	cmd.Env = inner.Env
	if err := runCmd(cmd); err != nil {
		return usage{}, err
	}
	if got := s.sim.Polls(); got != polls {
		return usage{}, fmt.Errorf("%s polled %d times; the operation needed %d", c.name, got, polls)
	}
	raw, err := os.ReadFile(rssFile)
	if err != nil {
		return usage{}, err
	}
	kib, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
	if err != nil {
		return usage{}, fmt.Errorf("reading time's %%M: %w", err)
	}
	return usage{cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), peakRSS: kib * 1024}, nil
}

// perPoll is the CPU a poll adds: the least of reps runs of polls polls,
// less the least of reps one-poll runs (start-up, exit and time's share),
// over the polls that differ. The least, not the median: the machine only
// ever adds CPU time (other load, a noisy neighbour), and medians of three
// runs still moved by half. The peak RSS is the long runs' largest.
func (b *bench) perPoll(c contender, polls, reps int, interval time.Duration, closeEach bool) (time.Duration, int64, error) {
	var long, short []time.Duration
	var peak int64
	for range reps {
		u, err := b.use(c, polls, interval, closeEach)
		if err != nil {
			return 0, 0, err
		}
		long, peak = append(long, u.cpu), max(peak, u.peakRSS)
		if u, err = b.use(c, 1, interval, closeEach); err != nil {
			return 0, 0, err
		}
		short = append(short, u.cpu)
	}
	if b.verbose {
		fmt.Fprintf(os.Stderr, "bench: %s, %d polls (close each: %v): CPU %v; 1 poll: %v\n", c.name, polls, closeEach, long, short)
	}
	return (slices.Min(long) - slices.Min(short)) / time.Duration(polls-1), peak, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
