package simulator

import (
	"fmt"
	"net/http"
	"strings"
)

// The product-ingestion side: Partner Center's API under Microsoft Graph,
// written from the product-ingestion API pages (configure-status and
// submission schemas, 2022-03-01-preview2).
const (
	IngestionPath    = "/rp/product-ingestion"
	IngestionVersion = "2022-03-01-preview2"
	// JobID is the configure job the simulator is playing from the start.
	JobID = "d4261631-c583-4949-a612-5150882632e9"
	// ProductID is the durable id of the product whose external id is Offer.
	ProductID = "8b6f2a4e-1c3d-4e5f-a6b7-c8d9e0f1a2b3"

	schemaBase = "https://schema.mp.microsoft.com/schema/"
	notEnded   = "0001-01-01T00:00:00" // the API's jobEnd while a job runs
)

type wireJobError struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details []wireJobError `json:"details,omitempty"`
}

// wireJob spells the id jobID, as the product-ingestion API page does (the
// private-offer pages write jobId).
type wireJob struct {
	Schema    string         `json:"$schema"`
	JobID     string         `json:"jobID"`
	JobStatus string         `json:"jobStatus"`
	JobResult string         `json:"jobResult"`
	JobStart  string         `json:"jobStart"`
	JobEnd    string         `json:"jobEnd"`
	Errors    []wireJobError `json:"errors"`
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

// ingestState is what the product-ingestion side plays: one configure job per
// id, and the product's new submission, a frame per GET.
type ingestState struct {
	fail      bool // the scenario fails (failed, blocked) rather than succeeds
	jobs      map[string]*ingestPlay
	submitted *ingestPlay // the product's newest submission
	target    string      // its target
}

type ingestPlay struct {
	frame    int
	canceled bool
}

func newIngestState(sc Scenario) *ingestState {
	target := "preview"
	if sc.Name == "live" {
		target = "live"
	}
	return &ingestState{
		fail:      sc.Name == "failed" || sc.Name == "blocked",
		jobs:      map[string]*ingestPlay{JobID: {}},
		submitted: &ingestPlay{},
		target:    target,
	}
}

func (s *Server) ingestRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+IngestionPath+"/configure/{job}/status", s.graph(s.jobStatus))
	mux.HandleFunc("POST "+IngestionPath+"/configure/{job}/cancel", s.graph(s.cancelJob))
	mux.HandleFunc("POST "+IngestionPath+"/configure", s.graph(s.configure))
	mux.HandleFunc("GET "+IngestionPath+"/submission/{product}", s.graph(s.submissions))
	mux.HandleFunc("GET "+IngestionPath+"/product", s.graph(s.products))
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

// jobFrame is the job's status at frame n: notStarted, running, then done.
func (st *ingestState) jobFrame(id string, p *ingestPlay) wireJob {
	j := wireJob{Schema: schemaBase + "configure-status/" + IngestionVersion, JobID: id,
		JobStart: "2026-11-21T09:00:01.1234567Z", JobEnd: notEnded, Errors: []wireJobError{}}
	switch {
	case p.canceled:
		j.JobStatus, j.JobResult, j.JobEnd = "completed", "cancelled", "2026-11-21T09:01:02.5225132Z"
	case p.frame == 0:
		j.JobStatus, j.JobResult = "notStarted", "pending"
	case p.frame < 3:
		j.JobStatus, j.JobResult = "running", "pending"
	case st.fail:
		j.JobStatus, j.JobResult, j.JobEnd = "completed", "failed", "2026-11-21T09:02:10.3649551Z"
		j.Errors = []wireJobError{{
			Code:    "businessValidationError",
			Message: "The plan contoso-gen2 has no technical configuration: add a VM image before publishing.",
			Details: []wireJobError{{Code: "missingImage", Message: "Plan contoso-gen2: no image version for Gen2."}},
		}, {
			Code: "schemaValidationError", Message: "listing: summary must be at most 100 characters",
		}}
	default:
		j.JobStatus, j.JobResult, j.JobEnd = "completed", "succeeded", "2026-11-21T09:02:10.3649551Z"
	}
	return j
}

// lockJob locks the server and returns the request's job; when there is no
// such job it answers 404 and returns nil, unlocked.
func (s *Server) lockJob(w http.ResponseWriter, r *http.Request) (string, *ingestPlay) {
	s.mu.Lock()
	id := r.PathValue("job")
	p := s.ingest.jobs[id]
	if p == nil {
		s.mu.Unlock()
		apiError(w, http.StatusNotFound, "notFound", "The job was not found.")
	}
	return id, p
}

func (s *Server) jobStatus(w http.ResponseWriter, r *http.Request) {
	id, p := s.lockJob(w, r)
	if p == nil {
		return
	}
	j := s.ingest.jobFrame(id, p)
	p.frame++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, j)
}

// cancelJob cancels a job still running; a finished one answers 400 as the
// docs show.
func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) {
	id, p := s.lockJob(w, r)
	if p == nil {
		return
	}
	if s.ingest.jobFrame(id, p).JobStatus == "completed" {
		s.mu.Unlock()
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": "badRequest", "message": "Cannot cancel job, job has already completed.", "details": []any{}}})
		return
	}
	p.canceled = true
	j := s.ingest.jobFrame(id, p)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, j)
}

// configure accepts a configure request (the demo's publish to preview): a
// new job, and the product's submission starts over.
func (s *Server) configure(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	id := fmt.Sprintf("%s-%04d-4000-8000-%012d", randomHex()[:8], len(s.ingest.jobs), len(s.ingest.jobs))
	p := &ingestPlay{}
	s.ingest.jobs[id] = p
	s.ingest.submitted = &ingestPlay{}
	j := s.ingest.jobFrame(id, p)
	s.mu.Unlock()
	writeJSON(w, http.StatusAccepted, j)
}

// submissions lists the product's active submissions: the draft reference,
// the live one from an earlier publish, and the new one played frame by frame.
func (s *Server) submissions(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.PathValue("product"), ProductID) {
		apiError(w, http.StatusNotFound, "notFound", "The product was not found.")
		return
	}
	s.mu.Lock()
	p := s.ingest.submitted
	frame, fail, target := p.frame, s.ingest.fail, s.ingest.target
	p.frame++
	s.mu.Unlock()

	sub := func(n, target, status, result, created string) wireSubmission {
		return wireSubmission{Schema: schemaBase + "submission/" + IngestionVersion, ID: "submission/" + ProductID + "/" + n,
			Product: "product/" + ProductID, Target: wireTarget{target}, LifecycleState: "generallyAvailable",
			Status: status, Result: result, Created: created}
	}
	status, result := "running", "pending"
	switch {
	case frame == 0:
		status = "notStarted"
	case frame < 4:
	case fail:
		status, result = "completed", "failed"
	default:
		status, result = "completed", "succeeded"
	}
	list := []wireSubmission{
		{Schema: schemaBase + "submission/" + IngestionVersion, ID: "submission/" + ProductID + "/0", Product: "product/" + ProductID, Target: wireTarget{"draft"}},
		sub("1152921515689847470", "live", "completed", "succeeded", "2026-10-02T21:46:01.179948Z"),
	}
	if target == "live" {
		list = append(list, sub("1152921515689848683", "preview", "completed", "succeeded", "2026-11-20T08:07:22.4220588Z"))
	}
	list = append(list, sub("1152921515689849012", target, status, result, "2026-11-21T09:02:11.0000000Z"))
	writeJSON(w, http.StatusOK, map[string]any{"value": list})
}

// products answers GET product?externalId=…: the simulated product when the
// external id is Offer, else an empty list.
func (s *Server) products(w http.ResponseWriter, r *http.Request) {
	list := []map[string]any{}
	if ext := r.URL.Query().Get("externalId"); strings.EqualFold(ext, Offer) {
		list = append(list, map[string]any{
			"$schema": schemaBase + "product/" + IngestionVersion, "id": "product/" + ProductID,
			"identity": map[string]string{"externalId": Offer}, "type": "azureVirtualMachine", "alias": "Contoso VM",
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": list})
}
