package report

import (
	"fmt"
	"strings"

	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// Headline is the verdict in one sentence.
func Headline(v verdict.Verdict) string {
	switch v.Status {
	case verdict.Completed:
		switch {
		case v.Notice != "":
			return sentence(inert(v.Notice))
		case v.ImageVersion != "":
			return sentence(fmt.Sprintf("The job completed: image version %s went to SKUs %s", inert(v.ImageVersion), inert(strings.Join(v.SKUIDs, ", "))))
		}
		return "The publish completed."
	case verdict.AwaitingSignoff:
		return "The offer is in preview and waits for publisher sign-off: review the preview links, then Go Live."
	case verdict.Blocked:
		return fmt.Sprintf("Step %s is blocked: %s", name(stepTitle(v, v.BlockedStep)), firstError(v, v.BlockedStep))
	case verdict.Failed:
		msg := "The publish failed"
		if v.FailedStep != "" {
			msg += " at step " + name(stepTitle(v, v.FailedStep))
		}
		if v.Operation != nil && v.Operation.Error != "" {
			msg += ": " + inert(string(v.Operation.Error))
		} else if v.FailedStep != "" {
			msg += ": " + firstError(v, v.FailedStep)
		}
		return sentence(msg)
	case verdict.Canceled:
		return "The operation was canceled."
	case verdict.DryRun:
		return sentence("Dry run, nothing was started: would send " + inert(v.Plan))
	case verdict.Running:
		if v.OperationID == "" && (v.Operation == nil || len(v.Operation.Steps) == 0) {
			return "Checked once (wait: false): the publish in question is not listed yet, so there is nothing to judge; a later check will find it."
		}
		msg := "The operation is still running (checked once, wait: false)"
		if v.Operation != nil {
			for _, s := range v.Operation.Steps {
				if st, _ := s.State(); st == snapshot.StateRunning {
					msg += ": at step " + name(s.Title())
					break
				}
			}
		}
		return msg + "."
	}
	if v.Err != nil {
		return inert(v.Err.Error())
	}
	return string(v.Status)
}

// name is a step's name made inert and short enough that what follows it in
// a headline (the error) still fits in an annotation.
func name(s string) string { return cutUnits(inert(s), maxTitleUnits) }

// sentence ends msg with a full stop unless the server's text already did.
func sentence(msg string) string {
	if strings.HasSuffix(msg, ".") || strings.HasSuffix(msg, "!") || strings.HasSuffix(msg, "?") {
		return msg
	}
	return msg + "."
}

func stepTitle(v verdict.Verdict, id string) string {
	if v.Operation != nil {
		for _, s := range v.Operation.Steps {
			if s.ID == id {
				return s.Title()
			}
		}
	}
	return id
}

// firstError is the step's first error message, else its first message.
func firstError(v verdict.Verdict, id string) string {
	if v.Operation == nil {
		return "see the step's messages"
	}
	for _, s := range v.Operation.Steps {
		if s.ID != id {
			continue
		}
		for _, m := range s.Messages {
			if level(m.Level) == "error" {
				return inert(m.HTML)
			}
		}
		if len(s.Messages) > 0 {
			return inert(s.Messages[0].HTML)
		}
	}
	return "see the step's messages"
}
