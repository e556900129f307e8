package simulator

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The product-ingestion side: Partner Center's API under Microsoft Graph,
// played from /work/shared/reference/product-ingestion.md. One product with a
// publishing history, and publishes (configure jobs) that advance a tick per
// GET that observes them, so tests step through a publish without sleeping.
const (
	IngestionPath    = "/rp/product-ingestion"
	IngestionVersion = "2022-03-01-preview2"
	// JobID is the configure job of the publish in flight from the start.
	JobID = "d4261631-c583-4949-a612-5150882632e9"
	// ProductID is the durable id of the product whose external id is Offer.
	ProductID = "8b6f2a4e-1c3d-4e5f-a6b7-c8d9e0f1a2b3"

	// The product's history, in every submission list: the draft, and the
	// old successful publishes a gate must not mistake for the new one.
	DraftSubmissionID = "submission/" + ProductID + "/1152921515689847000"
	HistoryLiveID     = "submission/" + ProductID + "/1152921515689847470"
	HistoryPreviewID  = "submission/" + ProductID + "/1152921515689848683"
	// InFlightSubmissionID is the submission JobID's publish creates.
	InFlightSubmissionID = "submission/" + ProductID + "/1152921515689849012"
)

// The timeline of a publish, in ticks: GETs that observed it before.
const (
	// JobRunsAt: the job is notStarted before, running from then.
	JobRunsAt = 1
	// SubmissionAppearsAt: the new submission is listed from then; the real
	// service shows it only some polls after the configure POST.
	SubmissionAppearsAt = 2
	// RejectedAt: a job failing business validation completes then.
	RejectedAt = 2
	// JobCompletesAt: every other job completes then, its submission too.
	JobCompletesAt = 5
	// DefaultPageSize is the submission list's page size: small, so every
	// client that lists submissions has to follow @nextLink.
	DefaultPageSize = 2
)

const (
	schemaBase  = "https://schema.mp.microsoft.com/schema/"
	notEnded    = "0001-01-01" // jobEnd while a job runs
	jobURIBase  = "https://product-ingestion.mp.microsoft.com/configure/"
	stampLayout = "2006-01-02T15:04:05.0000000Z"
	maxBody     = 1 << 20
	// firstNewSubmission numbers the submissions of POSTed publishes.
	firstNewSubmission = 1152921515689850025
)

// WithIngestionIdle starts with no publish in flight (JobID answers 404):
// the product has only its history until a POST configure.
func WithIngestionIdle() Option { return func(s *Server) { s.ingest.publishes = nil } }

// WithSubmissionRunning lists the submission of the publish in flight
// (JobID) as running from the first GET: a product whose publish is already
// under way, which a new publish must not be started over.
func WithSubmissionRunning() Option {
	return func(s *Server) {
		if p := s.ingest.find(JobID); p != nil {
			p.ticks = max(p.ticks, SubmissionAppearsAt)
		}
	}
}

// WithPageSize sets how many submissions a list page holds when the request
// gives no $maxpagesize.
func WithPageSize(n int) Option { return func(s *Server) { s.ingest.pageSize = max(n, 1) } }

// WithoutDetailSubmission leaves the publish's submission out of the job
// detail (GET configure/{jobId}): the reference says never to rely on it.
func WithoutDetailSubmission() Option { return func(s *Server) { s.ingest.detailSubmission = false } }

// Jobs returns the ids of the configure jobs, oldest first: JobID unless
// idle, then those POST configure created.
func (s *Server) Jobs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.ingest.publishes))
	for _, p := range s.ingest.publishes {
		ids = append(ids, p.job)
	}
	return ids
}

// SubmissionOf is the id (submission/P/S) of the submission job creates, ""
// when it creates none (rejected, not a publish, unknown job).
func (s *Server) SubmissionOf(job string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.ingest.find(job); p != nil {
		return p.submission
	}
	return ""
}

type wireJobError struct {
	Code       string         `json:"code"`
	Message    string         `json:"message"`
	ResourceID string         `json:"resourceId,omitempty"`
	Details    []wireJobError `json:"details,omitempty"`
}

// wireJob spells jobId as the live service and every client do; jobID is
// only in the docs' example.
type wireJob struct {
	Schema      string         `json:"$schema"`
	JobID       string         `json:"jobId"`
	JobStatus   string         `json:"jobStatus"`
	JobResult   string         `json:"jobResult"`
	JobStart    string         `json:"jobStart"`
	JobEnd      string         `json:"jobEnd"`
	ResourceURI string         `json:"resourceUri,omitempty"`
	Errors      []wireJobError `json:"errors"`
}

type wireTarget struct {
	TargetType string `json:"targetType"`
}

type wireSubmission struct {
	Schema         string     `json:"$schema"`
	ID             string     `json:"id"`
	Product        string     `json:"product"`
	Target         wireTarget `json:"target"`
	LifecycleState string     `json:"lifecycleState,omitempty"`
	Status         string     `json:"status,omitempty"`
	Result         string     `json:"result,omitempty"`
	Created        string     `json:"created,omitempty"`
}

type wireDetail struct {
	Schema    string `json:"$schema"`
	Resources []any  `json:"resources"`
}

// outcome is how a publish ends, from the scenario's name.
type outcome int

const (
	succeeds outcome = iota
	failsCertification
	cancels
	rejects // fails business validation and creates no submission
)

func outcomeOf(scenario string) outcome {
	switch scenario {
	case "failed", "blocked":
		return failsCertification
	case "canceled":
		return cancels
	case "rejected", "invalid":
		return rejects
	}
	return succeeds
}

// ingestState is the product and its publishes; the server's mu guards it.
type ingestState struct {
	outcome          outcome // what a publish of this scenario does
	publishes        []*publish
	pageSize         int
	detailSubmission bool
	nextSubmission   uint64
}

// publish is one configure job and the submission it may create.
type publish struct {
	job        string
	target     string // preview or live; "" for a configure that publishes nothing
	submission string // submission/P/S; "" when the job creates none
	start      time.Time
	end        time.Time // when it was first seen completed (or canceled)
	outcome    outcome
	ticks      int
	canceled   bool
	// failures, when set, are the errors of a job the simulator refused on
	// its own judgement (a technical configuration Partner Center refuses).
	failures []wireJobError
	// resources are the technical configurations the job stored, for its detail.
	resources []any
	// landed, when set, runs once as the publish is first seen succeeded.
	landed func()
}

func newIngestState(sc Scenario) *ingestState {
	target := "preview"
	if sc.Name == "live" {
		target = "live"
	}
	st := &ingestState{outcome: outcomeOf(sc.Name), pageSize: DefaultPageSize, detailSubmission: true, nextSubmission: firstNewSubmission}
	p := &publish{job: JobID, target: target, submission: InFlightSubmissionID, start: time.Now(), outcome: st.outcome}
	if p.outcome == rejects {
		p.submission = ""
	}
	st.publishes = []*publish{p}
	return st
}

// known reports a submission id of the product's: its history's, or one a
// publish made.
func (st *ingestState) known(id string) bool {
	for _, sub := range history() {
		if sub.ID == id {
			return true
		}
	}
	for _, p := range st.publishes {
		if p.submission != "" && p.submission == id {
			return true
		}
	}
	return false
}

func (st *ingestState) find(job string) *publish {
	for _, p := range st.publishes {
		if p.job == job {
			return p
		}
	}
	return nil
}

func (p *publish) done() bool {
	at := JobCompletesAt
	if p.outcome == rejects {
		at = RejectedAt
	}
	return p.canceled || p.ticks >= at
}

// observe stamps jobEnd the first time a GET sees the job completed; the
// caller then builds its view and adds the tick.
func (p *publish) observe(now time.Time) {
	if p.done() && p.end.IsZero() {
		p.end = now
		if p.landed != nil && p.outcome == succeeds && !p.canceled {
			p.landed()
		}
	}
}

func (p *publish) status() wireJob {
	j := wireJob{Schema: schemaBase + "configure-status/" + IngestionVersion, JobID: p.job,
		JobStatus: "running", JobResult: "pending", JobStart: stamp(p.start), JobEnd: notEnded, Errors: []wireJobError{}}
	switch {
	case p.done():
		j.JobStatus, j.JobEnd, j.ResourceURI = "completed", stamp(p.end), jobURIBase+p.job
		switch {
		case p.canceled || p.outcome == cancels:
			j.JobResult = "cancelled"
		case p.outcome == succeeds:
			j.JobResult = "succeeded"
		default:
			j.JobResult, j.Errors = "failed", p.errors()
		}
	case p.ticks < JobRunsAt:
		j.JobStatus = "notStarted"
	}
	return j
}

// errors are a failed job's: certification reports its messages as details
// on the submission; business validation fails on the resource posted (the
// draft for a preview, the preview for a go-live) before any submission.
func (p *publish) errors() []wireJobError {
	if p.failures != nil {
		return p.failures
	}
	plan := PlanGen2ID
	if p.outcome == rejects {
		posted := DraftSubmissionID
		if p.target == "live" {
			posted = HistoryPreviewID
		}
		return []wireJobError{{Code: "badRequest", Message: "The configure request failed validation.", ResourceID: posted,
			Details: []wireJobError{{Code: "businessValidationError", Message: "Plan contoso-gen2 has no technical configuration: add a VM image before publishing.", ResourceID: plan}}}}
	}
	return []wireJobError{{Code: "badRequest", Message: "The submission failed certification.", ResourceID: p.submission,
		Details: []wireJobError{
			{Code: "certificationError", Message: "No virtual machine image was found for the plan contoso.", ResourceID: plan},
			{Code: "certificationError", Message: "Plan contoso-gen2: the VHD allows SSH password authentication for root.", ResourceID: plan},
		}}}
}

// visible reports whether the submission is listed yet.
func (p *publish) visible() bool { return p.submission != "" && p.ticks >= SubmissionAppearsAt }

// submissionView is the publish's submission. A canceled publish's
// submission completes failed: the reference gives submissions no
// cancelled result (pending, succeeded, failed).
func (p *publish) submissionView() wireSubmission {
	status, result := "running", "pending"
	if p.done() {
		status, result = "completed", "failed"
		if p.outcome == succeeds && !p.canceled {
			result = "succeeded"
		}
	}
	return submission(p.submission, p.target, status, result, stamp(p.start.Add(1073*time.Millisecond)))
}

func submission(id, target, status, result, created string) wireSubmission {
	return wireSubmission{Schema: schemaBase + "submission/" + IngestionVersion, ID: id, Product: "product/" + ProductID,
		Target: wireTarget{target}, LifecycleState: "generallyAvailable", Status: status, Result: result, Created: created}
}

// history is the product's earlier publishes, oldest first.
func history() []wireSubmission {
	return []wireSubmission{
		submission(DraftSubmissionID, "draft", "", "", ""),
		submission(HistoryLiveID, "live", "completed", "succeeded", "2026-10-20T07:13:06.4408032Z"),
		submission(HistoryPreviewID, "preview", "completed", "succeeded", "2026-10-25T07:13:06.4408032Z"),
	}
}

func stamp(t time.Time) string { return t.UTC().Format(stampLayout) }

func (s *Server) ingestRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+IngestionPath+"/configure/{job}/status", s.graph(s.jobStatus))
	mux.HandleFunc("GET "+IngestionPath+"/configure/{job}", s.graph(s.jobDetail))
	mux.HandleFunc("POST "+IngestionPath+"/configure/{job}/cancel", s.graph(s.cancelJob))
	mux.HandleFunc("POST "+IngestionPath+"/configure", s.graph(s.configure))
	mux.HandleFunc("GET "+IngestionPath+"/submission/{product}", s.graph(s.submissions))
	mux.HandleFunc("GET "+IngestionPath+"/submission/{product}/{submission}", s.graph(s.oneSubmission))
	mux.HandleFunc("GET "+IngestionPath+"/product", s.graph(s.products))
	mux.HandleFunc("GET "+IngestionPath+"/resource-tree/product/{product}", s.graph(s.resourceTree))
	mux.HandleFunc("GET "+IngestionPath+"/virtual-machine-plan-technical-configuration/{product}/{plan}", s.graph(s.durableTechConfig))
}

// graph checks the bearer token (for Microsoft Graph) and $version before h runs.
func (s *Server) graph(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.valid(r, GraphResource) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"`)
			apiError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
			return
		}
		if r.URL.Query().Get("$version") == "" {
			apiError(w, http.StatusBadRequest, "badRequest", "The $version query parameter is required.")
			return
		}
		h(w, r)
	}
}

// badRequest answers 400 in the shape of the docs' failed-cancel example.
func badRequest(w http.ResponseWriter, code int, detail, msg string) {
	details := []wireJobError{}
	if detail != "" {
		details = append(details, wireJobError{Code: detail, Message: msg})
	}
	writeJSON(w, code, map[string]any{"error": map[string]any{"code": "badRequest", "message": msg, "details": details}})
}

// lockJob locks the server and returns the request's publish; when there is
// no such job it answers 404 and returns nil, unlocked.
func (s *Server) lockJob(w http.ResponseWriter, r *http.Request) *publish {
	s.mu.Lock()
	p := s.ingest.find(r.PathValue("job"))
	if p == nil {
		s.mu.Unlock()
		apiError(w, http.StatusNotFound, "notFound", "The job was not found.")
	}
	return p
}

func (s *Server) jobStatus(w http.ResponseWriter, r *http.Request) {
	p := s.lockJob(w, r)
	if p == nil {
		return
	}
	p.observe(time.Now())
	j := p.status()
	p.ticks++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, j)
}

// jobDetail lists what a completed job created. The reference only says
// that earlier "it fails"; the simulator answers 400 then.
func (s *Server) jobDetail(w http.ResponseWriter, r *http.Request) {
	p := s.lockJob(w, r)
	if p == nil {
		return
	}
	p.observe(time.Now())
	done := p.done()
	d := wireDetail{Schema: schemaBase + "configure-detail/" + IngestionVersion, Resources: []any{}}
	switch {
	case !done, p.outcome == rejects: // it created nothing
	case len(p.resources) > 0:
		d.Resources = append(d.Resources, p.resources...)
		if p.submission != "" && s.ingest.detailSubmission {
			sub := p.submissionView()
			sub.LifecycleState = ""
			d.Resources = append(d.Resources, sub)
		}
	case p.submission != "" && s.ingest.detailSubmission:
		sub := p.submissionView()
		sub.LifecycleState = ""
		d.Resources = append(d.Resources, sub)
	default:
		d.Resources = append(d.Resources, product())
	}
	p.ticks++
	s.mu.Unlock()
	if !done {
		badRequest(w, http.StatusBadRequest, "invalidState", "The job "+r.PathValue("job")+" has not completed yet; its detail is available once it has.")
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// cancelJob cancels a job still running; a finished one answers 400 as the
// docs show.
func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) {
	p := s.lockJob(w, r)
	if p == nil {
		return
	}
	if p.done() {
		s.mu.Unlock()
		badRequest(w, http.StatusBadRequest, "", "Cannot cancel job, job has already completed.")
		return
	}
	p.canceled, p.end = true, time.Now()
	j := p.status()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, j)
}

// configure validates a configure document as the service would and starts
// its job: a publish when it targets a submission to preview or live, else a
// job that succeeds and creates no submission.
func (s *Server) configure(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		badRequest(w, http.StatusRequestEntityTooLarge, "", "The request body exceeds 1 MiB.")
		return
	}
	var doc struct {
		Schema    *string         `json:"$schema"`
		Resources json.RawMessage `json:"resources"`
	}
	var resources []json.RawMessage
	if err == nil {
		s.mu.Lock()
		s.image.bodies = append(s.image.bodies, body)
		s.mu.Unlock()
		err = json.Unmarshal(body, &doc)
	}
	switch {
	case err != nil:
		badRequest(w, http.StatusBadRequest, "schemaValidationError", "The request body is not a valid JSON configure document.")
		return
	case doc.Schema == nil:
		badRequest(w, http.StatusBadRequest, "schemaValidationError", "The configure document has no $schema.")
		return
	case !strings.Contains(*doc.Schema, "/schema/configure/"):
		badRequest(w, http.StatusBadRequest, "schemaValidationError", "The $schema "+*doc.Schema+" is not a configure schema.")
		return
	case json.Unmarshal(doc.Resources, &resources) != nil || len(resources) == 0:
		badRequest(w, http.StatusBadRequest, "schemaValidationError", "The configure document's resources must be a non-empty array.")
		return
	}
	target, retired, posted := "", "", ""
	if strings.Contains(*doc.Schema, retiredHost) {
		retired = *doc.Schema
	}
	var techs []json.RawMessage
	for _, raw := range resources {
		var res struct {
			Schema string `json:"$schema"`
			ID     string `json:"id"`
			Target struct {
				TargetType string `json:"targetType"`
			} `json:"target"`
		}
		if json.Unmarshal(raw, &res) != nil {
			badRequest(w, http.StatusBadRequest, "schemaValidationError", "Every resource of a configure document must be an object.")
			return
		}
		if tt := strings.ToLower(res.Target.TargetType); target == "" && strings.Contains(res.Schema, "/schema/submission/") && (tt == "preview" || tt == "live") {
			target, posted = tt, res.ID
		}
		if retired == "" && strings.Contains(res.Schema, retiredHost) {
			retired = res.Schema
		}
		if isTechConfig(res.Schema, res.ID) {
			techs = append(techs, raw)
		}
	}
	if retired != "" { // writes on the retired schema host are refused (partnercenter-cli-extension #235)
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": "badRequest", "message": "Schema " + retired + " could not be accessed"}})
		return
	}

	s.mu.Lock()
	p := &publish{job: newGUID(), target: target, start: time.Now()}
	if target != "" {
		p.outcome = s.ingest.outcome
		switch {
		case p.outcome == rejects:
		case target == "live" && s.ingest.known(posted):
			// A go-live leaves its live entry on the preview's id: the list
			// then holds both (cloudpub's recorded list; the reference).
			p.submission = posted
		default:
			p.submission = "submission/" + ProductID + "/" + strconv.FormatUint(s.ingest.nextSubmission, 10)
			s.ingest.nextSubmission += 1013 // ids grow, not by one
		}
	}
	if len(techs) > 0 {
		s.applyTechConfigs(p, techs)
	}
	s.image.follow(p)
	s.ingest.publishes = append(s.ingest.publishes, p)
	j := p.status()
	drop := s.dropNow()
	s.mu.Unlock()
	if drop && hangUp(w) {
		return
	}
	writeJSON(w, http.StatusAccepted, j)
}

// submissions lists the product's submissions, oldest first, a page at a
// time: the history, then each publish's once it appears.
func (s *Server) submissions(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.PathValue("product"), ProductID) {
		apiError(w, http.StatusNotFound, "notFound", "The product was not found.")
		return
	}
	q := r.URL.Query()
	skip, err := strconv.Atoi(q.Get("$skipToken"))
	if q.Get("$skipToken") == "" {
		skip, err = 0, nil
	}
	if err != nil || skip < 0 {
		apiError(w, http.StatusBadRequest, "badRequest", "The $skipToken is not valid.")
		return
	}
	s.mu.Lock()
	size := s.ingest.pageSize
	if m := q.Get("$maxpagesize"); m != "" {
		if size, err = strconv.Atoi(m); err != nil || size < 1 {
			s.mu.Unlock()
			apiError(w, http.StatusBadRequest, "badRequest", "The $maxpagesize must be a positive integer.")
			return
		}
	}
	list := history()
	now := time.Now()
	for _, p := range s.ingest.publishes {
		p.observe(now)
		if p.visible() {
			list = append(list, p.submissionView())
		}
		p.ticks++
	}
	s.mu.Unlock()

	if tt := q.Get("targetType"); tt != "" {
		kept := list[:0]
		for _, sub := range list {
			if strings.EqualFold(sub.Target.TargetType, tt) {
				kept = append(kept, sub)
			}
		}
		list = kept
	}
	page := map[string]any{}
	end := min(skip+size, len(list))
	if end < len(list) {
		page["@nextLink"] = nextLink(r, end)
	}
	page["value"] = list[min(skip, len(list)):end]
	writeJSON(w, http.StatusOK, page)
}

// nextLink is the next page's absolute URL on the request's own host, its
// query the request's as sent ($version first) with $skipToken set to offset.
func nextLink(r *http.Request, offset int) string {
	q := []string{"$version=" + url.QueryEscape(r.URL.Query().Get("$version"))}
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if k, err := url.QueryUnescape(k); err == nil && kv != "" && k != "$skipToken" && k != "$version" {
			q = append(q, kv)
		}
	}
	q = append(q, "$skipToken="+strconv.Itoa(offset))
	return "http://" + r.Host + IngestionPath + "/submission/" + r.PathValue("product") + "?" + strings.Join(q, "&")
}

// oneSubmission answers GET submission/{productId}/{submissionId}: a history
// entry, or a publish's submission once it has appeared.
func (s *Server) oneSubmission(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.PathValue("product"), ProductID) {
		apiError(w, http.StatusNotFound, "notFound", "The product was not found.")
		return
	}
	id := "submission/" + ProductID + "/" + r.PathValue("submission")
	for _, sub := range history() {
		if sub.ID == id {
			writeJSON(w, http.StatusOK, sub)
			return
		}
	}
	s.mu.Lock()
	var sub *wireSubmission
	for _, p := range s.ingest.publishes {
		if p.submission == id {
			p.observe(time.Now())
			if p.visible() {
				v := p.submissionView()
				sub = &v
			}
			p.ticks++
			break
		}
	}
	s.mu.Unlock()
	if sub == nil {
		apiError(w, http.StatusNotFound, "notFound", "The submission was not found.")
		return
	}
	writeJSON(w, http.StatusOK, sub)
}

func product() map[string]any {
	return map[string]any{
		"$schema": schemaBase + "product/" + IngestionVersion, "id": "product/" + ProductID,
		"identity": map[string]string{"externalId": Offer}, "type": "azureVirtualMachine", "alias": "Contoso VM",
	}
}

// products answers GET product?externalId=… (the docs spell externalID; both
// work): the simulated product when the external id is Offer, else none.
func (s *Server) products(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ext := q.Get("externalId")
	if ext == "" {
		ext = q.Get("externalID")
	}
	list := []map[string]any{}
	if strings.EqualFold(ext, Offer) {
		list = append(list, product())
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": list})
}

// newGUID is a random version-4 GUID in lower case, as job ids are.
func newGUID() string {
	h := []byte(randomHex())
	h[12] = '4'
	h[16] = "89ab"[h[16]%4]
	return string(h[0:8]) + "-" + string(h[8:12]) + "-" + string(h[12:16]) + "-" + string(h[16:20]) + "-" + string(h[20:32])
}
