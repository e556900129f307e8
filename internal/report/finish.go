package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// maxOutputMessages bounds the messages kept per step in the steps output.
const maxOutputMessages = 50

// The runner drops a step summary over 1 MiB whole and allows 1 MB of outputs
// per job; these budgets keep a runaway operation (thousands of steps or
// messages) inside both, with room left for the job's other steps.
const (
	summaryBudget = 1<<20 - 32<<10
	stepsBudget   = 256 << 10
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

// view is a verdict rendered once, for the log, the outputs and the summary.
type view struct {
	verdict.Verdict
	headline      string
	steps         []StepOut // every message; the steps output caps them
	preview, live []string
}

func render(v verdict.Verdict) view {
	w := view{Verdict: v, headline: Headline(v), steps: []StepOut{}, preview: []string{}, live: []string{}}
	if v.Operation != nil {
		w.steps = Steps(v.Operation)
		w.preview, w.live = links(v.Operation.PreviewLinks), links(v.Operation.LiveLinks)
	}
	return w
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
		views[i] = render(v)
	}
	multi := len(views) > 1
	for _, w := range views {
		title, prefix := "marketplace-gate", ""
		if multi {
			title, prefix = w.OfferID, "["+w.OfferID+"] "
		}
		if w.Status.Passed() {
			r.emit("information", title, w.headline, maxAnnotationsPerLevel)
		} else {
			r.emit("error", title, w.headline, maxAnnotationsPerLevel)
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
	if r.overflow > 0 {
		r.line(fmt.Sprintf("%d more messages than the runner shows as annotations: all are in this log, and in the job summary as far as its 1 MiB limit allows", r.overflow))
	}

	var errs []error
	if path := r.getenv("GITHUB_OUTPUT"); path != "" {
		for _, kv := range r.outputs(views) {
			if err := r.guard(func() { r.act.SetOutput(kv[0], kv[1]) }); err != nil {
				errs = append(errs, fmt.Errorf("writing output %s to GITHUB_OUTPUT: %w", kv[0], err))
				break
			}
		}
	} else if r.runner {
		errs = append(errs, errors.New("GITHUB_OUTPUT is not set: outputs were not written"))
	}
	if path := r.getenv("GITHUB_STEP_SUMMARY"); path != "" {
		if err := r.guard(func() { r.act.AddStepSummary(r.scrub(summary(views))) }); err != nil {
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

// Result is one offer's entry in the `results` output.
type Result struct {
	Status         verdict.Status `json:"status"`
	OperationID    string         `json:"operation-id"`
	BlockedStep    string         `json:"blocked-step"`
	FailedStep     string         `json:"failed-step"`
	PreviewLinks   []string       `json:"preview-links"`
	LiveLinks      []string       `json:"live-links"`
	Polls          int            `json:"polls"`
	ElapsedSeconds int            `json:"elapsed-seconds"`
	Message        string         `json:"message"`
}

// primary is the view the single-valued outputs describe: the first offer
// that did not pass, else the first; its status is the gate's.
func primary(views []view) view {
	for _, w := range views {
		if !w.Status.Passed() {
			return w
		}
	}
	return views[0]
}

// outputs lists every output, in action.yml order. Values are single-line:
// the library writes them with a fixed heredoc delimiter, so a raw newline
// from the server must never reach one (JSON escapes them).
func (r *Reporter) outputs(views []view) [][2]string {
	results := map[string]Result{}
	for _, v := range views {
		results[v.OfferID] = v.result()
	}
	w := primary(views)
	p := w.result()
	out := [][2]string{
		{"status", string(p.Status)},
		{"operation-id", p.OperationID},
		{"offer-id", w.OfferID},
		{"blocked-step", p.BlockedStep},
		{"failed-step", p.FailedStep},
		{"steps", boundSteps(w.steps, stepsBudget)},
		{"preview-links", jsonText(p.PreviewLinks)},
		{"live-links", jsonText(p.LiveLinks)},
		{"polls", strconv.Itoa(p.Polls)},
		{"elapsed-seconds", strconv.Itoa(p.ElapsedSeconds)},
		{"results", jsonText(results)},
	}
	for i := range out {
		out[i][1] = r.scrub(out[i][1])
	}
	return out
}

// result is the view's entry in `results`, and the primary's single-valued outputs.
func (w view) result() Result {
	return Result{
		Status: w.Status, OperationID: w.OperationID, BlockedStep: inert(w.BlockedStep), FailedStep: inert(w.FailedStep),
		PreviewLinks: w.preview, LiveLinks: w.live, Polls: w.Polls, ElapsedSeconds: int(w.Elapsed.Round(time.Second) / time.Second),
		Message: w.headline,
	}
}

// boundSteps renders steps as JSON within budget bytes: messages per step are
// cut to 50, then 10, 1 and none; if that is not enough, trailing steps go.
func boundSteps(steps []StepOut, budget int) string {
	capped := make([]StepOut, len(steps))
	var text string
	for _, keep := range []int{maxOutputMessages, 10, 1, 0} {
		for i, s := range steps {
			s.Messages = s.Messages[:min(len(s.Messages), keep)]
			capped[i] = s
		}
		if text = jsonText(capped); len(text) <= budget {
			return text
		}
	}
	// Still too big with no messages: keep the longest prefix that fits.
	n := sort.Search(len(capped), func(n int) bool { return len(jsonText(capped[:n+1])) > budget })
	return jsonText(capped[:n])
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

// links keeps the http(s) links, made safe.
func links(ls snapshot.Links) []string {
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		if u := safeURL(l); u != "" {
			out = append(out, u)
		}
	}
	return out
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
		return sentence(msg)
	case verdict.Canceled:
		return "The operation was canceled."
	case verdict.Running:
		msg := "The operation is still running (checked once, wait: false)"
		if v.Operation != nil {
			for _, s := range v.Operation.Steps {
				if st, _ := s.State(); st == snapshot.StateRunning {
					msg += ": at step " + inert(s.Title())
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

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

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

// fit keeps the leading lines whose total size (newlines included) is within
// budget, and says how many it dropped.
func fit(lines []string, budget int) ([]string, int) {
	used := 0
	for i, l := range lines {
		if used += len(l) + 1; used > budget {
			return lines[:i], len(lines) - i
		}
	}
	return lines, 0
}

func icon(s verdict.Status) string {
	return map[verdict.Status]string{
		verdict.Completed: "✅", verdict.AwaitingSignoff: "👀", verdict.Failed: "❌", verdict.Blocked: "⛔",
		verdict.Canceled: "🚫", verdict.TimedOut: "⏱️", verdict.Interrupted: "✋", verdict.Error: "❌",
		verdict.Running: "⏳",
	}[s]
}

// summary renders the job summary in Markdown: one section, or with several
// offers an overview table and a section per offer, sharing the budget.
func summary(views []view) string {
	if len(views) == 1 {
		return views[0].section("##", "Marketplace publish", summaryBudget)
	}
	var b strings.Builder
	p := primary(views)
	noun := views[0].Noun() // one gate watches one kind
	fmt.Fprintf(&b, "## %s Marketplace publish: %s (%d %ss)\n\n| %s | Status | Operation | Polls |\n|---|---|---|---:|\n", icon(p.Status), p.Status, len(views), noun, capital(noun))
	for _, w := range views {
		fmt.Fprintf(&b, "| `%s` | %s %s | `%s` | %d |\n", w.OfferID, icon(w.Status), w.Status, w.OperationID, w.Polls)
	}
	b.WriteString("\n")
	each := (summaryBudget - b.Len()) / len(views)
	for _, w := range views {
		b.WriteString(w.section("###", capital(w.Noun())+" `"+w.OfferID+"`", each))
	}
	return b.String()
}

// section renders one offer's verdict under a heading of level h, within
// budget bytes. Every string from the API is escaped, so it shows as text
// and cannot add markup.
func (w view) section(h, title string, budget int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s: %s\n\n", h, icon(w.Status), title, w.Status)
	fmt.Fprintf(&b, "%s\n\n", md(w.headline))
	var facts []string
	if w.OfferID != "" {
		facts = append(facts, w.Noun()+" `"+w.OfferID+"`")
	}
	if w.OperationID != "" {
		facts = append(facts, "operation `"+w.OperationID+"`")
	}
	facts = append(facts, fmt.Sprintf("%d polls", w.Polls), "waited "+w.Elapsed.Round(time.Second).String())
	fmt.Fprintf(&b, "%s\n\n", strings.Join(facts, " · "))

	if w.Operation == nil {
		return b.String()
	}
	var links strings.Builder
	for _, l := range []struct {
		title string
		urls  []string
	}{{"Preview links", w.preview}, {"Live links", w.live}} {
		if len(l.urls) == 0 {
			continue
		}
		fmt.Fprintf(&links, "%s# %s\n\n", h, l.title)
		for _, u := range l.urls {
			fmt.Fprintf(&links, "- [%s](%s)\n", md(u), u)
		}
		links.WriteString("\n")
	}
	// The links and the verdict matter most; the step table and the messages
	// share what is left of the budget, in that order.
	left := budget - b.Len() - min(links.Len(), budget/4) - 512
	if len(w.steps) > 0 {
		rows := make([]string, 0, len(w.steps))
		for _, s := range w.steps {
			rows = append(rows, fmt.Sprintf("| %s | %s | %d%% | %s |", md(s.Name), md(s.Status), s.Progress, md(s.EstimatedTime)))
		}
		rows, cut := fit(rows, left)
		table := "| Step | Status | Progress | Estimate |\n|---|---|---:|---|\n" + strings.Join(rows, "\n") + "\n"
		if cut > 0 {
			table += fmt.Sprintf("\n%d more steps are not shown: the job summary is limited to 1 MiB. See the log.\n", cut)
		}
		b.WriteString(table + "\n")
		left -= len(table) + 1
	}
	var msgs []string
	for _, m := range w.Operation.Messages {
		if t := inert(m.HTML); t != "" {
			msgs = append(msgs, fmt.Sprintf("- **Operation** · %s · %s", level(m.Level), md(t)))
		}
	}
	for _, s := range w.steps {
		for _, m := range s.Messages {
			if m.Text != "" {
				msgs = append(msgs, fmt.Sprintf("- **%s** · %s · %s", md(s.Name), m.Level, md(m.Text)))
			}
		}
	}
	if len(msgs) > 0 {
		msgs, cut := fit(msgs, left-64)
		if cut > 0 {
			msgs = append(msgs, fmt.Sprintf("- %d more messages are not shown: the job summary is limited to 1 MiB. All are in the log.", cut))
		}
		fmt.Fprintf(&b, "%s# Messages\n\n%s\n\n", h, strings.Join(msgs, "\n"))
	}
	if b.Len()+links.Len() <= budget {
		b.WriteString(links.String())
	}
	return b.String()
}
