package ingestion

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
)

// JobStatus is a configure job's status (schema configure-status). The docs
// spell the id both jobId and jobID; encoding/json matches either.
type JobStatus struct {
	JobID       string     `json:"jobId"`
	JobStatus   string     `json:"jobStatus"` // notStarted | running | completed
	JobResult   string     `json:"jobResult"` // pending | succeeded | failed | cancelled
	JobStart    string     `json:"jobStart"`
	JobEnd      string     `json:"jobEnd"`
	ResourceURI string     `json:"resourceUri"`
	Errors      []JobError `json:"errors"`
}

// JobError is one entry of a job's errors: code, message, the resource it
// concerns and nested details. Some clients model errors as plain strings,
// so a bare string is accepted too.
type JobError struct {
	Code       string     `json:"code"`
	Message    string     `json:"message"`
	ResourceID string     `json:"resourceId"`
	Details    []JobError `json:"details"`
}

// UnmarshalJSON implements the tolerance described on JobError.
func (e *JobError) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*e = JobError{Message: s}
		return nil
	}
	type plain JobError
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*e = JobError(p)
	return nil
}

// Text renders the error on one line: code, message, resource, then details.
func (e *JobError) Text() string {
	var b strings.Builder
	if e.Code != "" {
		b.WriteString(e.Code)
		b.WriteString(": ")
	}
	b.WriteString(cmp.Or(e.Message, "(no message)"))
	if e.ResourceID != "" {
		fmt.Fprintf(&b, " (resource %s)", e.ResourceID)
	}
	for i := range e.Details {
		b.WriteString("; ")
		b.WriteString(e.Details[i].Text())
	}
	return b.String()
}

// Submission is one entry of GET submission/{productId} (schema submission).
// The draft entry has no status, result or created.
type Submission struct {
	ID      string `json:"id"`      // submission/{productId}/{submissionId}
	Product string `json:"product"` // product/{productId}
	Target  struct {
		TargetType string `json:"targetType"` // draft | preview | live
	} `json:"target"`
	LifecycleState string `json:"lifecycleState"`
	Status         string `json:"status"` // notStarted | running | completed
	Result         string `json:"result"` // pending | succeeded | failed
	Created        string `json:"created"`
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

// DecodeProducts reads GET product's {"value": […]} (or a bare array).
func DecodeProducts(body []byte) ([]Product, error) {
	return apihttp.DecodeList[Product](body, "products")
}

// Newest picks the submission that says where a publish to target stands:
// the newest (by created) for that target. A submission pushed to live stands
// for preview too until a newer preview submission exists, so for preview
// with none of its own the newest live one is taken.
func Newest(subs []Submission, target string) (Submission, bool) {
	pick := func(tt string) (Submission, bool) {
		var best Submission
		var bestAt time.Time
		found := false
		for _, s := range subs {
			if !strings.EqualFold(s.Target.TargetType, tt) {
				continue
			}
			at, _ := time.Parse(time.RFC3339Nano, s.Created)
			// Later in the list wins a tie or an unreadable date.
			if !found || !at.Before(bestAt) {
				best, bestAt, found = s, at, true
			}
		}
		return best, found
	}
	if s, ok := pick(target); ok {
		return s, true
	}
	if strings.EqualFold(target, "preview") {
		return pick("live")
	}
	return Submission{}, false
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
