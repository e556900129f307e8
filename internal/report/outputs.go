package report

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// maxOutputMessages bounds the messages kept per step in the steps output.
const maxOutputMessages = 50

// The runner allows 1 MB of outputs per job; this budget keeps a runaway
// operation (thousands of steps or messages) inside it, with room left for
// the job's other steps.
const stepsBudget = 256 << 10

// Result is one offer's entry in the `results` output.
type Result struct {
	Status         verdict.Status `json:"status"`
	OperationID    string         `json:"operation-id"`
	SubmissionID   string         `json:"submission-id"`
	StartedAt      string         `json:"started-at"`
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
		{"submission-id", p.SubmissionID},
		{"started-at", p.StartedAt},
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

// plainOutputs ends a run outside the runner with what a workflow would
// read: the status a condition compares against, and the ids.
func (r *Reporter) plainOutputs(outs [][2]string, views []view) {
	if !r.blank {
		r.print("")
	}
	for _, kv := range outs {
		switch kv[0] {
		case "status", "offer-id", "operation-id", "submission-id", "started-at":
			if kv[1] != "" || kv[0] == "status" {
				r.print(kv[0] + ": " + kv[1])
			}
		}
	}
	if len(views) > 1 {
		for _, w := range views {
			r.print(fmt.Sprintf("  %s: %s", w.OfferID, w.Status))
		}
	}
}

// result is the view's entry in `results`, and the primary's single-valued outputs.
func (w view) result() Result {
	started := ""
	if !w.StartedAt.IsZero() {
		started = w.StartedAt.UTC().Format(time.RFC3339)
	}
	return Result{
		Status: w.Status, OperationID: w.OperationID, SubmissionID: w.SubmissionID, StartedAt: started, BlockedStep: w.BlockedStep, FailedStep: w.FailedStep,
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

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "[]"
	}
	return string(b)
}
