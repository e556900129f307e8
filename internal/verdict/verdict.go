// Package verdict names what the gate concluded and what exit code that means.
package verdict

import (
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// Status is the gate's conclusion, exactly as written to the `status` output.
type Status string

const (
	Completed       Status = "completed"
	AwaitingSignoff Status = "awaiting-signoff"
	Failed          Status = "failed"
	Blocked         Status = "blocked"
	Canceled        Status = "canceled"
	TimedOut        Status = "timed-out"
	Interrupted     Status = "interrupted"
	Error           Status = "error"
	// Running is only concluded by a single check (input wait: false): the
	// operation is still on its way.
	Running Status = "running"
	// Stalled: nothing in the operation changed for stall-after.
	Stalled Status = "stalled"
	// DryRun: everything short of the start was checked (input dry-run);
	// nothing was started.
	DryRun Status = "dry-run"
)

// Passed reports whether the publish went through far enough for the job to
// pass; for a single check, an operation still running has not failed; a
// dry run that found nothing wrong passes.
func (s Status) Passed() bool {
	return s == Completed || s == AwaitingSignoff || s == Running || s == DryRun
}

// ExitCode is 0 for a passing status and 1 for everything else.
func (s Status) ExitCode() int {
	if s.Passed() {
		return 0
	}
	return 1
}

// Verdict is everything the reporter needs to render the end of a run.
type Verdict struct {
	Status      Status
	OperationID string
	// SubmissionID is the product-ingestion submission the publish made
	// (submission/{product}/{id}), once known; empty otherwise.
	SubmissionID string
	OfferID      string
	// Kind names what OfferID is: "offer" (CPP, and when empty), "product"
	// or "job" (product-ingestion).
	Kind string
	// Operation is the last snapshot seen; nil when none was fetched.
	Operation   *snapshot.Operation
	BlockedStep string
	FailedStep  string
	Polls       int
	Elapsed     time.Duration
	// Err explains Error, TimedOut, Interrupted and Stalled verdicts; nil
	// otherwise.
	Err error
	// StartedAt is when the start request was sent (input start); zero
	// without one.
	StartedAt time.Time
	// Plan says what a dry run would have started.
	Plan string
	// Notice, on a completed verdict, says why nothing was sent: what was
	// asked is already done (an image version already published). It is
	// the verdict's headline, shown as a notice.
	Notice string
	// ImageVersion, SKUIDs and ImageURNs describe an image release (outputs
	// image-version, sku-ids, image-urns); empty otherwise.
	ImageVersion string
	SKUIDs       []string
	ImageURNs    []string
}

// Noun is Kind, "offer" when unset.
func (v *Verdict) Noun() string {
	if v.Kind == "" {
		return "offer"
	}
	return v.Kind
}
