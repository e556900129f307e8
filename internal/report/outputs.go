package report

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// maxOutputMessages bounds the messages kept per step in the steps output.
const maxOutputMessages = 50

// outputsBudget bounds all outputs of one gate step together, measured as
// the runner approximates output sizes: in UTF-16, two bytes a unit. The
// runner puts no limit on a step's outputs, but a job's may total 1 MB
// (GitHub docs, "Outputs can be a maximum of 1 MB per job"), and workflows
// map results and the rest into job outputs: a quarter leaves room for the
// job's other steps and gates.
const outputsBudget = 256 << 10

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
	// An image release's facts; left out otherwise.
	ImageVersion string   `json:"image-version,omitempty"`
	SKUIDs       []string `json:"sku-ids,omitempty"`
	ImageURNs    []string `json:"image-urns,omitempty"`
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

// outputs lists every output, in action.yml order, within outputsBudget,
// and says what it cut to fit ("" if nothing). Values are single-line: the
// library writes them with a fixed heredoc delimiter, so a raw newline from
// the server must never reach one (JSON escapes them). Each is scrubbed once
// more after encoding, and measured as written.
func (r *Reporter) outputs(views []view) ([][2]string, string) {
	w := primary(views)
	var out [][2]string
	var c cut
	for _, c = range cuts {
		results := map[string]Result{}
		for _, v := range views {
			results[v.OfferID] = v.result(c)
		}
		p := w.result(c)
		out = [][2]string{
			{"status", string(p.Status)},
			{"operation-id", p.OperationID},
			{"submission-id", p.SubmissionID},
			{"started-at", p.StartedAt},
			{"image-version", p.ImageVersion},
			{"sku-ids", r.encode(nonNil(p.SKUIDs))},
			{"image-urns", r.encode(nonNil(p.ImageURNs))},
			{"offer-id", w.OfferID},
			{"blocked-step", p.BlockedStep},
			{"failed-step", p.FailedStep},
			{"steps", "[]"},
			{"preview-links", r.encode(p.PreviewLinks)},
			{"live-links", r.encode(p.LiveLinks)},
			{"polls", strconv.Itoa(p.Polls)},
			{"elapsed-seconds", strconv.Itoa(p.ElapsedSeconds)},
			{"results", r.encode(results)},
		}
		for i := range out {
			out[i][1] = r.scrub(out[i][1])
		}
		if size(out) <= outputsBudget {
			break
		}
	}
	// The steps output is cut first: it gets what the others leave.
	steps, kept := r.boundSteps(w.steps, outputsBudget-size(out)+outputSize("steps", "[]"))
	out[slices.IndexFunc(out, func(kv [2]string) bool { return kv[0] == "steps" })][1] = steps
	var said []string
	if kept.steps < len(w.steps) {
		said = append(said, fmt.Sprintf("steps keeps %d of %d steps", kept.steps, len(w.steps)))
	}
	if kept.messages < maxOutputMessages && slices.ContainsFunc(w.steps, func(s StepOut) bool { return len(s.Messages) > kept.messages }) {
		if kept.messages == 0 {
			said = append(said, "steps keeps no messages")
		} else {
			said = append(said, fmt.Sprintf("steps keeps %d messages a step at most", kept.messages))
		}
	}
	said = append(said, c.says()...)
	if len(said) == 0 {
		return out, ""
	}
	return out, fmt.Sprintf("Outputs cut to stay within 256 KiB (as the runner counts them, in UTF-16; a job's outputs may total 1 MB): %s. The log and the job summary have everything.", strings.Join(said, "; "))
}

// cut is how much of the results, ids and links the outputs keep.
type cut struct {
	message int  // UTF-16 units kept of each results message; 0: all
	noLinks bool // links left out (results, preview-links, live-links)
	id      int  // UTF-16 units kept of each id from the server; 0: all
	bare    bool // results keep each target's status only
}

// cuts go from none to the most: messages are shortened, then links go,
// then runaway ids are shortened; results always keep every target's
// status. Past the first, the steps output is already cut to nothing.
var cuts = []cut{{}, {message: 1000}, {message: 200}, {message: 200, noLinks: true}, {message: 100, noLinks: true, id: 100}, {bare: true, noLinks: true, id: 100}}

func (c cut) says() []string {
	var said []string
	switch {
	case c.bare:
		said = append(said, "results keeps each target's status only")
	case c.message > 0:
		said = append(said, fmt.Sprintf("each results message cut to %d characters", c.message))
	}
	if c.noLinks {
		said = append(said, "links left out of results, preview-links and live-links")
	}
	if c.id > 0 {
		said = append(said, fmt.Sprintf("ids longer than %d characters cut", c.id))
	}
	return said
}

// size is the outputs' total as the runner approximates it.
func size(out [][2]string) int {
	n := 0
	for _, kv := range out {
		n += outputSize(kv[0], kv[1])
	}
	return n
}

// outputSize is an output's size in UTF-16, two bytes a unit: the name and
// the value.
func outputSize(name, value string) int { return 2 * (units(name) + units(value)) }

// plainOutputs ends a run outside the runner with what a workflow would
// read: the status a condition compares against, and the ids.
func (r *Reporter) plainOutputs(outs [][2]string, views []view) {
	if !r.blank {
		r.print("")
	}
	image := slices.ContainsFunc(outs, func(kv [2]string) bool { return kv[0] == "image-version" && kv[1] != "" })
	for _, kv := range outs {
		switch kv[0] {
		case "status", "offer-id", "operation-id", "submission-id", "started-at":
			if kv[1] != "" || kv[0] == "status" {
				r.print(kv[0] + ": " + kv[1])
			}
		case "image-version", "sku-ids", "image-urns":
			if image {
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

// result is the view's entry in `results`, and the primary's single-valued
// outputs, cut as c says.
func (w view) result(c cut) Result {
	started := ""
	if !w.StartedAt.IsZero() {
		started = w.StartedAt.UTC().Format(time.RFC3339)
	}
	id := func(s string) string {
		if c.id > 0 {
			return cutUnits(s, c.id)
		}
		return s
	}
	res := Result{
		Status: w.Status, OperationID: id(w.OperationID), SubmissionID: id(w.SubmissionID), StartedAt: started, BlockedStep: id(w.BlockedStep), FailedStep: id(w.FailedStep),
		PreviewLinks: w.preview, LiveLinks: w.live, Polls: w.Polls, ElapsedSeconds: int(w.Elapsed.Round(time.Second) / time.Second),
		Message:      w.headline,
		ImageVersion: w.ImageVersion, SKUIDs: w.SKUIDs, ImageURNs: w.ImageURNs,
	}
	if c.message > 0 {
		res.Message = cutUnits(res.Message, c.message)
	}
	if c.noLinks {
		res.PreviewLinks, res.LiveLinks = []string{}, []string{}
	}
	if c.bare {
		res = Result{Status: w.Status, PreviewLinks: []string{}, LiveLinks: []string{}}
	}
	return res
}

// keptSteps is what boundSteps kept: steps, and messages per step.
type keptSteps struct{ steps, messages int }

// boundSteps renders steps as JSON whose output size is within budget:
// messages per step are cut to 50, then 10, 1 and none; if that is not
// enough, trailing steps go.
func (r *Reporter) boundSteps(steps []StepOut, budget int) (string, keptSteps) {
	capped := make([]StepOut, len(steps))
	fits := func(ss []StepOut) (string, bool) {
		text := r.encode(ss)
		return text, outputSize("steps", text) <= budget
	}
	var keep int
	for _, keep = range []int{maxOutputMessages, 10, 1, 0} {
		for i, s := range steps {
			s.Messages = s.Messages[:min(len(s.Messages), keep)]
			capped[i] = s
		}
		if text, ok := fits(capped); ok {
			return text, keptSteps{len(steps), keep}
		}
	}
	// Still too big with no messages: keep the longest prefix that fits.
	n := sort.Search(len(capped), func(n int) bool { _, ok := fits(capped[:n+1]); return !ok })
	text, _ := fits(capped[:n])
	return text, keptSteps{n, keep}
}

// nonNil is ss, or an empty list for none: a JSON array output is [] then.
func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// encode is v as JSON, scrubbed.
func (r *Reporter) encode(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "[]"
	}
	return r.scrub(string(b))
}
