// Package simulator is an in-process Cloud Partner Portal, Partner Center
// product-ingestion API, Azure Resource Manager (a Compute Gallery) and
// Azure AD token endpoint, faithful to the
// reference pages and their quirks: the operation wrapped in a one-element
// array, mixed status spellings, blocked steps; jobID spelled as the
// ingestion docs spell it, tokens bound to their audience. The demo and the
// tests run the real gate against it.
package simulator

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Fixed identities of the simulated publisher and app.
const (
	Publisher    = "contoso"
	Offer        = "contoso-vm"
	OperationID  = "5a63deb5-925b-4ee0-938b-7c86fbf287c5"
	Tenant       = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	ClientID     = "0b1c7f3e-4a5d-4c6e-9f80-1a2b3c4d5e6f"
	ClientSecret = "sim-client-secret-Zq8~xR2vT5wY"
	APIVersion   = "2017-10-31"

	// IDTokenRequestToken authorises requests to the simulated runner's OIDC
	// token service at IDTokenPath (ACTIONS_ID_TOKEN_REQUEST_TOKEN / _URL).
	IDTokenRequestToken = "sim-id-request-token-Hb7~kW2qL9"
	IDTokenPath         = "/oidc/idtoken?api-version=2.0"
	// IDTokenAudience is the audience the app's federated credential expects.
	IDTokenAudience = "api://AzureADTokenExchange"
)

// Request is one request the simulator received.
type Request struct {
	Method, Path, Query string
	Authorized          bool
	At                  time.Time // when it arrived
	Status              int       // the answer's HTTP status; 0 if none was written
}

// Server is the simulated API. Its zero value is not usable; call New.
type Server struct {
	mu        sync.Mutex
	plays     map[string]*play   // the operation played for each offer that has one
	tokens    map[string]grant   // issued token → what it is good for
	ingest    *ingestState       // the product-ingestion side
	image     *imageState        // the product's resource trees
	cppDocs   *cppState          // the CPP offer documents and their ETags
	arm       *armState          // the Compute Gallery, as ARM serves it
	idTokens  map[string]idToken // issued OIDC ID token → its claims
	idTTL     time.Duration
	requests  []Request
	tokenTTL  time.Duration
	arrayWrap bool
	offers    []string
	intercept func(w http.ResponseWriter, r *http.Request) bool
	mux       *http.ServeMux
	legacy    []string // offers not migrated to Partner Center
	// idle (WithIdle) marks every operation of New as not under way.
	idle bool
	// retired counts the GETs of operations a publish or go-live replaced,
	// so Polls still counts every fetch.
	retired int
	// dropAfterStart (WithDropAfterStart) hangs up on the first accepted
	// start; dropped records that it has.
	dropAfterStart, dropped bool
	// invalid (the "invalid" scenario) refuses every publish with 422.
	invalid bool
}

// Option configures a Server.
type Option func(*Server)

// WithTokenTTL sets the lifetime of issued tokens (expires_in).
func WithTokenTTL(d time.Duration) Option { return func(s *Server) { s.tokenTTL = d } }

// WithIDTokenTTL sets the lifetime of the OIDC ID tokens the simulated
// runner issues (GitHub's live minutes).
func WithIDTokenTTL(d time.Duration) Option { return func(s *Server) { s.idTTL = d } }

// WithObjectBody answers GET operation with a bare object instead of the
// documented one-element array.
func WithObjectBody() Option { return func(s *Server) { s.arrayWrap = false } }

// WithOffers sets the publisher's offers (the first one has the operation).
func WithOffers(ids ...string) Option {
	return func(s *Server) {
		if p := s.plays[Offer]; p != nil && len(ids) > 0 {
			delete(s.plays, Offer)
			s.plays[ids[0]] = p
		}
		s.offers = ids
	}
}

// WithOperation adds offer, if the publisher lacks it, with operation id
// playing sc: a gate can then watch several offers at once.
func WithOperation(offer, id string, sc Scenario) Option {
	return func(s *Server) {
		if !s.hasOffer(offer) {
			s.offers = append(s.offers, offer)
		}
		s.plays[offer] = &play{id: id, scenario: sc, origin: sc, changed: time.Now(), kind: kindPublish}
	}
}

// play is one offer's operation as it is played, a frame per GET.
type play struct {
	id       string
	scenario Scenario // the frames this operation plays
	// origin is what a publish of the offer plays: the scenario of New or
	// WithOperation, kept across go-lives.
	origin   Scenario
	frame    int
	canceled bool
	// idle marks an operation not under way (WithIdle): it is neither
	// listed nor served, and only the earlier publish shows.
	idle bool
	// kind is the submissionType: publish or golive.
	kind string
	// emails are the notification e-mails the operation was started with.
	emails string
	// changed is when the operation was submitted (changedTime).
	changed time.Time
	// draft is the offer's draft a publish sends to preview (nil: the one
	// New makes).
	draft []byte
}

// LegacyVersion and LegacySlot name a non-migrated offer's operation in its
// Location key.
const (
	LegacyVersion = 2
	LegacySlot    = "preview"
)

// LegacyKey is the key of offer's operation in the non-migrated Location
// form: publisher, offer, version and slot joined by '$'.
func LegacyKey(offer string) string {
	return fmt.Sprintf("%s$%s$%d$%s", Publisher, offer, LegacyVersion, LegacySlot)
}

// WithNonMigrated marks offer as not migrated to Partner Center: Publish
// answers with the /api/operations/{key} Location form, and its operation
// is served there.
func WithNonMigrated(offer string) Option {
	return func(s *Server) { s.legacy = append(s.legacy, offer) }
}

// isLegacy reports whether offer is not migrated to Partner Center.
func (s *Server) isLegacy(offer string) bool {
	for _, o := range s.legacy {
		if o == offer {
			return true
		}
	}
	return false
}

// WithIdle leaves the offer with no publish under way: its operations list
// holds only the earlier, finished publish, as an offer published before
// and not since.
func WithIdle() Option {
	return func(s *Server) {
		s.idle = true
		WithIngestionIdle()(s)
	}
}

// WithIntercept lets a test answer a request itself (fault injection): when
// f returns true the simulator does nothing more with that request.
func WithIntercept(f func(w http.ResponseWriter, r *http.Request) bool) Option {
	return func(s *Server) { s.intercept = f }
}

// New returns a simulator playing sc, its operation already submitted.
func New(sc Scenario, opts ...Option) *Server {
	s := &Server{
		plays:     map[string]*play{Offer: {id: OperationID, scenario: sc, origin: sc, changed: time.Now(), kind: kindPublish}},
		tokens:    map[string]grant{},
		ingest:    newIngestState(sc),
		image:     newImageState(),
		cppDocs:   newCPPState(),
		arm:       newARMState(),
		idTokens:  map[string]idToken{},
		idTTL:     5 * time.Minute,
		tokenTTL:  time.Hour,
		arrayWrap: true,
		offers:    []string{Offer, "contoso-vm-byol", "contoso-app"},
		invalid:   sc.Name == "invalid",
	}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	for _, p := range s.plays { // whatever the order of the options
		p.idle = s.idle
	}
	for _, p := range s.ingest.publishes { // the publish in flight lands the draft as the options left it
		s.image.follow(p)
	}
	s.routes()
	return s
}

// Start serves the simulator on a loopback port; close it when done.
func (s *Server) Start() *httptest.Server { return httptest.NewServer(s) }

// Requests returns a copy of the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count is how many requests of method had a path containing part.
func (s *Server) Count(method, part string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && strings.Contains(r.Path, part) {
			n++
		}
	}
	return n
}

// RevokeTokens invalidates every token issued so far (the API then answers 401).
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]grant{}
}

// Polls is how many times the operation was fetched.
func (s *Server) Polls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.retired
	for _, p := range s.plays {
		n += p.frame
	}
	return n
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i := len(s.requests)
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Authorized: r.Header.Get("Authorization") != "", At: time.Now()})
	intercept := s.intercept
	s.mu.Unlock()
	rec := &recorder{ResponseWriter: w}
	defer func() {
		s.mu.Lock()
		s.requests[i].Status = rec.status
		s.mu.Unlock()
	}()
	if intercept != nil && intercept(rec, r) {
		return
	}
	s.mux.ServeHTTP(rec, r)
}

// recorder notes the status written; Unwrap keeps Hijack and Flush reachable
// through http.ResponseController for fault injection.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) routes() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oidc/idtoken", s.idToken)
	mux.HandleFunc("POST /{tenant}/oauth2/token", s.token)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.token)
	mux.HandleFunc("GET /api/publishers/{p}/offers", s.api(s.listOffers))
	mux.HandleFunc("GET /api/publishers/{p}/offers/{o}/submissions", s.api(s.listSubmissions))
	mux.HandleFunc("GET /api/publishers/{p}/offers/{o}/submissions/", s.api(s.listSubmissions))
	mux.HandleFunc("GET /api/publishers/{p}/offers/{o}/operations/{id}", s.api(s.operation))
	mux.HandleFunc("GET /api/operations/{key}", s.api(s.legacyOperation))
	mux.HandleFunc("POST /api/publishers/{p}/offers/{o}/publish", s.api(s.publish))
	mux.HandleFunc("POST /api/publishers/{p}/offers/{o}/golive", s.api(s.goLive))
	mux.HandleFunc("POST /api/publishers/{p}/offers/{o}/cancel", s.api(s.cancel))
	s.ingestRoutes(mux)
	s.cppOfferRoutes(mux)
	s.armRoutes(mux)
	s.mux = mux
}

// token is the Azure AD v1 client-credentials endpoint. Like AAD v1 it
// returns expires_in as a string.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		aadError(w, http.StatusBadRequest, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'grant_type'.")
		return
	}
	switch {
	case r.PathValue("tenant") != Tenant:
		aadError(w, http.StatusBadRequest, "invalid_request", fmt.Sprintf("AADSTS90002: Tenant '%s' not found.", r.PathValue("tenant")))
	case r.PostForm.Get("grant_type") != "client_credentials":
		aadError(w, http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.")
	case r.PostForm.Get("client_id") != ClientID:
		aadError(w, http.StatusBadRequest, "unauthorized_client", fmt.Sprintf("AADSTS700016: Application with identifier '%s' was not found in the directory.", r.PostForm.Get("client_id")))
	case resource(r) == "": // before either credential, so no token is issued for no API
		aadError(w, http.StatusBadRequest, "invalid_resource", "AADSTS500011: The resource principal was not found in the tenant.")
	case r.PostForm.Get("client_assertion_type") != "":
		s.federated(w, r)
	case r.PostForm.Get("client_secret") != ClientSecret:
		aadError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.")
	default:
		s.issue(w, resource(r))
	}
}

// The APIs' token audiences.
const (
	CPPResource   = "https://cloudpartner.azure.com"
	GraphResource = "https://graph.microsoft.com"
	ARMResource   = "https://management.azure.com"
)

// resource is the audience a token request asks for (v1 resource or v2
// scope), "" when it is neither API's.
func resource(r *http.Request) string {
	for _, res := range []string{CPPResource, GraphResource, ARMResource} {
		if r.PostForm.Get("resource") == res || r.PostForm.Get("scope") == res+"/.default" {
			return res
		}
	}
	// ARM's audience is also written with a trailing slash, in both forms.
	if r.PostForm.Get("resource") == ARMResource+"/" || r.PostForm.Get("scope") == ARMResource+"//.default" {
		return ARMResource
	}
	return ""
}

// grant is an issued access token: until when, and for which API.
type grant struct {
	expiry   time.Time
	resource string
}

// valid reports whether the request's bearer token is live and for resource.
func (s *Server) valid(r *http.Request, resource string) bool {
	auth := r.Header.Get("Authorization")
	s.mu.Lock()
	g, issued := s.tokens[strings.TrimPrefix(auth, "Bearer ")]
	s.mu.Unlock()
	return strings.HasPrefix(auth, "Bearer ") && issued && time.Now().Before(g.expiry) && g.resource == resource
}

// issue answers a token request with a new access token for resource.
func (s *Server) issue(w http.ResponseWriter, resource string) {
	tok := "sim-token-" + randomHex()
	s.mu.Lock()
	ttl := s.tokenTTL
	s.tokens[tok] = grant{time.Now().Add(ttl), resource}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{
		"token_type": "Bearer", "expires_in": fmt.Sprint(int(ttl.Seconds())),
		"resource": resource, "access_token": tok,
	})
}

// idToken is what the simulator knows of an OIDC ID token it issued.
type idToken struct {
	audience string
	expiry   time.Time
}

// idToken is the runner's OIDC token service: GET with the request token as
// bearer, the audience in the query; answers {"value": "<jwt>"}.
func (s *Server) idToken(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+IDTokenRequestToken {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable"})
		return
	}
	// Shaped like a JWT, opaque to the client.
	tok := "eyJhbGciOiJSUzI1NiJ9.sim-idtoken-" + randomHex() + ".c2ln"
	s.mu.Lock()
	s.idTokens[tok] = idToken{audience: r.URL.Query().Get("audience"), expiry: time.Now().Add(s.idTTL)}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"count": 1, "value": tok})
}

// federated checks a client assertion as Azure AD does for a federated
// credential: issued by the runner, for the expected audience, not expired.
func (s *Server) federated(w http.ResponseWriter, r *http.Request) {
	if r.PostForm.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		aadError(w, http.StatusBadRequest, "invalid_request", "AADSTS50027: Invalid client assertion type.")
		return
	}
	s.mu.Lock()
	claims, ok := s.idTokens[r.PostForm.Get("client_assertion")]
	s.mu.Unlock()
	switch {
	case !ok:
		aadError(w, http.StatusBadRequest, "invalid_client", "AADSTS700211: No matching federated identity record found for presented assertion issuer.")
	case claims.audience != IDTokenAudience:
		aadError(w, http.StatusBadRequest, "invalid_client", "AADSTS700212: No matching federated identity record found for presented assertion audience '"+claims.audience+"'.")
	case time.Now().After(claims.expiry):
		aadError(w, http.StatusBadRequest, "invalid_client", "AADSTS700024: Client assertion is not within its valid time range.")
	default:
		s.issue(w, resource(r))
	}
}

func aadError(w http.ResponseWriter, code int, kind, desc string) {
	writeJSON(w, code, map[string]any{
		"error":             kind,
		"error_description": desc + "\r\nTrace ID: 0f1e2d3c-0000-4000-8000-000000000000\r\nTimestamp: 2026-11-21 09:00:00Z",
		"error_codes":       []int{},
	})
}

// api checks the bearer token, api-version and publisher before h runs.
func (s *Server) api(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.valid(r, CPPResource) {
			w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="https://login.windows.net/`+Tenant+`"`)
			apiError(w, http.StatusUnauthorized, "Unauthorized", "Authentication failed. The 'Authorization' header is missing or invalid.")
			return
		}
		if r.URL.Query().Get("api-version") == "" {
			apiError(w, http.StatusBadRequest, "BadRequest", "The api-version query parameter is required.")
			return
		}
		if p := r.PathValue("p"); p != "" && p != Publisher {
			apiError(w, http.StatusNotFound, "NotFound", "The publisher was not found.")
			return
		}
		if o := r.PathValue("o"); o != "" && !s.hasOffer(o) {
			apiError(w, http.StatusNotFound, "NotFound", "The offer was not found.")
			return
		}
		h(w, r)
	}
}

// Authorize issues a CPP token without the AAD endpoint, for tests that pass access-token.
func (s *Server) Authorize() string { return s.AuthorizeFor(CPPResource) }

// AuthorizeFor issues a token for resource (CPPResource, GraphResource or ARMResource).
func (s *Server) AuthorizeFor(resource string) string {
	tok := "sim-token-" + randomHex()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = grant{time.Now().Add(s.tokenTTL), resource}
	return tok
}

func (s *Server) hasOffer(o string) bool {
	for _, id := range s.offers {
		if id == o {
			return true
		}
	}
	return false
}

func (s *Server) listOffers(w http.ResponseWriter, r *http.Request) {
	list := make([]map[string]any, 0, len(s.offers))
	for i, id := range s.offers {
		list = append(list, map[string]any{
			"offerTypeId": "microsoft-azure-virtualmachines", "publisherId": Publisher, "status": s.offerStatus(id),
			"id": id, "version": i + 1, "definition": map[string]string{"displayText": "Contoso " + id},
			"changedTime": "2026-11-20T23:33:47.8802283Z",
		})
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) listSubmissions(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p := s.plays[r.PathValue("o")]
	var op wireOperation
	var cur play
	if p != nil {
		op, cur = p.current(), *p
	}
	s.mu.Unlock()
	if p == nil {
		writeJSON(w, http.StatusOK, []any{})
		return
	}
	earlier := map[string]any{
		"id": EarlierOperation, "offerId": r.PathValue("o"), "offerVersion": 1,
		"offerTypeId": "microsoft-azure-virtualmachines", "publisherId": Publisher, "submissionType": "publish",
		"submissionState": "completed", "publishingVersion": 1, "slot": "production", "version": 636576975611768000,
		"changedTime": EarlierOperationChanged,
	}
	if cur.idle {
		writeJSON(w, http.StatusOK, []map[string]any{earlier})
		return
	}
	// The list spells states in lower case; sign-off still counts as running.
	state := strings.ToLower(op.Status)
	if state == "waitingforpublisherreview" {
		state = "running"
	}
	// A go-live makes the production slot; a publish, the preview (staging).
	slot, emails := "staging", cur.emails
	if cur.kind == kindGoLive {
		slot = "production"
	}
	if emails == "" {
		emails = "jdoe@contoso.com"
	}
	writeJSON(w, http.StatusOK, []map[string]any{
		earlier,
		{
			"id": cur.id, "offerId": r.PathValue("o"), "offerVersion": 1,
			"offerTypeId": "microsoft-azure-virtualmachines", "publisherId": Publisher, "submissionType": cur.kind,
			"submissionState": state, "publishingVersion": 2, "slot": slot, "version": 636576975611768314,
			"definition":  map[string]any{"metadata": map[string]string{"emails": emails}},
			"changedTime": cur.changed.UTC().Format("2006-01-02T15:04:05.0000000Z"),
		},
	})
}

// EarlierOperation is the offer's previous publish, finished long ago: the
// operations list always holds it.
const (
	EarlierOperation        = "0c8a1f8e-3f5b-4d5e-8f2a-000000000001"
	EarlierOperationChanged = "2026-10-02T21:46:01.179948Z"
)

// operation plays the next frame of the scenario. A non-migrated offer's
// operation is not served at the migrated path.
func (s *Server) operation(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p := s.plays[r.PathValue("o")]
	if p == nil || s.isLegacy(r.PathValue("o")) || p.idle || r.PathValue("id") != p.id {
		s.mu.Unlock()
		apiError(w, http.StatusNotFound, "NotFound", "The operation was not found.")
		return
	}
	s.playFrame(w, r.PathValue("o"), p)
}

// legacyOperation serves a non-migrated offer's operation at
// /api/operations/{publisher}${offer}${version}${slot}.
func (s *Server) legacyOperation(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	parts := strings.Split(key, "$")
	s.mu.Lock()
	var p *play
	if len(parts) == 4 && key == LegacyKey(parts[1]) {
		p = s.plays[parts[1]]
	}
	if p == nil || !s.isLegacy(parts[1]) || p.idle {
		s.mu.Unlock()
		apiError(w, http.StatusNotFound, "NotFound", "The operation was not found.")
		return
	}
	s.playFrame(w, parts[1], p)
}

// playFrame answers with p's current frame and moves it on, and offer's
// slots with it; the server's mu must be held, and is released.
func (s *Server) playFrame(w http.ResponseWriter, offer string, p *play) {
	op := p.current()
	p.frame++
	s.settle(offer, p)
	wrap := s.arrayWrap
	s.mu.Unlock()
	if wrap {
		writeJSON(w, http.StatusOK, []wireOperation{op})
		return
	}
	writeJSON(w, http.StatusOK, op)
}

// current is the frame to show now; the server's mu must be held.
func (p *play) current() wireOperation {
	frames := p.scenario.Frames
	op := frames[min(p.frame, len(frames)-1)]
	if p.canceled {
		op.Status = "canceled"
		op.CancellationRequestState = "cancelled"
	}
	return op
}

func apiError(w http.ResponseWriter, code int, kind, msg string) {
	writeJSON(w, code, map[string]any{"error": map[string]string{"code": kind, "message": msg}})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func randomHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
