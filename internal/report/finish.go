package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// maxOutputMessages bounds the messages kept per step in the steps output, so
// a runaway step cannot push the output past the runner's size limits.
const maxOutputMessages = 50

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

// Finish renders the verdict: the verdict line, the outputs, the job summary and (outside the runner) a step
// table. It returns an error when an output or the summary cannot be written.
func (r *Reporter) Finish(v verdict.Verdict) error {
	headline := Headline(v)
	if v.Status.Passed() {
		r.notify("information", "marketplace-gate", headline)
	} else {
		r.notify("error", "marketplace-gate", headline)
	}
	if !r.runner && v.Operation != nil {
		r.stepTable(v.Operation)
	}
	if v.Operation != nil {
		for _, u := range links(v.Operation.PreviewLinks) {
			r.line("Preview: " + u)
		}
		for _, u := range links(v.Operation.LiveLinks) {
			r.line("Live: " + u)
		}
	}
	if r.overflow > 0 {
		r.line(fmt.Sprintf("%d more messages than the runner shows as annotations: all are in this log and the job summary", r.overflow))
	}

	var errs []error
	if path := r.getenv("GITHUB_OUTPUT"); path != "" {
		for _, kv := range r.outputs(v) {
			if err := r.guard(func() { r.act.SetOutput(kv[0], kv[1]) }); err != nil {
				errs = append(errs, fmt.Errorf("writing output %s to GITHUB_OUTPUT: %w", kv[0], err))
				break
			}
		}
	} else if r.runner {
		errs = append(errs, errors.New("GITHUB_OUTPUT is not set: outputs were not written"))
	}
	if path := r.getenv("GITHUB_STEP_SUMMARY"); path != "" {
		if err := r.guard(func() { r.act.AddStepSummary(r.scrub(Summary(v))) }); err != nil {
			errs = append(errs, fmt.Errorf("writing the job summary to GITHUB_STEP_SUMMARY: %w", err))
		}
	}
	return errors.Join(errs...)
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

// outputs lists every output, in action.yml order. Values are single-line:
// the library writes them with a fixed heredoc delimiter, so a raw newline
// from the server must never reach one (JSON escapes them).
func (r *Reporter) outputs(v verdict.Verdict) [][2]string {
	var steps []StepOut
	var preview, live []string
	if v.Operation != nil {
		steps = Steps(v.Operation)
		preview, live = links(v.Operation.PreviewLinks), links(v.Operation.LiveLinks)
	}
	out := [][2]string{
		{"status", string(v.Status)},
		{"operation-id", v.OperationID},
		{"offer-id", v.OfferID},
		{"blocked-step", inert(v.BlockedStep)},
		{"failed-step", inert(v.FailedStep)},
		{"steps", jsonText(nonNil(steps))},
		{"preview-links", jsonText(nonNil(preview))},
		{"live-links", jsonText(nonNil(live))},
		{"polls", strconv.Itoa(v.Polls)},
		{"elapsed-seconds", strconv.Itoa(int(v.Elapsed.Round(time.Second) / time.Second))},
	}
	for i := range out {
		out[i][1] = r.scrub(out[i][1])
	}
	return out
}

// Steps renders the operation's steps for the `steps` output.
func Steps(op *cpp.Operation) []StepOut {
	steps := make([]StepOut, 0, len(op.Steps))
	for _, s := range op.Steps {
		st, ok := cpp.ParseState(s.Status)
		status := string(st)
		if !ok {
			status = inert(s.Status)
		}
		msgs := make([]MessageOut, 0, min(len(s.Messages), maxOutputMessages))
		for _, m := range s.Messages[:min(len(s.Messages), maxOutputMessages)] {
			msgs = append(msgs, MessageOut{Level: level(m.Level), Text: inert(m.HTML), Timestamp: inert(m.Timestamp)})
		}
		steps = append(steps, StepOut{
			ID: inert(s.ID), Name: inert(s.Title()), Status: status,
			Progress: int(s.ProgressPercentage), EstimatedTime: inert(s.EstimatedTimeFrame), Messages: msgs,
		})
	}
	return steps
}

// links keeps the http(s) links, made safe.
func links(ls cpp.Links) []string {
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		if u := safeURL(l); u != "" {
			out = append(out, u)
		}
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "[]"
	}
	return string(b)
}

// Headline is the verdict in one sentence.
func Headline(v verdict.Verdict) string {
	switch v.Status {
	case verdict.Completed:
		return "The publish completed."
	case verdict.AwaitingSignoff:
		return "The offer is in preview and waits for publisher sign-off: review the preview links, then Go Live."
	case verdict.Blocked:
		return fmt.Sprintf("Step %s is blocked: %s", inert(stepTitle(v, v.BlockedStep)), firstError(v, v.BlockedStep))
	case verdict.Failed:
		msg := "The publish failed"
		if v.FailedStep != "" {
			msg += " at step " + inert(stepTitle(v, v.FailedStep))
		}
		if v.Operation != nil && v.Operation.Error != "" {
			msg += ": " + inert(string(v.Operation.Error))
		} else if v.FailedStep != "" {
			msg += ": " + firstError(v, v.FailedStep)
		}
		return msg + "."
	case verdict.Canceled:
		return "The operation was canceled."
	}
	if v.Err != nil {
		return inert(v.Err.Error())
	}
	return string(v.Status)
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

// stepTable prints the final state of every step, for reading in a terminal.
func (r *Reporter) stepTable(op *cpp.Operation) {
	steps := Steps(op)
	w := len("STEP")
	for _, s := range steps {
		w = max(w, len([]rune(s.Name)))
	}
	fmt.Fprintln(r.out)
	fmt.Fprintln(r.out, r.scrub(fmt.Sprintf("  %-*s  %-26s %4s  %s", w, "STEP", "STATUS", "", "ESTIMATE")))
	for _, s := range steps {
		fmt.Fprintln(r.out, r.scrub(strings.TrimRight(fmt.Sprintf("  %-*s  %-26s %3d%%  %s", w, s.Name, s.Status, s.Progress, s.EstimatedTime), " ")))
	}
	fmt.Fprintln(r.out)
}

// Summary renders the job summary in Markdown. Every string from the API is
// escaped, so it shows as text and cannot add markup.
func Summary(v verdict.Verdict) string {
	var b strings.Builder
	icon := map[verdict.Status]string{
		verdict.Completed: "✅", verdict.AwaitingSignoff: "👀", verdict.Failed: "❌", verdict.Blocked: "⛔",
		verdict.Canceled: "🚫", verdict.TimedOut: "⏱️", verdict.Interrupted: "✋", verdict.Error: "❌",
	}[v.Status]
	fmt.Fprintf(&b, "## %s Marketplace publish: %s\n\n", icon, v.Status)
	fmt.Fprintf(&b, "%s\n\n", md(Headline(v)))
	var facts []string
	if v.OfferID != "" {
		facts = append(facts, "offer `"+v.OfferID+"`")
	}
	if v.OperationID != "" {
		facts = append(facts, "operation `"+v.OperationID+"`")
	}
	facts = append(facts, fmt.Sprintf("%d polls", v.Polls), "waited "+v.Elapsed.Round(time.Second).String())
	fmt.Fprintf(&b, "%s\n\n", strings.Join(facts, " · "))

	if v.Operation == nil {
		return b.String()
	}
	steps := Steps(v.Operation)
	if len(steps) > 0 {
		b.WriteString("| Step | Status | Progress | Estimate |\n|---|---|---:|---|\n")
		for _, s := range steps {
			fmt.Fprintf(&b, "| %s | %s | %d%% | %s |\n", md(s.Name), md(s.Status), s.Progress, md(s.EstimatedTime))
		}
		b.WriteString("\n")
	}
	var msgs []string
	for _, m := range v.Operation.Messages {
		if t := inert(m.HTML); t != "" {
			msgs = append(msgs, fmt.Sprintf("- **Operation** · %s · %s", level(m.Level), md(t)))
		}
	}
	for _, s := range steps {
		for _, m := range s.Messages {
			if m.Text != "" {
				msgs = append(msgs, fmt.Sprintf("- **%s** · %s · %s", md(s.Name), m.Level, md(m.Text)))
			}
		}
	}
	if len(msgs) > 0 {
		fmt.Fprintf(&b, "### Messages\n\n%s\n\n", strings.Join(msgs, "\n"))
	}
	for _, l := range []struct {
		title string
		urls  []string
	}{{"Preview links", links(v.Operation.PreviewLinks)}, {"Live links", links(v.Operation.LiveLinks)}} {
		if len(l.urls) == 0 {
			continue
		}
		fmt.Fprintf(&b, "### %s\n\n", l.title)
		for _, u := range l.urls {
			fmt.Fprintf(&b, "- [%s](%s)\n", md(u), u)
		}
		b.WriteString("\n")
	}
	return b.String()
}
