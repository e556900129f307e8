// Package command wires the gate together: inputs → config → tokens → client
// → poller → reporter → exit code. main.go only adds signals and os.Exit.
package command

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/auth"
	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
	"github.com/marketplace-gate/marketplace-gate/internal/poll"
	"github.com/marketplace-gate/marketplace-gate/internal/report"
	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// Env is everything the program takes from its process, so tests can run it
// whole without touching the real environment.
type Env struct {
	Args   []string
	Getenv func(string) string
	Stdout io.Writer
	Stderr io.Writer
	// Clock and HTTPClient are for tests; nil means the real ones.
	Clock      poll.Clock
	HTTPClient *http.Client
}

// Run runs the program and returns its exit code. ctx ends on SIGINT/SIGTERM.
func Run(ctx context.Context, env Env) int {
	if len(env.Args) > 0 {
		switch env.Args[0] {
		case "demo":
			return demo(ctx, env, env.Args[1:])
		case "-h", "-help", "--help", "help":
			usage(env.Stdout)
			return 0
		default:
			fmt.Fprintf(env.Stderr, "marketplace-gate: unknown argument %q (try --help)\n", env.Args[0])
			return 1
		}
	}
	return Gate(ctx, env)
}

// Gate runs the gate on the INPUT_* variables of env.
func Gate(ctx context.Context, env Env) int {
	rep := report.New(report.WithWriter(env.Stdout), report.WithGetenv(env.Getenv))
	// Mask secrets first, before validation could echo anything.
	for _, secret := range config.Secrets(env.Getenv) {
		rep.Mask(secret)
	}
	cfg, err := config.Load(env.Getenv)
	if err != nil {
		return finish(env, rep, verdict.Verdict{Status: verdict.Error, Err: fmt.Errorf("invalid input: %w", err)})
	}
	rep.SetAnnotate(cfg.Annotate)

	// One deadline for everything, token fetches included.
	ctx, cancel := context.WithTimeoutCause(ctx, cfg.Timeout, poll.ErrTimeout)
	defer cancel()

	hc := env.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: cpp.DefaultRequestTimeout}
	}
	var tokens *auth.Source
	switch {
	case cfg.AccessToken != "":
		tokens = auth.Static(cfg.AccessToken)
	case cfg.OIDC != nil:
		rep.Logf("Signing in as app %s with the job's OIDC token (workload identity federation)", cfg.ClientID)
		idToken := auth.GitHubIDToken(cfg.OIDC.RequestURL, cfg.OIDC.RequestToken, cfg.OIDC.Audience, hc)
		tokens = auth.Federated(cfg.AuthorityHost, cfg.TenantID, cfg.ClientID, idToken, hc, rep.Mask)
	default:
		tokens = auth.ClientCredentials(cfg.AuthorityHost, cfg.TenantID, cfg.ClientID, cfg.ClientSecret, hc, rep.Mask)
	}
	w := &watch{
		client: cpp.New(cfg.APIURL, cfg.APIVersion, tokens, cpp.WithHTTPClient(hc)),
		rep:    rep,
		cfg:    cfg,
		opID:   cfg.OperationID,
	}
	if w.opID != "" {
		rep.Logf("Watching operation %s of offer %s (publisher %s)", w.opID, cfg.OfferID, cfg.PublisherID)
	} else {
		rep.Logf("Looking up the operation of offer %s (publisher %s)", cfg.OfferID, cfg.PublisherID)
	}
	p := poll.Poller{
		Fetch:           w.fetch,
		Clock:           env.Clock,
		Timeout:         cfg.Timeout,
		InitialInterval: cfg.InitialInterval,
		MaxInterval:     cfg.MaxInterval,
		StopAtSignoff:   cfg.StopAtSignoff,
		Once:            !cfg.Wait,
		Observer:        rep,
	}
	v := p.Run(ctx)
	v.OperationID, v.OfferID = w.opID, cfg.OfferID
	if v.Status == verdict.Interrupted && cfg.CancelOnInterrupt {
		v.Err = cancelOperation(w.client, cfg, v.Err)
	}
	return finish(env, rep, v)
}

// cancelBudget bounds the cancel request: the runner allows a cancelled job a
// few seconds, and the gate promises to exit within one.
const cancelBudget = 700 * time.Millisecond

// cancelOperation asks the API to cancel the offer's operation after the job
// was cancelled, and says in the verdict whether that worked. The job's
// context has ended, so the request gets its own short one.
func cancelOperation(client *cpp.Client, cfg config.Config, interrupted error) error {
	ctx, cancel := context.WithTimeout(context.Background(), cancelBudget)
	defer cancel()
	loc, err := client.Cancel(ctx, cfg.PublisherID, cfg.OfferID)
	if err != nil {
		return fmt.Errorf("%w; cancel-on-interrupt: asking the API to cancel the operation failed, cancel it in Partner Center: %v", interrupted, err)
	}
	msg := "cancel-on-interrupt: the API accepted the request to cancel the operation of offer " + cfg.OfferID
	if loc != "" {
		msg += " (cancellation tracked at " + loc + ")"
	}
	return fmt.Errorf("%w; %s", interrupted, msg)
}

// finish renders the verdict and picks the exit code. Failing to write an
// output fails the step: a later step would read a missing value.
func finish(env Env, rep *report.Reporter, v verdict.Verdict) int {
	if err := rep.Finish(v); err != nil {
		fmt.Fprintf(env.Stderr, "marketplace-gate: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return 1
	}
	return v.Status.ExitCode()
}

func usage(w io.Writer) {
	fmt.Fprint(w, `marketplace-gate waits on an Azure Marketplace (Cloud Partner Portal) publishing
operation and fails unless the publish went through.

Usage:
  marketplace-gate            run the gate on INPUT_* environment variables (as the runner does)
  marketplace-gate demo [S]   run the gate against the built-in simulator; S is one of
                              publish (default), blocked, live, failed, canceled

Inputs (environment variable INPUT_<NAME>, e.g. INPUT_PUBLISHER-ID or INPUT_PUBLISHER_ID):
`)
	for _, in := range config.Inputs() {
		def := in.Default
		switch {
		case in.Required:
			def = "required"
		case def == "":
			def = "-"
		}
		fmt.Fprintf(w, "  %-17s %-34s %s\n", in.Name, def, in.Description)
	}
	fmt.Fprintf(w, "\nExit code 0 for %s and %s, 1 for everything else.\n", verdict.Completed, verdict.AwaitingSignoff)
}
