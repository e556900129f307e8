package ingestion

import (
	"cmp"
	"fmt"
	"html"

	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// JobStep is the id of a job snapshot's one step: failed-step names it.
const JobStep = "configure"

// Snapshot maps a configure job onto an operation with one step, whose
// messages are the job's errors: the reporter annotates them, and a failed
// job's verdict quotes the first. Server text is escaped: the reporter reads
// messages as HTML, and an error such as "size < 5" is plain text.
func (j *JobStatus) Snapshot() snapshot.Operation {
	st := state(j.JobStatus, j.JobResult)
	step := snapshot.Step{
		ID:          JobStep,
		Name:        "Configure request",
		Description: "Partner Center validates and applies the configure request",
		Status:      st,
		Messages:    make([]snapshot.Message, 0, len(j.Errors)),
	}
	if s, _ := snapshot.ParseState(st); s == snapshot.StateCompleted || s == snapshot.StateFailed || s == snapshot.StateCanceled {
		step.ProgressPercentage = 100
	}
	ts := j.JobEnd.String()
	if _, ok := j.JobEnd.Parse(); !ok { // 0001-01-01, with or without a time: not ended yet
		ts = j.JobStart.String()
	}
	for i := range j.Errors {
		step.Messages = append(step.Messages, snapshot.Message{HTML: html.EscapeString(j.Errors[i].Text()), Level: "error", Timestamp: ts, Ref: resourceOf(&j.Errors[i])})
	}
	return snapshot.Operation{ID: j.JobID, Status: st, SubmissionType: "configure", Steps: []snapshot.Step{step}}
}

// resourceOf is the resource an error concerns: its own resourceId, else the
// first that its details name (a wrapper error may name none itself).
func resourceOf(e *JobError) string {
	if e.ResourceID != "" {
		return e.ResourceID
	}
	for i := range e.Details {
		if r := resourceOf(&e.Details[i]); r != "" {
			return r
		}
	}
	return ""
}

// Snapshot maps a submission onto an operation with one step, named after its
// target. A submission carries no messages; a failed one gets an error
// message pointing at Partner Center, where the reasons are.
func (s *Submission) Snapshot() snapshot.Operation {
	st := state(s.Status, s.Result)
	target := s.Target.TargetType
	step := snapshot.Step{
		ID:          target,
		Name:        "Publish to " + target,
		Description: "lifecycle state " + cmp.Or(s.LifecycleState, "unknown"),
		Status:      st,
		Messages:    []snapshot.Message{},
	}
	switch v, _ := snapshot.ParseState(st); v {
	case snapshot.StateCompleted:
		step.ProgressPercentage = 100
	case snapshot.StateFailed:
		step.ProgressPercentage = 100
		step.Messages = append(step.Messages, snapshot.Message{
			HTML:      html.EscapeString(fmt.Sprintf("Submission %s to %s failed: Partner Center shows why on the offer's publish status page.", s.ID, target)),
			Level:     "error",
			Timestamp: s.Created.String(),
		})
	}
	return snapshot.Operation{ID: s.ID, Status: st, SubmissionType: target, Steps: []snapshot.Step{step}}
}
