package ingestion

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/apitime"
)

// JobStatus is a configure job's status (schema configure-status). The docs
// spell the id both jobId and jobID; encoding/json matches either. Times and
// errors decode from any shape the service sends: a failed job must be read
// on the poll that shows it, never turned into a decode error and a wait.
type JobStatus struct {
	JobID       string       `json:"jobId"`
	JobStatus   string       `json:"jobStatus"` // notStarted | running | completed
	JobResult   string       `json:"jobResult"` // pending | succeeded | failed | cancelled
	JobStart    apitime.Time `json:"jobStart"`
	JobEnd      apitime.Time `json:"jobEnd"` // 0001-01-01 while unset; never a sign of the end
	ResourceURI string       `json:"resourceUri"`
	Errors      JobErrors    `json:"errors"`
}

// Started is when the job started, if the API says readably (the docs'
// sample once sent 2022-03-01-preview2T13:32:43Z).
func (j *JobStatus) Started() (time.Time, bool) { return j.JobStart.Parse() }

// JobError is one entry of a job's errors: code, message, the resource it
// concerns and nested details (apihttp's error tree, shared with error bodies).
type JobError = apihttp.Fault

// JobErrors are a job's errors: an array, one object, strings, {}, null or
// nothing, at any depth of details, all read (see apihttp.Faults).
type JobErrors = apihttp.Faults

// Submission is one entry of GET submission/{productId} (schema submission).
// The draft entry has no status, result or created.
type Submission struct {
	ID      string `json:"id"`      // submission/{productId}/{submissionId}
	Product string `json:"product"` // product/{productId}
	Target  struct {
		TargetType string `json:"targetType"` // draft | preview | live
	} `json:"target"`
	LifecycleState string       `json:"lifecycleState"`
	Status         string       `json:"status"` // notStarted | running | completed
	Result         string       `json:"result"` // pending | succeeded | failed
	Created        apitime.Time `json:"created"`
}

// Product is one entry of GET product?externalId=… (schema product).
type Product struct {
	ID       string `json:"id"` // product/{productId}
	Identity struct {
		ExternalID string `json:"externalId"`
	} `json:"identity"`
	Type  string `json:"type"`
	Alias string `json:"alias"`
}

// DurableID is the product's id without its "product/" prefix.
func (p *Product) DurableID() string { return strings.TrimPrefix(p.ID, "product/") }

// DecodeJobStatus reads a configure-status body.
func DecodeJobStatus(body []byte) (JobStatus, error) {
	var st JobStatus
	if err := json.Unmarshal(body, &st); err != nil {
		return st, fmt.Errorf("decoding configure status: %w", err)
	}
	if st.JobStatus == "" {
		return st, errors.New("decoding configure status: the response has no jobStatus")
	}
	return st, nil
}

// DecodeSubmissions reads GET submission's {"value": […]} (or a bare array).
func DecodeSubmissions(body []byte) ([]Submission, error) {
	return apihttp.DecodeList[Submission](body, "submissions")
}

// SubmissionsPage is one page of GET submission.
type SubmissionsPage struct {
	Value    []Submission
	NextLink string
}

// DecodeSubmissionsPage reads one page: the list and its @nextLink, if any.
func DecodeSubmissionsPage(body []byte) (SubmissionsPage, error) {
	list, next, err := apihttp.DecodePage[Submission](body, "submissions")
	return SubmissionsPage{Value: list, NextLink: next}, err
}

// DecodeSubmission reads GET submission/{p}/{s}: one submission object.
func DecodeSubmission(body []byte) (Submission, error) {
	var s Submission
	if err := json.Unmarshal(body, &s); err != nil {
		return s, fmt.Errorf("decoding submission: %w", err)
	}
	if s.ID == "" {
		return s, errors.New("decoding submission: the response has no id")
	}
	return s, nil
}

// Resource is one resource of a job's detail (GET configure/{jobId}).
type Resource struct {
	ID string `json:"id"`
}

// DecodeJobDetail reads a configure-detail body's resources.
func DecodeJobDetail(body []byte) ([]Resource, error) {
	var d struct {
		Resources *[]Resource `json:"resources"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("decoding configure detail: %w", err)
	}
	if d.Resources == nil {
		return nil, errors.New("decoding configure detail: the response has no resources")
	}
	return *d.Resources, nil
}

// SubmissionRef is a submission id taken apart: submission/{product}/{number}.
type SubmissionRef struct{ Product, Number string }

// ParseSubmissionID reads submission/{product}/{number}; both parts must be
// plain ids, so the id can be printed and used in a URL as it is.
func ParseSubmissionID(id string) (SubmissionRef, bool) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 || parts[0] != "submission" || !plain(parts[1]) || !plain(parts[2]) {
		return SubmissionRef{}, false
	}
	return SubmissionRef{Product: parts[1], Number: parts[2]}, true
}

// plain: 1 to 100 letters, digits, '-' or '_'.
func plain(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Describe names the submission for a log line: its id, target, status
// and result, and when it was created.
func (s *Submission) Describe() string {
	return fmt.Sprintf("submission %s (to %s, %s, created %s)", s.ID, s.Target.TargetType, strings.TrimSpace(s.Status+" "+s.Result), s.Created)
}

// Key names the list entry: its target and id, e.g.
// "live|submission/{p}/{s}". One id can stand under two targets (a go-live
// leaves its live entry on the preview's id), so what a list held is known by
// entry, never by id alone.
func (s *Submission) Key() string {
	return strings.ToLower(strings.TrimSpace(s.Target.TargetType)) + "|" + s.ID
}

// CreatedAt is when the submission was created, if the API says so readably:
// a missing, unset or broken created is no time, so never "created since".
func (s *Submission) CreatedAt() (time.Time, bool) { return s.Created.Parse() }

// DecodeProducts reads GET product's {"value": […]} (or a bare array).
func DecodeProducts(body []byte) ([]Product, error) {
	return apihttp.DecodeList[Product](body, "products")
}

// Newest picks the submission that says where a publish to target stands:
// the newest (by created) for that target created at or after since. A
// submission pushed to live stands for preview too until a newer preview
// submission exists, so for preview with none of its own created since, the
// newest live one created since is taken. But the target's own entry
// decides: when the list also holds a preview entry of that live one's id
// (a go-live leaves both on one submission; cloudpub's recorded list shows
// preview running beside live completed on one id), that entry is the
// answer. A zero since finds nothing: without a bound the newest is as
// likely an earlier publish's (Latest describes it).
func Newest(subs []Submission, target string, since time.Time) (Submission, bool) {
	if since.IsZero() {
		return Submission{}, false
	}
	if s, ok := newest(subs, target, since); ok {
		return s, true
	}
	if !strings.EqualFold(target, "preview") {
		return Submission{}, false
	}
	live, ok := newest(subs, "live", since)
	if !ok {
		return Submission{}, false
	}
	if own, ok := Entry(subs, live.ID, target); ok {
		return own, true
	}
	return live, true
}

// Entry is the list's entry of submission id to exactly target (the last
// listed, if several): one id can stand under two targets, and each entry
// says where the submission stands for its own.
func Entry(subs []Submission, id, target string) (Submission, bool) {
	var found Submission
	ok := false
	for _, s := range subs {
		if s.ID == id && strings.EqualFold(s.Target.TargetType, target) {
			found, ok = s, true
		}
	}
	return found, ok
}

// NewestTo is the newest submission to exactly target created at or after
// since; a zero since finds nothing, as for Newest.
func NewestTo(subs []Submission, target string, since time.Time) (Submission, bool) {
	if since.IsZero() {
		return Submission{}, false
	}
	return newest(subs, target, since)
}

// Latest is the newest submission to target whenever it was created (the
// preview's stand-in as for Newest): what the list holds, to describe or to
// act on, never proof that a publish went through.
func Latest(subs []Submission, target string) (Submission, bool) {
	if s, ok := LatestTo(subs, target); ok {
		return s, true
	}
	if strings.EqualFold(target, "preview") {
		return LatestTo(subs, "live")
	}
	return Submission{}, false
}

// LatestTo is Latest for exactly target.
func LatestTo(subs []Submission, target string) (Submission, bool) {
	return newest(subs, target, time.Time{})
}

// newest is the newest submission to exactly target created at or after
// since (zero: no bound). With a bound, a submission whose created is
// missing or unreadable does not count: it cannot be shown to be new.
func newest(subs []Submission, target string, since time.Time) (Submission, bool) {
	var best Submission
	var bestAt time.Time
	found := false
	for _, s := range subs {
		if !strings.EqualFold(s.Target.TargetType, target) {
			continue
		}
		at, ok := s.CreatedAt()
		if !since.IsZero() && (!ok || at.Before(since)) {
			continue
		}
		// Later in the list wins a tie or an unreadable date.
		if !found || !at.Before(bestAt) {
			best, bestAt, found = s, at, true
		}
	}
	return best, found
}

// state combines a status (notStarted | running | completed) and a result
// (pending | succeeded | failed | cancelled) into one status string that
// snapshot.ParseState reads. A completed job with a result this package does
// not know keeps the raw result, so the reporter says it does not know it.
func state(status, result string) string {
	if !strings.EqualFold(strings.TrimSpace(status), "completed") {
		return status
	}
	switch strings.ToLower(strings.TrimSpace(result)) {
	case "succeeded":
		return "completed"
	case "failed":
		return "failed"
	case "cancelled", "canceled":
		return "canceled"
	case "pending", "":
		return "running" // completed but not yet judged: keep waiting
	}
	return result
}
