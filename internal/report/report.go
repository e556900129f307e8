// Package report is the only place that prints: it turns snapshots into log
// lines and annotations while polling, and a verdict into outputs and the job
// summary at the end. Inside the runner it speaks workflow commands; outside
// it prints plain, readable lines.
package report

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// Annotation limits. The runner records 10 annotations per kind and step and
// cuts a message past 4096 UTF-16 units, in the log too (ExecutionContext.cs);
// a job shows at most 50 annotations in all (toolkit docs/problem-matchers.md).
// A job may run several gates, so each keeps to a small share, its verdicts
// included; what is not annotated is in the log and the summary.
const (
	maxAnnotations = 10 // per gate step, every kind and the verdicts together
	// maxVerdicts bounds the slots kept for verdicts when several offers are
	// watched: past it, one annotation sums up the rest.
	maxVerdicts        = 5
	maxAnnotationUnits = 4096 // of the message as the runner decodes it
	// maxTitleUnits bounds a title, and a step name in a headline: names come
	// from the server, and a runaway one must not crowd out the message.
	maxTitleUnits = 256
)

// Reporter renders one gate run.
type Reporter struct {
	act      *githubactions.Action
	out      io.Writer
	getenv   func(string) string
	runner   bool
	annotate config.Annotate
	start    time.Time

	// mu serialises everything below and all output: several subjects may
	// report from their own goroutines.
	mu        sync.Mutex
	secrets   []string          // as masked
	scrubber  *strings.Replacer // every form of every secret → ***
	annotated int               // annotations issued, every kind
	minor     int               // of which warnings and notices
	overflow  int               // messages past the annotation cap
	verdicts  int               // named subjects: offers that each get a verdict
	main      *Subject          // the unnamed subject of a one-offer gate
	blank     bool              // the last line printed was empty
	// locate says where a message's Ref lies in the user's files; nil:
	// nowhere (see SetLocator).
	locate func(ref string) (file string, line int, ok bool)
}

// place is where in the user's files a message points: a path relative to
// the workspace and a 1-based line (0: the file as a whole); no file: none.
type place struct {
	file string
	line int
}

// prefix is the place as a plain line gives it, file:line: before the text.
func (p place) prefix() string {
	switch {
	case p.file == "":
		return ""
	case p.line > 0:
		return fmt.Sprintf("%s:%d: ", p.file, p.line)
	}
	return p.file + ": "
}

// Option configures a Reporter.
type Option func(*Reporter)

// WithWriter sets where log lines and workflow commands go (stdout).
func WithWriter(w io.Writer) Option { return func(r *Reporter) { r.out = w } }

// WithGetenv sets how the environment is read (GITHUB_ACTIONS, GITHUB_OUTPUT, RUNNER_TEMP, …).
func WithGetenv(g func(string) string) Option { return func(r *Reporter) { r.getenv = g } }

// WithAnnotate sets the lowest message level that becomes an annotation.
func WithAnnotate(a config.Annotate) Option { return func(r *Reporter) { r.annotate = a } }

// New returns a Reporter; by default it writes to stdout and annotates warnings and errors.
func New(opts ...Option) *Reporter {
	r := &Reporter{
		out:      os.Stdout,
		getenv:   os.Getenv,
		annotate: config.AnnotateWarning,
	}
	r.main = r.Subject("")
	for _, o := range opts {
		o(r)
	}
	r.runner = isRunner(r.getenv)
	r.start = time.Now()
	r.act = githubactions.New(githubactions.WithWriter(r.out), githubactions.WithGetenv(r.getenv))
	return r
}

// isRunner tells whether the GitHub runner runs the gate. GITHUB_ACTIONS is
// set only on docker's command line, so a step run by container hooks (ARC's
// kubernetes mode) lacks it; the file-command and temp variables are there
// either way. Missing the runner would lose masks and annotations.
func isRunner(getenv func(string) string) bool {
	return getenv("GITHUB_ACTIONS") == "true" || getenv("GITHUB_OUTPUT") != "" || getenv("RUNNER_TEMP") != ""
}

// SetLocator tells the reporter where the messages' Refs lie in the user's
// files (the resources of configure-file), so that their annotations carry
// file= and line= and show on that line of a pull request's diff.
func (r *Reporter) SetLocator(locate func(ref string) (file string, line int, ok bool)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.locate = locate
}

// placeOf is where ref lies; none when there is no locator or it names
// nothing there. r.mu must be held.
func (r *Reporter) placeOf(ref string) place {
	if r.locate == nil || ref == "" {
		return place{}
	}
	file, line, ok := r.locate(ref)
	if !ok {
		return place{}
	}
	return place{file: file, line: line}
}

// SetAnnotate changes the annotation threshold once the config is known.
func (r *Reporter) SetAnnotate(a config.Annotate) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.annotate = a
}

// Snapshot reports a snapshot of a one-offer gate's operation (see Subject).
func (r *Reporter) Snapshot(op *snapshot.Operation, poll int) { r.main.Snapshot(op, poll) }

// Retrying reports a transient failure of a one-offer gate (see Subject).
func (r *Reporter) Retrying(err error, wait time.Duration) { r.main.Retrying(err, wait) }

// Logf prints one plain line of the gate's own; args are made inert.
func (r *Reporter) Logf(format string, args ...any) { r.main.Logf(format, args...) }

// Warn shows a warning of the gate's own (an input that is valid but
// unwise): an annotation in the runner, a line outside it.
func (r *Reporter) Warn(text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notify("warning", "marketplace-gate", inert(text), place{})
}

// Mask hides a secret: the runner replaces it with *** in the log, and this
// reporter scrubs it from everything it writes, outputs and summary included.
func (r *Reporter) Mask(secret string) {
	if secret == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.secrets {
		if s == secret {
			return
		}
	}
	r.secrets = append(r.secrets, secret)
	var forms []string
	for _, s := range r.secrets {
		forms = append(forms, secretForms(s)...)
	}
	// Longest first: at one place the first form that matches wins, so a
	// secret inside a longer one does not leave the rest of it.
	sort.SliceStable(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, "***")
	}
	r.scrubber = strings.NewReplacer(pairs...)
	if r.runner {
		r.act.AddMask(secret)
	}
}

// secretForms are the ways a secret can come back: as is, each of its lines
// (the runner masks those too), and encoded by a server or proxy (percent-
// encoded as a query, a path or byte by byte in either hex case; JSON- and
// HTML-escaped). Text is scrubbed before it is escaped, so the forms the
// gate's own escaping makes never arise; these catch what arrived encoded,
// and serve as a last check after escaping.
func secretForms(secret string) []string {
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret), html.EscapeString(secret), md(secret)}
	if b, err := json.Marshal(secret); err == nil {
		forms = append(forms, string(b[1:len(b)-1]))
	}
	var upper, lower strings.Builder
	for _, c := range []byte(secret) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			upper.WriteByte(c)
			lower.WriteByte(c)
			continue
		}
		fmt.Fprintf(&upper, "%%%02X", c)
		fmt.Fprintf(&lower, "%%%02x", c)
	}
	forms = append(forms, upper.String(), lower.String())
	if strings.ContainsAny(secret, "\r\n") {
		for _, l := range strings.FieldsFunc(secret, func(c rune) bool { return c == '\r' || c == '\n' }) {
			if l = strings.TrimSpace(l); l != "" {
				forms = append(forms, l)
			}
		}
	}
	seen := map[string]bool{}
	out := forms[:0]
	for _, f := range forms {
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// scrub replaces every known secret in s, in any of its forms.
func (r *Reporter) scrub(s string) string {
	if r.scrubber == nil {
		return s
	}
	return r.scrubber.Replace(s)
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
	r.blank = s == ""
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

// news is a message not shown before; rank 0 marks a blocked or failed step's.
type news struct {
	lvl, title, text string
	rank             int
	at               place
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

// notify shows one message: as an ::error/::warning/::notice annotation
// titled with title when the runner is there, the level reaches the annotate
// input and the gate's share is not used up; as a plain line otherwise.
// Every message is in the log either way. Slots are kept for the verdicts
// (see Finish), so they always show, and warnings and notices may take half
// of the rest at most, so that errors of later polls still show.
func (r *Reporter) notify(lvl, title, text string, at place) {
	slots := maxAnnotations - r.verdictSlots()
	r.emit(lvl, title, text, at, r.annotated < slots && (lvl == "error" || r.minor < slots/2))
}

// verdictSlots is how many annotations are kept for verdicts: one per offer,
// up to maxVerdicts.
func (r *Reporter) verdictSlots() int { return min(max(1, r.verdicts), maxVerdicts) }

// emit shows one message, as an annotation if room allows. An annotation is
// cut to what the runner keeps, the start kept; the log then has it whole.
// A message with a place is annotated there (file= and line=: the runner
// shows it on that line of a pull request's diff); a plain line gives the
// place before the text.
func (r *Reporter) emit(lvl, title, text string, at place, room bool) {
	title, text = r.scrub(inert(title)), r.scrub(text)
	at.file = r.scrub(inertPath(at.file))
	if strings.TrimSpace(title) == "" {
		title = "marketplace-gate" // a step with neither name nor id
	}
	if !r.runner || !r.annotates(lvl) || !room {
		if r.runner && r.annotates(lvl) {
			r.overflow++
		}
		r.line(fmt.Sprintf("%s: %s: %s%s", title, lvl, at.prefix(), text))
		return
	}
	r.annotated++
	if lvl != "error" {
		r.minor++
	}
	msg := cutUnits(text, maxAnnotationUnits)
	fields := map[string]string{"title": cutUnits(title, maxTitleUnits)}
	if at.file != "" {
		fields["file"] = at.file
		if at.line > 0 {
			fields["line"] = strconv.Itoa(at.line)
		}
	}
	a := r.act.WithFieldsMap(fields)
	switch lvl {
	case "error":
		a.Errorf("%s", msg)
	case "warning":
		a.Warningf("%s", msg)
	default:
		a.Noticef("%s", msg)
	}
	if msg != text {
		r.line(fmt.Sprintf("%s: %s (whole): %s%s", title, lvl, at.prefix(), text))
	}
}

func (r *Reporter) annotates(lvl string) bool {
	switch lvl {
	case "error":
		return r.annotate >= config.AnnotateError
	case "warning":
		return r.annotate >= config.AnnotateWarning
	case "notice":
		// The gate's own notice (nothing was sent, as it is all done
		// already) is annotated unless annotations are off.
		return r.annotate > config.AnnotateNone
	}
	return r.annotate >= config.AnnotateInformation
}
