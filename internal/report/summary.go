package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// The runner drops a step summary over 1 MiB whole; this budget keeps a
// runaway operation (thousands of steps or messages) inside it, with room
// left for the job's other steps.
const summaryBudget = 1<<20 - 32<<10

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
	if w.SubmissionID != "" && w.SubmissionID != w.OperationID {
		facts = append(facts, "submission `"+w.SubmissionID+"`")
	}
	if !w.StartedAt.IsZero() {
		facts = append(facts, "started "+w.StartedAt.UTC().Format(time.RFC3339))
	}
	facts = append(facts, fmt.Sprintf("%d polls", w.Polls), "waited "+w.Elapsed.Round(time.Second).String())
	fmt.Fprintf(&b, "%s\n\n", strings.Join(facts, " · "))

	if !w.watched {
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
	for _, m := range w.messages {
		msgs = append(msgs, fmt.Sprintf("- **Operation** · %s · %s", m.Level, md(m.Text)))
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
		verdict.Running: "⏳", verdict.Stalled: "🧊", verdict.DryRun: "🧪",
	}[s]
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
