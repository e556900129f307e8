package report

import (
	"fmt"
	"strings"

	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// StepOut is one element of the `steps` output.
type StepOut struct {
	ID            string       `json:"id"`
	Name          string       `json:"name"`
	Status        string       `json:"status"`
	Progress      int          `json:"progress"`
	EstimatedTime string       `json:"estimatedTime"`
	Messages      []MessageOut `json:"messages"`
}

// MessageOut is one step message in the `steps` output.
type MessageOut struct {
	Level     string `json:"level"`
	Text      string `json:"text"`
	Timestamp string `json:"timestamp"`
}

// Steps renders the operation's steps, every text made inert.
func Steps(op *snapshot.Operation) []StepOut {
	steps := make([]StepOut, 0, len(op.Steps))
	for _, s := range op.Steps {
		st, ok := snapshot.ParseState(s.Status)
		status := string(st)
		if !ok {
			status = inert(s.Status)
		}
		msgs := make([]MessageOut, 0, len(s.Messages))
		for _, m := range s.Messages {
			msgs = append(msgs, MessageOut{Level: level(m.Level), Text: inert(m.HTML), Timestamp: inert(m.Timestamp)})
		}
		steps = append(steps, StepOut{
			ID: inert(s.ID), Name: inert(s.Title()), Status: status,
			Progress: int(s.ProgressPercentage), EstimatedTime: inert(s.EstimatedTimeFrame), Messages: msgs,
		})
	}
	return steps
}

// links keeps the http(s) links, made safe and scrubbed: a link may carry a
// secret (a SAS signature, a token in the query), percent-encoded or not.
func (r *Reporter) links(ls snapshot.Links) []string {
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		if u := safeURL(r.scrub(l)); u != "" {
			out = append(out, r.scrub(u))
		}
	}
	return out
}

// stepTable prints the final state of every step, for reading in a terminal.
func (r *Reporter) stepTable(steps []StepOut) {
	w := len("STEP")
	for _, s := range steps {
		w = max(w, len([]rune(s.Name)))
	}
	r.print("")
	r.print(fmt.Sprintf("  %-*s  %-26s %4s  %s", w, "STEP", "STATUS", "", "ESTIMATE"))
	for _, s := range steps {
		r.print(strings.TrimRight(fmt.Sprintf("  %-*s  %-26s %3d%%  %s", w, s.Name, s.Status, s.Progress, s.EstimatedTime), " "))
	}
	r.print("")
}
