// Package config turns action inputs into a validated, typed Config. It makes
// no network call: everything wrong with the inputs is caught here.
package config

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Annotate is the lowest message level that becomes an annotation.
type Annotate int

const (
	AnnotateNone Annotate = iota
	AnnotateError
	AnnotateWarning
	AnnotateInformation
)

// API is which marketplace API the gate watches.
type API string

const (
	APICPP              API = "cpp"
	APIProductIngestion API = "product-ingestion"
)

// apiFacts are what differ between the APIs: api-url's, api-version's and
// initial-interval's defaults, and the audience tokens must be for.
type apiFacts struct{ url, version, resource, interval string }

func factsOf(api API) (apiFacts, bool) {
	switch api {
	case APICPP:
		return apiFacts{"https://cloudpartner.azure.com", "2017-10-31", "https://cloudpartner.azure.com", "15s"}, true
	case APIProductIngestion:
		// The docs allow one status request a minute.
		return apiFacts{"https://graph.microsoft.com/rp/product-ingestion", "2022-03-01-preview2", "https://graph.microsoft.com", IngestionInterval.String()}, true
	}
	return apiFacts{}, false
}

// DefaultInitialInterval is initial-interval's default for api.
func DefaultInitialInterval(api API) time.Duration {
	facts, _ := factsOf(api)
	d, _ := time.ParseDuration(facts.interval)
	return d
}

// IngestionInterval is the product-ingestion API's polling limit: its pages
// allow at most one status request a minute.
const IngestionInterval = time.Minute

// Start is what the gate starts before it follows it (input start).
type Start string

const (
	StartNone      Start = ""
	StartPublish   Start = "publish"
	StartAddImage  Start = "add-image"
	StartGoLive    Start = "go-live"
	StartConfigure Start = "configure"
)

// Config is what the gate runs on.
type Config struct {
	API         API
	PublisherID string
	// Targets are the offers (products, jobs) to watch, in the order given; one or more.
	Targets []Target
	// SubmissionTarget is "preview" or "live": which submission of a product
	// (product-ingestion) is judged.
	SubmissionTarget string
	// Since, when set, is the earliest time a publish may have started to
	// count: older submissions (product-ingestion) and older finished
	// operations (CPP discovery) are not the publish in question.
	Since time.Time

	// Either AccessToken, or TenantID+ClientID with ClientSecret or, without
	// it, the job's OIDC token (workload identity federation).
	AccessToken  string
	TenantID     string
	ClientID     string
	ClientSecret string
	OIDC         *OIDC

	AuthorityHost *url.URL
	APIURL        *url.URL
	APIVersion    string
	// Resource is the audience the API's tokens must be for.
	Resource string

	Timeout         time.Duration
	InitialInterval time.Duration
	MaxInterval     time.Duration
	StopAtSignoff   bool
	// Wait false makes a single check instead of waiting.
	Wait bool
	// CancelOnInterrupt asks the API to cancel the operation when the job is.
	CancelOnInterrupt bool
	Annotate          Annotate

	// Start is what to start first; StartNone only watches.
	Start Start
	// NotificationEmails go with a CPP publish (comma-separated).
	NotificationEmails string
	// ConfigureDoc is the configure document of start: configure, read and
	// checked from configure-file.
	ConfigureDoc []byte
	// ConfigureFile says where that document lies in the workspace and
	// where its resources start, for annotations on their lines; nil
	// without start: configure.
	ConfigureFile *DocFile
	// DryRun checks everything short of the start, and sends nothing.
	DryRun bool
	// StallAfter ends the wait when nothing changes for so long; 0: off.
	StallAfter time.Duration

	// The image version that start: add-image, or publish with an image
	// source, adds to one plan of one offer (HasImage). Only the inputs'
	// shape is checked here; the SAS rules and the gallery version are the
	// starter's to check, and what is in the plan its to compare.

	// PlanID is the plan's external id (Partner Center's Plan ID; CPP's planId).
	PlanID string
	// ImageVersion is the version number to add, X.Y.Z: image-version, or
	// the gallery version's name.
	ImageVersion string
	// Gallery is the Azure Compute Gallery image version to publish
	// (product-ingestion only); nil with a SAS source.
	Gallery *GalleryImageVersion
	// GalleryTenantID is the tenant of the gallery's subscription (GUID or
	// domain): gallery-tenant-id, else tenant-id. Set with Gallery.
	GalleryTenantID string
	// OSDiskSAS is the SAS URI of the OS disk's VHD, and DataDiskSAS those of
	// the data disks, LUN 0, 1, … in order (at most MaxDataDisks). Each is a
	// credential: never log, annotate, output or return its query.
	OSDiskSAS   string
	DataDiskSAS []string
	// ImageTypes are the image types to publish the source as (ImageTypeX64Gen1,
	// ImageTypeX64Gen2, ImageTypeARM64Gen2), none twice; empty: the image type
	// of the plan's only SKU.
	ImageTypes []string
	// IfVersionExists is what to do when ImageVersion is already in the plan.
	IfVersionExists IfVersionExists
	// AllowDraftChanges lets start: publish ship the draft's other unpublished
	// changes with the image (product-ingestion).
	AllowDraftChanges bool
	// ARMURL is Azure Resource Manager's base URL, where the gallery version
	// is read (tokens are for https://management.azure.com whatever it says).
	ARMURL *url.URL

	// Warnings are inputs that are valid but unwise, for the log.
	Warnings []string
}

// OIDC is where the job's OIDC ID token comes from: the runner's token
// service, reachable when the job has permissions: id-token: write.
type OIDC struct {
	RequestURL   string // ACTIONS_ID_TOKEN_REQUEST_URL
	RequestToken string // ACTIONS_ID_TOKEN_REQUEST_TOKEN
	Audience     string
}

// The runner's variables for requesting the job's OIDC ID token.
const (
	IDTokenRequestURL   = "ACTIONS_ID_TOKEN_REQUEST_URL"
	IDTokenRequestToken = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
)

// Secrets returns the secret inputs given, the signatures (sig) of every SAS
// URI given, and the runner's ID token request token, read straight from the
// environment: they must be masked before Load could echo anything. A SAS
// URI's signature is masked, not the whole URI: the blob's path is what a
// user needs to read, and no message shows a SAS query. A value shorter than
// MinSecretLen is left out: Load refuses it without echoing it, and masking
// it would blank out its every occurrence for the rest of the job.
func Secrets(getenv Getenv) []string {
	var s []string
	for _, in := range Inputs() {
		v := Lookup(getenv, in.Name)
		switch {
		case v == "":
		case in.Secret && !tooShort(v):
			s = append(s, v)
		case in.SAS:
			for _, sig := range sasSignatures(v) {
				if !tooShort(sig) {
					s = append(s, sig)
				}
			}
		}
	}
	if v := strings.TrimSpace(getenv(IDTokenRequestToken)); v != "" {
		s = append(s, v)
	}
	return s
}

// Load reads and validates every input. The first problem found is returned,
// naming the input and what is wrong with it.
func Load(getenv Getenv) (Config, error) {
	in := func(name string) string {
		if v := Lookup(getenv, name); v != "" {
			return v
		}
		return Default(name)
	}
	var c Config
	var err error

	c.API = API(strings.ToLower(in("api")))
	facts, ok := factsOf(c.API)
	if !ok {
		return c, fmt.Errorf("api %q must be cpp or product-ingestion", shown(in("api")))
	}
	c.Resource = facts.resource
	if c.APIURL, err = parseBase("api-url", cmp.Or(in("api-url"), facts.url)); err != nil {
		return c, err
	}
	if c.AuthorityHost, err = parseBase("authority-host", in("authority-host")); err != nil {
		return c, err
	}
	c.APIVersion = cmp.Or(in("api-version"), facts.version)
	if !isVersion(c.APIVersion) {
		return c, fmt.Errorf("api-version %q is not a date version such as %s", shown(c.APIVersion), facts.version)
	}

	if v := in("since"); v != "" {
		if c.Since, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return c, fmt.Errorf("since %q is not an RFC 3339 time such as 2026-11-21T09:00:00Z (in a workflow: date -u +%%Y-%%m-%%dT%%H:%%M:%%SZ before the publish)", shown(v))
		}
	}
	// What is started decides what targets need; the rest of start's inputs
	// are read once the targets are known.
	c.Start = Start(strings.ToLower(in("start")))
	switch c.Start {
	case StartNone, StartPublish, StartAddImage, StartGoLive, StartConfigure:
	default:
		return c, fmt.Errorf("start %q must be publish, add-image, go-live or configure (or empty, to only watch)", shown(in("start")))
	}
	given := func(name string) bool { return Lookup(getenv, name) != "" }
	if err := c.setImageStart(in, given); err != nil {
		return c, err
	}
	if c.API == APIProductIngestion {
		if err := c.setIngestionTargets(in); err != nil {
			return c, err
		}
	} else {
		for _, name := range []string{"job-id", "product-id", "external-id"} {
			if in(name) != "" {
				return c, fmt.Errorf("%s is for api: product-ingestion; with api: cpp give offer-id (and operation-id)", name)
			}
		}
		c.PublisherID = in("publisher-id")
		if c.PublisherID == "" {
			return c, errors.New("publisher-id is required")
		}
		if err := checkID("publisher-id", c.PublisherID); err != nil {
			return c, err
		}
		if err := c.setTargets(in("offer-id"), in("operation-id")); err != nil {
			return c, err
		}
	}

	if err := c.setStart(in, getenv); err != nil {
		return c, err
	}
	if err := c.setAuth(in, getenv); err != nil {
		return c, err
	}
	// After sign-in's inputs: gallery-tenant-id defaults to tenant-id.
	if err := c.setImage(in, given); err != nil {
		return c, err
	}

	if c.Timeout, err = parseDuration("timeout", in("timeout")); err != nil {
		return c, err
	}
	if c.InitialInterval, err = parseDuration("initial-interval", cmp.Or(in("initial-interval"), facts.interval)); err != nil {
		return c, err
	}
	if c.API == APIProductIngestion && c.InitialInterval < IngestionInterval {
		c.Warnings = append(c.Warnings, fmt.Sprintf("initial-interval %s is below the product-ingestion API's limit of one status request a minute: expect throttling (429), which the gate waits out", c.InitialInterval))
	}
	if c.MaxInterval, err = parseDuration("max-interval", in("max-interval")); err != nil {
		return c, err
	}
	if c.MaxInterval < c.InitialInterval {
		return c, fmt.Errorf("max-interval (%s) is shorter than initial-interval (%s)", c.MaxInterval, c.InitialInterval)
	}
	if v := in("stall-after"); v != "" {
		if c.StallAfter, err = parseDuration("stall-after", v); err != nil {
			return c, err
		}
	}
	if c.StopAtSignoff, err = parseBool("stop-at-signoff", in("stop-at-signoff")); err != nil {
		return c, err
	}
	if c.Start == StartGoLive {
		c.StopAtSignoff = false // a go-live operation ends live, past sign-off
	}
	if c.Wait, err = parseBool("wait", in("wait")); err != nil {
		return c, err
	}
	if c.CancelOnInterrupt, err = parseBool("cancel-on-interrupt", in("cancel-on-interrupt")); err != nil {
		return c, err
	}
	if c.Annotate, err = parseAnnotate(in("annotate")); err != nil {
		return c, err
	}
	if c.Wait {
		c.warnStops(in("timeout"), in("stall-after"))
	}
	return c, nil
}

// HostedJobLimit is how long a job may run on a GitHub-hosted runner (the
// default job timeout, and its maximum there; self-hosted jobs may run 5
// days).
const HostedJobLimit = 6 * time.Hour

// warnStops warns of a wait that something else ends first. The runner
// stops a job at its timeout, and a step at its timeout-minutes, with the
// same SIGINT as a cancel: the gate then ends interrupted, never reaching
// its own timeout; and a stall-after not shorter than timeout never fires.
func (c *Config) warnStops(timeout, stallAfter string) {
	if c.Timeout > HostedJobLimit {
		c.Warnings = append(c.Warnings, fmt.Sprintf("timeout %s is longer than the 6 hours a job may run on GitHub-hosted runners: there the runner stops the job first and the gate ends interrupted, not timed-out; for a publish that takes longer, check it with wait: false on a schedule", timeout))
	}
	if c.StallAfter > 0 && c.StallAfter >= c.Timeout {
		c.Warnings = append(c.Warnings, fmt.Sprintf("stall-after %s is not shorter than timeout %s, so it can never fire: the wait ends at timeout first; give a shorter stall-after, or leave it empty", stallAfter, timeout))
	}
}

func (c *Config) setAuth(in func(string) string, getenv Getenv) error {
	c.AccessToken = in("access-token")
	c.TenantID, c.ClientID, c.ClientSecret = in("tenant-id"), in("client-id"), in("client-secret")
	anyCred := c.TenantID != "" || c.ClientID != "" || c.ClientSecret != ""
	switch {
	case c.AccessToken != "" && anyCred:
		return errors.New("access-token and tenant-id/client-id/client-secret are both given: use one way to sign in")
	case c.AccessToken != "":
		if strings.ContainsAny(c.AccessToken, " \t\r\n") {
			return errors.New("access-token contains white space: pass the token alone, without \"Bearer \"")
		}
		if tooShort(c.AccessToken) {
			return fmt.Errorf("access-token is shorter than %d characters, so it is not a token: %s; pass the whole bearer token", MinSecretLen, shortSecretHarm)
		}
		return nil
	case !anyCred:
		return errors.New("no credentials: give tenant-id, client-id and client-secret, or access-token")
	}
	var missing []string
	for _, p := range [][2]string{{"tenant-id", c.TenantID}, {"client-id", c.ClientID}} {
		if p[1] == "" {
			missing = append(missing, p[0])
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s is required with the other Azure AD inputs (or give access-token instead)", strings.Join(missing, " and "))
	}
	if !isTenant(c.TenantID) || strings.Contains(c.TenantID, "..") {
		// The value is not echoed: a secret pasted into the wrong input must not reach the log.
		return errors.New("tenant-id is neither a GUID nor a domain such as contoso.onmicrosoft.com")
	}
	if !IsGUID(c.ClientID) {
		return errors.New("client-id is not a GUID: use the app's Application (client) ID")
	}
	if c.ClientSecret == "" {
		return c.setOIDC(in, getenv)
	}
	if tooShort(c.ClientSecret) {
		return fmt.Errorf("client-secret is shorter than %d characters, so it is not a client secret: %s; pass the secret's Value (Azure AD's are about 40 characters)", MinSecretLen, shortSecretHarm)
	}
	return nil
}

// MinSecretLen is the shortest client-secret or access-token accepted. The
// runner masks a secret wherever it appears in the rest of the job, and drops
// every job output that contains it (JobExtension.cs): a value of a few
// characters would blank out ordinary words and outputs. The value itself is
// never echoed.
const MinSecretLen = 8

const shortSecretHarm = "the runner masks a secret everywhere in the rest of the job, and so short a value would blank out ordinary text in the log and drop every job output that contains it"

func tooShort(secret string) bool { return utf8.RuneCountInString(secret) < MinSecretLen }

// setOIDC prepares sign-in with the job's OIDC token, which the runner offers
// only to jobs with permissions: id-token: write.
func (c *Config) setOIDC(in func(string) string, getenv Getenv) error {
	o := &OIDC{
		RequestURL:   strings.TrimSpace(getenv(IDTokenRequestURL)),
		RequestToken: strings.TrimSpace(getenv(IDTokenRequestToken)),
		Audience:     in("oidc-audience"),
	}
	if o.RequestURL == "" || o.RequestToken == "" {
		return errors.New("client-secret is empty and the job has no OIDC token to sign in with: add `permissions: id-token: write` to the job (and a federated credential for this repository to the app), or pass client-secret")
	}
	u, err := url.Parse(o.RequestURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		return fmt.Errorf("%s is not an https URL: the runner's OIDC token service cannot be reached", IDTokenRequestURL)
	}
	if strings.ContainsAny(o.Audience, " \t\r\n") {
		return fmt.Errorf("oidc-audience %q contains white space", shown(o.Audience))
	}
	c.OIDC = o
	return nil
}

// Target is one offer to watch and, when known, its operation; with
// product-ingestion, one job or product.
type Target struct {
	// OfferID names the target in logs, annotations and results: the CPP
	// offer id, or the job, product or external id as given.
	OfferID string
	// OperationID is a GUID, or "" to discover the offer's operation; with
	// Legacy, the key of a non-migrated offer's Location
	// (publisher$offer$version$slot).
	OperationID string
	// Legacy marks an operation named by the non-migrated Location form,
	// fetched at /api/operations/{key}.
	Legacy bool
	// JobID, ProductID or ExternalID (product-ingestion): one of the three,
	// or JobID with ProductID or ExternalID, which say where the job's
	// submission is to be found.
	JobID, ProductID, ExternalID string
}

// key identifies the target whatever the spelling it was given in
// (product/GUID and GUID are one product).
func (t Target) key() string {
	for _, k := range []string{t.JobID, t.ProductID, t.ExternalID} {
		if k != "" {
			return k
		}
	}
	return t.OfferID
}

// MaxTargets bounds how many offers one gate watches.
const MaxTargets = 50

// setTargets reads offer-id and operation-id, each one value per line. With
// no operation-id every offer's operation is discovered; otherwise operations
// pair with offers line by line, and Location values may name their offers
// themselves.
func (c *Config) setTargets(offersIn, opsIn string) error {
	offers, ops := lines(offersIn), lines(opsIn)
	for _, o := range offers {
		if err := checkID("offer-id", o); err != nil {
			return err
		}
	}
	switch {
	case len(ops) == 0 && len(offers) == 0:
		return errors.New("offer-id is required unless operation-id is a Location value that names the offer")
	case len(ops) == 0:
		for _, o := range offers {
			c.Targets = append(c.Targets, Target{OfferID: o})
		}
	case len(offers) == 0 || len(offers) == len(ops):
		for i, v := range ops {
			offer := ""
			if len(offers) > 0 {
				offer = offers[i]
			}
			t, err := c.operation(v, offer)
			if err != nil && len(ops) > 1 {
				err = fmt.Errorf("line %d of %w", i+1, err)
			}
			if err != nil {
				return err
			}
			c.Targets = append(c.Targets, t)
		}
	default:
		return fmt.Errorf("operation-id has %d lines but offer-id has %d: give one offer per operation, in the same order, or leave offer-id empty and pass Location values", len(ops), len(offers))
	}
	return c.checkTargets("offer-id")
}

// checkTargets bounds the targets and refuses one listed twice.
func (c *Config) checkTargets(input string) error {
	if len(c.Targets) > MaxTargets {
		return fmt.Errorf("%s lists %d values: at most %d in one gate", input, len(c.Targets), MaxTargets)
	}
	for i, t := range c.Targets {
		for _, u := range c.Targets[:i] {
			if strings.EqualFold(t.key(), u.key()) {
				return fmt.Errorf("%s lists %s twice", input, t.OfferID)
			}
		}
	}
	return nil
}

// setIngestionTargets reads job-id, product-id or external-id (exactly one
// of them, each one value per line) and target.
func (c *Config) setIngestionTargets(in func(string) string) error {
	for _, name := range []string{"offer-id", "operation-id"} {
		if in(name) != "" {
			return fmt.Errorf("%s is for api: cpp; with api: product-ingestion give product-id, external-id or job-id", name)
		}
	}
	c.SubmissionTarget = strings.ToLower(in("target"))
	if c.SubmissionTarget != "preview" && c.SubmissionTarget != "live" {
		return fmt.Errorf("target %q must be preview or live", shown(in("target")))
	}
	jobs := lines(in("job-id"))
	product := ""
	switch {
	case in("product-id") != "" && in("external-id") != "":
		return errors.New("product-id and external-id are both given: give one of them")
	case in("product-id") != "":
		product = "product-id"
	case in("external-id") != "":
		product = "external-id"
	}
	products := lines(in(product))
	switch {
	case len(jobs) == 0 && product == "" && c.Start == StartConfigure:
		// The document names what it changes; the target is named after it.
		c.Targets = []Target{{OfferID: in("configure-file")}}
		return nil
	case len(jobs) == 0 && product == "":
		return errors.New("with api: product-ingestion, give job-id, product-id or external-id")
	case len(jobs) == 0 && c.Since.IsZero() && c.Start == StartNone:
		// The list always holds the previous publish's finished submissions:
		// without a bound, the newest of them would pass the gate.
		return fmt.Errorf("%s needs since (or job-id): without it the newest submission may be an earlier publish's, and the gate would pass on a publish that did not happen; pass since (the time the publish started, RFC 3339), or the job-id that POST configure returned", product)
	case len(jobs) > 0 && product != "" && len(products) != len(jobs):
		return fmt.Errorf("job-id has %d lines but %s has %d: give each job's product on the same line, or leave %s empty", len(jobs), product, len(products), product)
	}
	for i := range max(len(jobs), len(products)) {
		var t Target
		if len(jobs) > 0 {
			v := jobs[i]
			if !IsGUID(v) {
				return fmt.Errorf("job-id %q is not a GUID: pass the jobId that POST configure returned", shown(v))
			}
			t = Target{OfferID: v, JobID: strings.ToLower(v)}
		}
		if product != "" {
			v := products[i]
			switch product {
			case "product-id":
				id := strings.TrimPrefix(v, "product/")
				if !IsGUID(id) {
					return fmt.Errorf("product-id %q is not a durable id (a GUID, or product/ and a GUID): for the id you chose, use external-id", shown(v))
				}
				t.ProductID = strings.ToLower(id)
			case "external-id":
				if err := checkID("external-id", v); err != nil {
					return err
				}
				t.ExternalID = v
			}
			if t.OfferID == "" {
				t.OfferID = v
			}
		}
		c.Targets = append(c.Targets, t)
	}
	if len(jobs) > 0 {
		return c.checkTargets("job-id")
	}
	return c.checkTargets(product)
}

// lines splits a multi-line input into its non-empty, trimmed lines.
func lines(v string) []string {
	var out []string
	for _, l := range strings.Split(v, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// operation reads one operation-id value: a GUID (whose offer is offer), a
// Location path, or an absolute Location URL on the api-url host. A Location
// names publisher and offer, which must agree with publisher-id and offer.
func (c *Config) operation(v, offer string) (Target, error) {
	if IsGUID(v) {
		if offer == "" {
			return Target{}, fmt.Errorf("operation-id %s is a GUID: give its offer in offer-id, or pass the Location value, which names it", v)
		}
		return Target{OfferID: offer, OperationID: strings.ToLower(v)}, nil
	}
	loc, err := ParseLocation(v)
	if err != nil {
		return Target{}, fmt.Errorf("operation-id is neither a GUID nor an operation URL: %w", err)
	}
	if loc.Host != "" && !sameOrigin(loc.Scheme, loc.Host, c.APIURL) {
		return Target{}, fmt.Errorf("operation-id points at %s, not at api-url %s: refusing to send a token elsewhere", loc.Host, c.APIURL.Host)
	}
	if !strings.EqualFold(loc.Publisher, c.PublisherID) {
		return Target{}, fmt.Errorf("operation-id names publisher %q but publisher-id is %q", loc.Publisher, c.PublisherID)
	}
	if offer != "" && !strings.EqualFold(loc.Offer, offer) {
		return Target{}, fmt.Errorf("operation-id names offer %q but offer-id is %q", loc.Offer, offer)
	}
	return Target{OfferID: loc.Offer, OperationID: loc.Operation, Legacy: loc.Legacy}, nil
}

// Location is an operation URL taken apart.
type Location struct {
	Scheme, Host                string // empty for a relative path
	Publisher, Offer, Operation string
	// Legacy is the non-migrated form, /api/operations/P$O$version$slot;
	// Operation is then that key.
	Legacy bool
}

// ParseLocation reads an operation's Location, relative or absolute, in
// either form the API answers with: /api/publishers/P/offers/O/operations/GUID
// (migrated offers) or /api/operations/P$O$version$slot (offers not migrated).
// Every segment must be a plain id; no dot segments, no escapes that decode
// to separators.
func ParseLocation(v string) (Location, error) {
	var loc Location
	if strings.ContainsAny(v, " \t\r\n\\") {
		return loc, errors.New("it contains white space or a backslash")
	}
	u, err := url.Parse(v)
	if err != nil {
		return loc, errors.New("it is not a URL")
	}
	if u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return loc, errors.New("it has user info, a fragment or an opaque part")
	}
	if u.Scheme != "" || u.Host != "" {
		if u.Scheme != "https" && u.Scheme != "http" {
			return loc, fmt.Errorf("scheme %q is not https", u.Scheme)
		}
		loc.Scheme, loc.Host = u.Scheme, u.Host
	}
	parts := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	if len(parts) == 3 && parts[0] == "api" && strings.EqualFold(parts[1], "operations") {
		return legacyLocation(loc, parts[2])
	}
	if len(parts) != 7 || parts[0] != "api" || !strings.EqualFold(parts[1], "publishers") ||
		!strings.EqualFold(parts[3], "offers") || !strings.EqualFold(parts[5], "operations") {
		return loc, errors.New("its path is not /api/publishers/<publisher>/offers/<offer>/operations/<guid>")
	}
	for _, i := range []int{2, 4} {
		seg, err := url.PathUnescape(parts[i])
		if err != nil || !isID(seg) || isDots(seg) {
			return loc, fmt.Errorf("path segment %q is not a plain id", parts[i])
		}
		parts[i] = seg
	}
	if !IsGUID(parts[6]) {
		return loc, fmt.Errorf("operation %q is not a GUID", parts[6])
	}
	loc.Publisher, loc.Offer, loc.Operation = parts[2], parts[4], strings.ToLower(parts[6])
	return loc, nil
}

// legacyLocation reads the key of a non-migrated offer's Location:
// publisher, offer, version and slot joined by '$' (which may come escaped).
func legacyLocation(loc Location, segment string) (Location, error) {
	const form = "/api/operations/<publisher>$<offer>$<version>$<slot>"
	key, err := url.PathUnescape(segment)
	if err != nil {
		return loc, fmt.Errorf("its path is not %s", form)
	}
	f := strings.Split(key, "$")
	if len(f) != 4 {
		return loc, fmt.Errorf("its path is not %s", form)
	}
	for _, part := range []string{f[0], f[1], f[3]} {
		if !isID(part) || isDots(part) {
			return loc, fmt.Errorf("%q in its path is not a plain id", part)
		}
	}
	if f[2] == "" || strings.Trim(f[2], "0123456789") != "" || len(f[2]) > 20 {
		return loc, fmt.Errorf("version %q in its path is not a number", f[2])
	}
	loc.Publisher, loc.Offer, loc.Operation, loc.Legacy = f[0], f[1], key, true
	return loc, nil
}

func sameOrigin(scheme, host string, base *url.URL) bool {
	return strings.EqualFold(scheme, base.Scheme) && strings.EqualFold(host, base.Host)
}

func checkID(name, v string) error {
	if !isID(v) || isDots(v) {
		return fmt.Errorf("%s %q may only hold letters, digits, '.', '-' and '_' (at most 100, starting with a letter or digit)", name, shown(v))
	}
	return nil
}

func isDots(s string) bool { return strings.Trim(s, ".") == "" }

// parseBase accepts an https URL, or plain http to a loopback host (tests),
// so that a token never travels in clear.
// The value is echoed cut at its query, and not at all with user info: either
// may hold a credential pasted into the wrong input.
func parseBase(name, v string) (*url.URL, error) {
	u, err := url.Parse(v)
	switch {
	case err == nil && u.User != nil:
		return nil, fmt.Errorf("%s must not carry user info", name)
	case err != nil || u.Host == "":
		return nil, fmt.Errorf("%s %q is not an absolute URL", name, shown(v))
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("%s %q must not carry a query or a fragment", name, shown(v))
	}
	v = shown(v)
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("%s %q uses plain http: only https is allowed (http only for loopback hosts)", name, v)
		}
	default:
		return nil, fmt.Errorf("%s %q must be an https URL", name, v)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func parseDuration(name, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a duration such as 90s, 15m or 1h30m", name, shown(v))
	}
	if d <= 0 {
		return 0, fmt.Errorf("%s %q must be positive", name, shown(v))
	}
	return d, nil
}

// parseBool accepts what the Actions toolkit's getBooleanInput accepts.
func parseBool(name, v string) (bool, error) {
	switch v {
	case "true", "True", "TRUE":
		return true, nil
	case "false", "False", "FALSE":
		return false, nil
	}
	return false, fmt.Errorf("%s %q must be true or false", name, shown(v))
}

func parseAnnotate(v string) (Annotate, error) {
	switch strings.ToLower(v) {
	case "none":
		return AnnotateNone, nil
	case "error":
		return AnnotateError, nil
	case "warning":
		return AnnotateWarning, nil
	case "information", "info", "notice":
		return AnnotateInformation, nil
	}
	return 0, fmt.Errorf("annotate %q must be one of error, warning, information, none", shown(v))
}
