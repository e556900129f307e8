package report

import (
	"errors"
	"fmt"
	"strings"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// view is a verdict rendered once, for the log, the outputs and the summary.
// Every string in it is inert and scrubbed of secrets: what follows escapes
// it (Markdown entities, JSON, workflow-command encoding), and an escaped
// secret still reads as the secret, so none may reach that far.
type view struct {
	// Verdict holds the ids, scrubbed; its Operation, Err and Plan are
	// cleared: their text is in the fields below.
	verdict.Verdict
	watched       bool // a snapshot was fetched (Operation was set)
	headline      string
	steps         []StepOut    // every message; the steps output caps them
	messages      []MessageOut // the operation's own messages
	preview, live []string
	// at is where the verdict's error lies in the user's files (bad JSON
	// in configure-file), for its annotation; none otherwise.
	at place
}

func (r *Reporter) render(v verdict.Verdict) view {
	w := view{Verdict: v, headline: r.scrub(Headline(v)), steps: []StepOut{}, preview: []string{}, live: []string{}}
	w.OfferID, w.OperationID, w.SubmissionID = r.scrub(v.OfferID), r.scrub(v.OperationID), r.scrub(inert(v.SubmissionID))
	w.BlockedStep, w.FailedStep = r.scrub(inert(v.BlockedStep)), r.scrub(inert(v.FailedStep))
	w.ImageVersion, w.SKUIDs, w.ImageURNs = r.scrub(inert(v.ImageVersion)), r.scrubAll(v.SKUIDs), r.scrubAll(v.ImageURNs)
	if op := v.Operation; op != nil {
		w.watched = true
		w.steps = Steps(op)
		for i := range w.steps {
			s := &w.steps[i]
			s.ID, s.Name, s.Status, s.EstimatedTime = r.scrub(s.ID), r.scrub(s.Name), r.scrub(s.Status), r.scrub(s.EstimatedTime)
			for j := range s.Messages {
				m := &s.Messages[j]
				m.Text, m.Timestamp = r.scrub(m.Text), r.scrub(m.Timestamp)
			}
		}
		for _, m := range op.Messages {
			if t := r.scrub(inert(m.HTML)); t != "" {
				w.messages = append(w.messages, MessageOut{Level: level(m.Level), Text: t, Timestamp: r.scrub(inert(m.Timestamp))})
			}
		}
		w.preview, w.live = r.links(op.PreviewLinks), r.links(op.LiveLinks)
	}
	var fe *config.FileError
	if errors.As(v.Err, &fe) {
		w.at = place{file: fe.Path, line: fe.Line}
	}
	w.Operation, w.Err, w.Plan = nil, nil, ""
	return w
}

// scrubAll is ss made inert and scrubbed, each; nil for none.
func (r *Reporter) scrubAll(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = r.scrub(inert(s))
	}
	return out
}

// Finish renders the verdicts, one per offer in the order given: each
// verdict line, (outside the runner) a step table, the links, the outputs and
// the job summary. It returns an error when an output or the summary cannot
// be written.
func (r *Reporter) Finish(vs ...verdict.Verdict) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	views := make([]view, len(vs))
	for i, v := range vs {
		views[i] = r.render(v)
	}
	multi := len(views) > 1
	own, rest := r.verdictAnnotations(views)
	for i, w := range views {
		title, prefix := "marketplace-gate", ""
		if multi {
			title, prefix = w.OfferID, "["+w.OfferID+"] "
		}
		if rest[i] { // summed up in one annotation below
			r.line(fmt.Sprintf("%s: %s: %s", title, verdictLevel(w), w.headline))
		} else {
			r.emit(verdictLevel(w), title, w.headline, w.at, own[i])
		}
		if !r.runner && len(w.steps) > 0 {
			r.stepTable(w.steps)
		}
		for _, u := range w.preview {
			r.line(prefix + "Preview: " + u)
		}
		for _, u := range w.live {
			r.line(prefix + "Live: " + u)
		}
	}
	if text, lvl := restVerdicts(views, rest); text != "" {
		r.emit(lvl, "marketplace-gate", text, place{}, true)
	}
	if r.overflow > 0 {
		r.line(fmt.Sprintf("%d more messages than the gate annotates (at most %d per gate step, verdicts included, so that a job's other steps keep theirs): all are in this log, and in the job summary as far as its 1 MiB limit allows", r.overflow, maxAnnotations))
	}
	outs, cut := r.outputs(views)
	if cut != "" {
		r.line(cut)
	}
	if !r.runner {
		r.plainOutputs(outs, views)
	}

	var errs []error
	if path := r.getenv("GITHUB_OUTPUT"); path != "" {
		for _, kv := range outs {
			if err := r.guard(func() { r.act.SetOutput(kv[0], kv[1]) }); err != nil {
				errs = append(errs, fmt.Errorf("writing output %s to GITHUB_OUTPUT: %w", kv[0], err))
				break
			}
		}
	} else if r.runner {
		errs = append(errs, errors.New("GITHUB_OUTPUT is not set: outputs were not written"))
	}
	if path := r.getenv("GITHUB_STEP_SUMMARY"); path != "" {
		if err := r.guard(func() { r.act.AddStepSummary(fitText(r.scrub(summary(views)), summaryBudget)) }); err != nil {
			errs = append(errs, fmt.Errorf("writing the job summary to GITHUB_STEP_SUMMARY: %w", err))
		}
	}
	return errors.Join(errs...)
}

func verdictLevel(w view) string {
	switch {
	case w.Notice != "" && w.Status.Passed():
		return "notice" // nothing was sent: the one thing to tell
	case w.Status.Passed():
		return "information"
	}
	return "error"
}

// verdictAnnotations decides which verdicts get an annotation of their own
// (own) and which are summed up in one (rest): those that did not pass come
// first; when they outnumber the slots left, the last slot sums up the rest.
// A verdict whose level is not annotated is in neither: it is a log line.
func (r *Reporter) verdictAnnotations(views []view) (own, rest []bool) {
	own, rest = make([]bool, len(views)), make([]bool, len(views))
	var order []int
	for _, failing := range []bool{true, false} {
		for i, w := range views {
			if !w.Status.Passed() == failing && r.annotates(verdictLevel(w)) {
				order = append(order, i)
			}
		}
	}
	room := max(1, maxAnnotations-r.annotated)
	for n, i := range order {
		if len(order) <= room || n < room-1 {
			own[i] = true
		} else {
			rest[i] = true
		}
	}
	return own, rest
}

// restVerdicts sums up the verdicts without an annotation of their own, by
// status: its text and level ("" when there are none).
func restVerdicts(views []view, rest []bool) (string, string) {
	lvl := "information"
	var statuses []verdict.Status
	offers := map[verdict.Status][]string{}
	n := 0
	for _, failing := range []bool{true, false} {
		for i, w := range views {
			if !rest[i] || w.Status.Passed() == failing {
				continue
			}
			n++
			if failing {
				lvl = "error"
			}
			if offers[w.Status] == nil {
				statuses = append(statuses, w.Status)
			}
			offers[w.Status] = append(offers[w.Status], w.OfferID)
		}
	}
	if n == 0 {
		return "", ""
	}
	parts := make([]string, 0, len(statuses))
	for _, s := range statuses {
		parts = append(parts, fmt.Sprintf("%s: %s", s, strings.Join(offers[s], ", ")))
	}
	return fmt.Sprintf("%d more %ss; %s. Each verdict is in the log and the job summary.", n, views[0].Noun(), strings.Join(parts, "; ")), lvl
}

// guard turns the actions library's panic on a failed file command into an error.
func (r *Reporter) guard(f func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("%v", p)
			}
		}
	}()
	f()
	return nil
}
