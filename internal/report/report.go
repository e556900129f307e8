// Package report is the only place that prints: it turns snapshots into log
// lines and annotations while polling, and a verdict into outputs and the job
// summary at the end. Inside the runner it speaks workflow commands; outside
// it prints plain, readable lines.
package report

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
)

// maxAnnotationsPerLevel matches what the runner shows per kind and step;
// anything beyond goes to the log and the summary only.
const maxAnnotationsPerLevel = 10

// Reporter renders one gate run.
type Reporter struct {
	act      *githubactions.Action
	out      io.Writer
	getenv   func(string) string
	runner   bool
	annotate config.Annotate
	start    time.Time

	secrets   []string
	seen      map[string]bool   // messages already shown, by step and text
	steps     map[string]string // last status line shown per step
	opStatus  string
	unknown   map[string]bool // unknown statuses already warned about
	retried   map[string]int  // transient errors already reported, with counts
	annotated map[string]int  // annotations issued per level
	overflow  int             // messages past the annotation cap
}

// Option configures a Reporter.
type Option func(*Reporter)

// WithWriter sets where log lines and workflow commands go (stdout).
func WithWriter(w io.Writer) Option { return func(r *Reporter) { r.out = w } }

// WithGetenv sets how the environment is read (GITHUB_ACTIONS, GITHUB_OUTPUT, …).
func WithGetenv(g func(string) string) Option { return func(r *Reporter) { r.getenv = g } }

// WithAnnotate sets the lowest message level that becomes an annotation.
func WithAnnotate(a config.Annotate) Option { return func(r *Reporter) { r.annotate = a } }

// New returns a Reporter; by default it writes to stdout and annotates warnings and errors.
func New(opts ...Option) *Reporter {
	r := &Reporter{
		out:       os.Stdout,
		getenv:    os.Getenv,
		annotate:  config.AnnotateWarning,
		seen:      map[string]bool{},
		steps:     map[string]string{},
		unknown:   map[string]bool{},
		retried:   map[string]int{},
		annotated: map[string]int{},
	}
	for _, o := range opts {
		o(r)
	}
	r.runner = r.getenv("GITHUB_ACTIONS") == "true"
	r.start = time.Now()
	r.act = githubactions.New(githubactions.WithWriter(r.out), githubactions.WithGetenv(r.getenv))
	return r
}

// SetAnnotate changes the annotation threshold once the config is known.
func (r *Reporter) SetAnnotate(a config.Annotate) { r.annotate = a }

// Mask hides a secret: the runner replaces it with *** in the log, and this
// reporter scrubs it from everything it writes, outputs and summary included.
func (r *Reporter) Mask(secret string) {
	if secret == "" {
		return
	}
	for _, s := range r.secrets {
		if s == secret {
			return
		}
	}
	r.secrets = append(r.secrets, secret)
	if r.runner {
		r.act.AddMask(secret)
	}
}

// scrub replaces every known secret in s.
func (r *Reporter) scrub(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, "***")
	}
	return s
}

// Logf prints one plain line of the gate's own; args are made inert.
func (r *Reporter) Logf(format string, args ...any) {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = inert(s)
		}
	}
	r.line(fmt.Sprintf(format, args...))
}

// line writes a finished line. Outside the runner (which timestamps every
// line) it is prefixed with the time since the start, so the log reads as a
// timeline.
func (r *Reporter) line(s string) {
	if !r.runner && s != "" {
		s = fmt.Sprintf("[%6s] %s", fmtElapsed(time.Since(r.start)), s)
	}
	r.print(s)
}

// print writes a plain line, secrets scrubbed. A line the runner would read
// as a command (it trims leading white space, then looks for "::") gets a
// word joiner first: a step named "::error::x" shows as is but commands nothing.
func (r *Reporter) print(s string) {
	s = r.scrub(s)
	if t := strings.TrimLeft(s, " \t"); strings.HasPrefix(t, "::") {
		i := len(s) - len(t)
		s = s[:i] + "\u2060" + s[i:]
	}
	fmt.Fprintln(r.out, s)
}

// fmtElapsed renders a duration as m:ss or h:mm:ss.
func fmtElapsed(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%d:%02d", m, sec)
}

// debugf is shown in the runner only with step debug logging on.
func (r *Reporter) debugf(format string, args ...any) {
	if r.runner {
		r.act.Debugf("%s", r.scrub(inert(fmt.Sprintf(format, args...))))
	}
}

// Snapshot logs what changed since the last snapshot: the operation's status,
// each step's status and progress, and every message not shown before. New
// messages come after the status lines, most important first, so that the
// runner's annotation cap keeps what the user must act on.
func (r *Reporter) Snapshot(op *cpp.Operation, poll int) {
	r.debugf("poll %d: operation %s", poll, op.Status)
	// Compare rendered (normalised) states: "Running" after "running" is no change.
	if st := r.status(op.Status, "the operation"); st != r.opStatus {
		r.opStatus = st
		r.Logf("Operation is %s", st)
	}
	var news []news
	for _, m := range op.Messages {
		news = r.fresh(news, "Operation", "", m, "", 1)
	}
	for i := range op.Steps {
		s := &op.Steps[i]
		line := fmt.Sprintf("%s: %s, %d%%", inert(s.Title()), r.status(s.Status, "step "+s.Title()), s.ProgressPercentage)
		if s.EstimatedTimeFrame != "" {
			line += ", estimated " + inert(s.EstimatedTimeFrame)
		}
		prev, shown := r.steps[s.ID]
		if prev != line {
			r.steps[s.ID] = line
			// A step first seen not started is no news; its start will be.
			if st, _ := s.State(); shown || st != cpp.StateNotStarted || s.ProgressPercentage != 0 {
				r.line(line)
			}
		}
		force, rank := "", 1
		switch st, _ := s.State(); st {
		case cpp.StateBlocked:
			force, rank = "error", 0 // a blocked step's messages are what the user must fix
		case cpp.StateFailed:
			rank = 0
		}
		for _, m := range s.Messages {
			news = r.fresh(news, s.Title(), s.ID, m, force, rank)
		}
	}
	sort.SliceStable(news, func(i, j int) bool {
		if a, b := levelRank(news[i].lvl), levelRank(news[j].lvl); a != b {
			return a < b
		}
		return news[i].rank < news[j].rank
	})
	for _, n := range news {
		r.notify(n.lvl, n.title, n.text)
	}
}

// news is a message not shown before; rank 0 marks a blocked or failed step's.
type news struct {
	lvl, title, text string
	rank             int
}

func levelRank(lvl string) int {
	switch lvl {
	case "error":
		return 0
	case "warning":
		return 1
	}
	return 2
}

// status renders a status, warning once about one this tool does not know.
func (r *Reporter) status(raw, whose string) string {
	st, ok := cpp.ParseState(raw)
	if ok {
		return string(st)
	}
	text := inert(raw)
	if raw != "" && !r.unknown[raw] {
		r.unknown[raw] = true
		r.notify("warning", "marketplace-gate", fmt.Sprintf("Unknown status %q for %s: still waiting", text, inert(whose)))
	}
	if text == "" {
		return "(no status)"
	}
	return text
}

// fresh appends m to ns unless it was shown before (by step and text).
// force raises its level (a blocked step's messages are errors).
func (r *Reporter) fresh(ns []news, title, stepID string, m cpp.Message, force string, rank int) []news {
	lvl := level(m.Level)
	if force != "" {
		lvl = force
	}
	text := inert(m.HTML)
	if text == "" {
		return ns
	}
	key := stepID + "\x00" + text
	if r.seen[key] {
		return ns
	}
	r.seen[key] = true
	return append(ns, news{lvl: lvl, title: title, text: text, rank: rank})
}

// notify shows one message: as an ::error/::warning/::notice annotation
// titled with title when the runner is there, the level reaches the annotate
// input and the runner's per-kind cap is not reached; as a plain line
// otherwise. Every message is in the log either way. One slot per kind is
// kept for the verdict (see Finish), so it always shows.
func (r *Reporter) notify(lvl, title, text string) {
	r.emit(lvl, title, text, maxAnnotationsPerLevel-1)
}

func (r *Reporter) emit(lvl, title, text string, limit int) {
	title, text = r.scrub(inert(title)), r.scrub(text)
	if strings.TrimSpace(title) == "" {
		title = "marketplace-gate" // a step with neither name nor id
	}
	if !r.runner || !r.annotates(lvl) || r.annotated[lvl] >= limit {
		if r.runner && r.annotates(lvl) {
			r.overflow++
		}
		r.line(fmt.Sprintf("%s: %s: %s", title, lvl, text))
		return
	}
	r.annotated[lvl]++
	a := r.act.WithFieldsMap(map[string]string{"title": title})
	switch lvl {
	case "error":
		a.Errorf("%s", text)
	case "warning":
		a.Warningf("%s", text)
	default:
		a.Noticef("%s", text)
	}
}

func (r *Reporter) annotates(lvl string) bool {
	switch lvl {
	case "error":
		return r.annotate >= config.AnnotateError
	case "warning":
		return r.annotate >= config.AnnotateWarning
	}
	return r.annotate >= config.AnnotateInformation
}

// Retrying reports a transient failure once per distinct error; repeats go
// to the debug log only, so a flapping API does not flood the log.
func (r *Reporter) Retrying(err error, wait time.Duration) {
	msg := inert(err.Error())
	r.retried[msg]++
	if r.retried[msg] > 1 {
		r.debugf("again (%d times): %s; retrying in %s", r.retried[msg], msg, wait.Round(time.Millisecond))
		return
	}
	r.line(fmt.Sprintf("Retrying in %s: %s", wait.Round(time.Millisecond), msg))
}
