package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// The runner drops a step summary over 1 MiB whole; the limit is per step
// file (FileCommandManager.cs:223), so this budget is the gate step's alone,
// with a margin. It counts the bytes written: escaped and scrubbed.
const summaryBudget = 1<<20 - 32<<10

// summaryCut ends a summary cut to its budget. It starts a paragraph, so it
// cannot read as a row of a table left open.
const summaryCut = "\n\n*The job summary ends here: the runner drops one over 1 MiB. The log has everything.*\n"

// summary renders the job summary in Markdown: one section, or with several
// offers an overview table and a section per offer, sharing the budget.
func summary(views []view) string {
	if len(views) == 1 {
		return fitText(views[0].section("##", "Marketplace publish", summaryBudget), summaryBudget)
	}
	var b strings.Builder
	p := primary(views)
	noun := views[0].Noun() // one gate watches one kind
	fmt.Fprintf(&b, "## %s Marketplace publish: %s (%d %ss)\n\n| %s | Status | Operation | Polls |\n|---|---|---|---:|\n", icon(p.Status), p.Status, len(views), noun, capital(noun))
	for _, w := range views {
		fmt.Fprintf(&b, "| %s | %s %s | %s | %d |\n", code(w.OfferID, maxIDBytes), icon(w.Status), w.Status, code(w.OperationID, maxIDBytes), w.Polls)
	}
	b.WriteString("\n")
	each := (summaryBudget - b.Len()) / len(views)
	for _, w := range views {
		b.WriteString(fitText(w.section("###", capital(w.Noun())+" "+code(w.OfferID, maxIDBytes), each), each))
	}
	return fitText(b.String(), summaryBudget)
}

// Bounds of one piece of server text in the summary, in bytes as written: a
// runaway one must not crowd out the rest.
const (
	maxIDBytes   = 512  // an id in a table cell or the facts
	maxCellBytes = 1024 // a step table cell, or a step's name over its messages
	maxLinkBytes = 4096 // a link longer than this is left out: cut, it would lead elsewhere
)

// section renders one offer's verdict under a heading of level h, within
// budget bytes. Every string from the API is escaped, so it shows as text
// and cannot add markup.
func (w view) section(h, title string, budget int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s: %s\n\n", h, icon(w.Status), title, w.Status)
	fmt.Fprintf(&b, "%s\n\n", mdCut(w.headline, max(budget/4, 1024)))
	var facts []string
	if w.OfferID != "" {
		facts = append(facts, w.Noun()+" "+code(w.OfferID, maxIDBytes))
	}
	if w.OperationID != "" {
		facts = append(facts, "operation "+code(w.OperationID, maxIDBytes))
	}
	if w.SubmissionID != "" && w.SubmissionID != w.OperationID {
		facts = append(facts, "submission "+code(w.SubmissionID, maxIDBytes))
	}
	if !w.StartedAt.IsZero() {
		facts = append(facts, "started "+w.StartedAt.UTC().Format(time.RFC3339))
	}
	facts = append(facts, fmt.Sprintf("%d polls", w.Polls), "waited "+w.Elapsed.Round(time.Second).String())
	fmt.Fprintf(&b, "%s\n\n", strings.Join(facts, " · "))
	if image := w.imageFacts(); image != "" {
		fmt.Fprintf(&b, "%s\n\n", image)
	}

	if !w.watched {
		return b.String()
	}
	// The links and the verdict matter most; the step table and the messages
	// share what is left of the budget, the table half of it at most when
	// there are messages. A cell and a message are bounded: a runaway one
	// must not hide all the others.
	links := w.linkLists(h, budget/4)
	left := budget - b.Len() - len(links) - 512
	cell := min(maxCellBytes, max(128, budget/64))
	if len(w.steps) > 0 {
		rows := make([]string, 0, len(w.steps))
		for _, s := range w.steps {
			rows = append(rows, fmt.Sprintf("| %s | %s | %d%% | %s |", mdCut(s.Name, cell), mdCut(s.Status, cell), s.Progress, mdCut(s.EstimatedTime, cell)))
		}
		share := left
		if len(w.messages) > 0 || slices.ContainsFunc(w.steps, func(s StepOut) bool { return len(s.Messages) > 0 }) {
			share = left / 2
		}
		rows, cut := fit(rows, share)
		table := "| Step | Status | Progress | Estimate |\n|---|---|---:|---|\n" + strings.Join(rows, "\n") + "\n"
		if cut > 0 {
			table += fmt.Sprintf("\n%d more steps are not shown: the job summary is limited to 1 MiB. See the log.\n", cut)
		}
		b.WriteString(table + "\n")
		left -= len(table) + 1
	}
	lineCap := max(512, left/8)
	var msgs []string
	for _, m := range w.messages {
		msgs = append(msgs, "- **Operation** · "+m.Level+" · "+mdCut(m.Text, lineCap))
	}
	for _, s := range w.steps {
		for _, m := range s.Messages {
			if m.Text != "" {
				msgs = append(msgs, "- **"+mdCut(s.Name, cell)+"** · "+m.Level+" · "+mdCut(m.Text, lineCap))
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
	if b.Len()+len(links) <= budget {
		b.WriteString(links)
	}
	return b.String()
}

// imageFacts is an image release's line of the section: the version, the
// SKUs it went to and its URNs; "" for another verdict.
func (w view) imageFacts() string {
	if w.ImageVersion == "" {
		return ""
	}
	codes := func(ss []string) string {
		parts := make([]string, len(ss))
		for i, s := range ss {
			parts[i] = code(s, maxIDBytes)
		}
		return strings.Join(parts, ", ")
	}
	facts := []string{"image version " + code(w.ImageVersion, maxIDBytes)}
	if len(w.SKUIDs) > 0 {
		facts = append(facts, "SKUs "+codes(w.SKUIDs))
	}
	if len(w.ImageURNs) > 0 {
		facts = append(facts, "URNs "+codes(w.ImageURNs))
	}
	return strings.Join(facts, " · ")
}

// linkLists renders the preview and live links within budget bytes.
func (w view) linkLists(h string, budget int) string {
	var out strings.Builder
	for _, l := range []struct {
		title string
		urls  []string
	}{{"Preview links", w.preview}, {"Live links", w.live}} {
		var lines []string
		long := 0
		for _, u := range l.urls {
			if len(u) > maxLinkBytes {
				long++
				continue
			}
			lines = append(lines, fmt.Sprintf("- [%s](%s)", mdCut(u, maxLinkBytes), u))
		}
		if len(lines)+long == 0 {
			continue
		}
		lines, cut := fit(lines, budget-out.Len()-256)
		if cut += long; cut > 0 {
			lines = append(lines, fmt.Sprintf("- %d more links are not shown (too long, or past the job summary's 1 MiB). All are in the log.", cut))
		}
		fmt.Fprintf(&out, "%s# %s\n\n%s\n\n", h, l.title, strings.Join(lines, "\n"))
	}
	return out.String()
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

// fitText is Markdown s within budget bytes: whole when it fits, else cut at
// a line and ended with summaryCut. Sections are built within their budget;
// this makes sure of it, whatever escaping and scrubbing did.
func fitText(s string, budget int) string {
	if len(s) <= budget {
		return s
	}
	end := max(0, budget-len(summaryCut))
	if i := strings.LastIndexByte(s[:end], '\n'); i >= 0 {
		end = i
	} else {
		end = 0
	}
	return s[:end] + summaryCut
}

func icon(s verdict.Status) string {
	return map[verdict.Status]string{
		verdict.Completed: "✅", verdict.AwaitingSignoff: "👀", verdict.Failed: "❌", verdict.Blocked: "⛔",
		verdict.Canceled: "🚫", verdict.TimedOut: "⏱️", verdict.Interrupted: "✋", verdict.Error: "❌",
		verdict.Running: "⏳", verdict.Stalled: "🧊", verdict.DryRun: "🧪",
	}[s]
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
