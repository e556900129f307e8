// Package command wires the gate together: inputs → config → tokens → client
// → poller → reporter → exit code. main.go only adds signals and os.Exit.
package command

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/arm"
	"github.com/marketplace-gate/marketplace-gate/internal/auth"
	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
	"github.com/marketplace-gate/marketplace-gate/internal/imageplan"
	"github.com/marketplace-gate/marketplace-gate/internal/imagesource"
	"github.com/marketplace-gate/marketplace-gate/internal/ingestion"
	"github.com/marketplace-gate/marketplace-gate/internal/poll"
	"github.com/marketplace-gate/marketplace-gate/internal/report"
	"github.com/marketplace-gate/marketplace-gate/internal/start"
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
		switch a := env.Args[0]; {
		case a == "demo":
			return demo(ctx, env, env.Args[1:])
		case a == "-h" || a == "-help" || a == "--help" || a == "help":
			usage(env.Stdout)
			return 0
		case strings.HasPrefix(a, "-"):
			getenv, err := withFlags(env.Args, env.Getenv)
			if err != nil {
				fmt.Fprintf(env.Stderr, "marketplace-gate: %v\n", err)
				return 1
			}
			env.Getenv = getenv
		default:
			fmt.Fprintf(env.Stderr, "marketplace-gate: unknown argument %q (try --help)\n", a)
			return 1
		}
	}
	// The demo input runs the demo from a workflow (uses: ./ in CI).
	if d := config.Lookup(env.Getenv, "demo"); d != "" {
		return demo(ctx, env, strings.Fields(d))
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
	if cfg.ConfigureFile != nil {
		// A job error naming a resource of configure-file is annotated on its line.
		rep.SetLocator(cfg.ConfigureFile.Locate)
	}
	for _, w := range cfg.Warnings {
		rep.Warn(w)
	}

	// One deadline for everything, token fetches included.
	ctx, cancel := context.WithTimeoutCause(ctx, cfg.Timeout, poll.ErrTimeout)
	defer cancel()

	hc := env.HTTPClient
	if hc == nil {
		// A kept connection must outlive the longest wait to be reused.
		hc = apihttp.NewHTTPClient(cfg.MaxInterval + 30*time.Second)
	}
	var tokens *auth.Source
	// signIn is a token source for resource as the same app, in tenant; nil
	// with access-token, which is good for one API only.
	signIn := func(tenant, resource string) *auth.Source { return nil }
	switch {
	case cfg.AccessToken != "":
		tokens = auth.Static(cfg.AccessToken)
	case cfg.OIDC != nil:
		rep.Logf("Signing in as app %s with the job's OIDC token (workload identity federation)", cfg.ClientID)
		idToken := auth.GitHubIDToken(cfg.OIDC.RequestURL, cfg.OIDC.RequestToken, cfg.OIDC.Audience, hc)
		signIn = func(tenant, resource string) *auth.Source {
			return auth.Federated(cfg.AuthorityHost, tenant, cfg.ClientID, resource, idToken, hc, rep.Mask)
		}
	default:
		signIn = func(tenant, resource string) *auth.Source {
			return auth.ClientCredentials(cfg.AuthorityHost, tenant, cfg.ClientID, cfg.ClientSecret, resource, hc, rep.Mask)
		}
	}
	if tokens == nil {
		tokens = signIn(cfg.TenantID, cfg.Resource)
	}
	clock := env.Clock
	if clock == nil {
		clock = poll.RealClock{}
	}
	img := imageDeps{mask: rep.Mask, now: clock.Now}
	if cfg.Gallery != nil {
		// The gallery is read from ARM as the same app, in the gallery's
		// tenant, with a token for ARM whatever arm-url says.
		if armTokens := signIn(cfg.GalleryTenantID, arm.Resource); armTokens != nil {
			img.arm = arm.New(cfg.ARMURL, armTokens, apihttp.WithHTTPClient(hc))
		}
	}
	api := newAPI(cfg, tokens, hc, img)
	// Every offer is watched at once, for hours; what is bounded is the
	// requests in flight, so many offers do not hammer the API.
	inFlight := make(chan struct{}, maxRequests)
	vs := make([]verdict.Verdict, len(cfg.Targets))
	var wg sync.WaitGroup
	for i, t := range cfg.Targets {
		name := ""
		if len(cfg.Targets) > 1 {
			name = t.OfferID
		}
		log := rep.Subject(name)
		w := &watch{target: t, api: api, name: t.OfferID, kind: kindOf(cfg.API, t), log: log, inFlight: inFlight}
		wg.Add(1)
		go func() {
			defer wg.Done()
			vs[i] = w.run(ctx, cfg, clock)
		}()
	}
	wg.Wait()
	return finish(env, rep, vs...)
}

// api is what every target's watch shares: one API client (and so one
// token), what makes a follower, and what starts a publish (nil without
// the start input).
type api struct {
	follow  func(config.Target, start.Result, *report.Subject) follower
	starter start.Starter
}

// kindOf names what a target was given as, for results and the summary:
// what is followed (a job a start made, say) does not change what the user
// named.
func kindOf(which config.API, t config.Target) string {
	switch {
	case which == config.APICPP:
		return "offer"
	case t.JobID != "" && strings.EqualFold(t.OfferID, t.JobID):
		return "job"
	case t.ProductID != "" || t.ExternalID != "":
		return "product"
	}
	return "configure document"
}

// imageDeps are what an image release's starter takes besides the config:
// how to mask a SAS signature read, the clock the SAS expiry is judged by,
// and the gallery's reader (nil: the gallery check is skipped).
type imageDeps struct {
	mask func(string)
	now  func() time.Time
	arm  imagesource.GalleryReader
}

// releaseOf is the image release the inputs ask for.
func releaseOf(cfg config.Config) imageplan.Release {
	r := imageplan.Release{PlanID: cfg.PlanID, Version: cfg.ImageVersion, IfExists: imageplan.IfExists(cfg.IfVersionExists)}
	for _, t := range cfg.ImageTypes {
		r.ImageTypes = append(r.ImageTypes, imageplan.ImageType(t))
	}
	if g := cfg.Gallery; g != nil {
		r.Source.Gallery = &imageplan.Gallery{TenantID: cfg.GalleryTenantID, ResourceID: g.ID}
	} else {
		r.Source.SAS = &imageplan.SAS{OSDisk: cfg.OSDiskSAS, DataDisks: cfg.DataDiskSAS}
	}
	return r
}

func newAPI(cfg config.Config, tokens *auth.Source, hc *http.Client, img imageDeps) *api {
	if cfg.API == config.APIProductIngestion {
		client := ingestion.New(cfg.APIURL, cfg.APIVersion, tokens, apihttp.WithHTTPClient(hc))
		a := &api{follow: func(t config.Target, started start.Result, log *report.Subject) follower {
			product := productRef{id: t.ProductID, externalID: t.ExternalID}
			if t.JobID != "" {
				j := &ingestionJob{client: client, log: log, jobID: t.JobID, target: cfg.SubmissionTarget, since: cfg.Since,
					noSubmission: cfg.Start == config.StartAddImage}
				if product != (productRef{}) {
					j.product = &product
				}
				return j
			}
			p := &ingestionProduct{client: client, log: log, product: product, target: cfg.SubmissionTarget, since: cfg.Since}
			if !started.Since.IsZero() {
				p.since, p.unsure, p.known = started.Since, started.Unsure, started.Known
			}
			return p
		}}
		switch {
		case cfg.HasImage():
			a.starter = &start.ImageIngestion{Client: client, ARM: img.arm, Kind: cfg.Start, Version: cfg.APIVersion, DryRun: cfg.DryRun,
				Release: releaseOf(cfg), AllowDraftChanges: cfg.AllowDraftChanges, Publisher: cfg.PublisherID,
				SAS: imagesource.SASPolicy{Now: img.now}, Mask: img.mask}
		case cfg.Start != config.StartNone:
			a.starter = &start.Ingestion{Client: client, Kind: cfg.Start, Version: cfg.APIVersion, Doc: cfg.ConfigureDoc, DryRun: cfg.DryRun}
		}
		return a
	}
	client := cpp.New(cfg.APIURL, cfg.APIVersion, tokens, apihttp.WithHTTPClient(hc))
	a := &api{follow: func(t config.Target, started start.Result, log *report.Subject) follower {
		return &cppOperation{client: client, log: log, publisher: cfg.PublisherID, offer: t.OfferID, opID: t.OperationID, legacy: t.Legacy, since: cfg.Since,
			unsure: started.Unsure, known: started.Known, kind: started.Type}
	}}
	switch {
	case cfg.HasImage():
		a.starter = &start.ImageCPP{Client: client, Publisher: cfg.PublisherID, Kind: cfg.Start, Emails: cfg.NotificationEmails, DryRun: cfg.DryRun, APIURL: cfg.APIURL,
			Release: releaseOf(cfg), SAS: imagesource.SASPolicy{Now: img.now}, Mask: img.mask}
	case cfg.Start != config.StartNone:
		a.starter = &start.CPP{Client: client, Publisher: cfg.PublisherID, Kind: cfg.Start, Emails: cfg.NotificationEmails, DryRun: cfg.DryRun, APIURL: cfg.APIURL}
	}
	return a
}

// maxRequests bounds the API requests in flight across all watched offers.
const maxRequests = 4

// finish renders the verdicts and picks the exit code: 1 if any offer did
// not pass. Failing to write an output fails the step: a later step would
// read a missing value.
func finish(env Env, rep *report.Reporter, vs ...verdict.Verdict) int {
	if err := rep.Finish(vs...); err != nil {
		fmt.Fprintf(env.Stderr, "marketplace-gate: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return 1
	}
	code := 0
	for _, v := range vs {
		code = max(code, v.Status.ExitCode())
	}
	return code
}

func usage(w io.Writer) {
	fmt.Fprint(w, `marketplace-gate waits on an Azure Marketplace publishing operation (Cloud Partner
Portal, or Partner Center's product-ingestion API) and fails unless the publish went through.

Usage:
  marketplace-gate              run the gate on INPUT_* environment variables (as the runner does)
  marketplace-gate --NAME VALUE run it on flags named like the inputs (from a laptop); flags win
                                over INPUT_* variables; repeat a flag for several lines
  marketplace-gate demo [S] [A] run the gate against the built-in simulator; S is one of
                                publish (default), blocked, live, failed, canceled,
                                rejected, invalid, or image (a new VM image version added
                                to a plan and published to preview: from a Compute Gallery
                                with product-ingestion, from a SAS URI with cpp); A is the
                                API, cpp (default) or product-ingestion

Inputs (flag --NAME, or environment variable INPUT_<NAME>, hyphens kept, e.g. INPUT_PUBLISHER-ID):
`)
	width := 0
	for _, in := range config.Inputs() {
		width = max(width, len(in.Name))
	}
	for _, in := range config.Inputs() {
		def := in.Default
		switch {
		case in.Required:
			def = "required"
		case def == "":
			def = "-"
		}
		fmt.Fprintf(w, "  %-*s  %-34s %s\n", width, in.Name, def, in.Description)
	}
	fmt.Fprintf(w, "\nExit code 0 for %s, %s and (wait: false) %s; 1 for everything else.\n", verdict.Completed, verdict.AwaitingSignoff, verdict.Running)
}
