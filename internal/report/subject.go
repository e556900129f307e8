package report

import (
	"fmt"
	"sort"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// Subject reports on one offer's operation while it is polled: what changed
// since its last snapshot, and its transient failures. A gate watching
// several offers has one per offer, named after it, each used from its own
// goroutine; their lines and annotations say which offer they are about.
type Subject struct {
	r        *Reporter
	name     string            // the offer; "" in a one-offer gate
	seen     map[string]bool   // messages already shown, by step and text
	texts    map[string]string // server text → inert text: the same messages come back every poll
	steps    map[string]string // last status line shown per step
	opStatus string
	unknown  map[string]bool // unknown statuses already warned about
	// occurrences counts step ids within one snapshot; kept between
	// snapshots so that a poll does not allocate it anew.
	occurrences map[string]int
	retried     map[string]int // transient errors already reported, with counts
}

// Subject returns a new subject named name (an offer id).
func (r *Reporter) Subject(name string) *Subject {
	if name != "" {
		r.mu.Lock()
		r.verdicts++
		r.mu.Unlock()
	}
	return &Subject{r: r, name: name, seen: map[string]bool{}, texts: map[string]string{}, steps: map[string]string{}, occurrences: map[string]int{}, unknown: map[string]bool{}, retried: map[string]int{}}
}

// Logf prints one plain line of the gate's own about this subject; args are made inert.
func (s *Subject) Logf(format string, args ...any) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.logf(format, args...)
}

// Warn shows a warning of the gate's own about this subject (a check that
// was skipped): an annotation in the runner, a line outside it.
func (s *Subject) Warn(text string) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.r.notify("warning", s.title("marketplace-gate"), inert(text), place{})
}

func (s *Subject) logf(format string, args ...any) {
	for i, a := range args {
		if str, ok := a.(string); ok {
			args[i] = inert(str)
		}
	}
	s.line(fmt.Sprintf(format, args...))
}

// line prints a line, prefixed with the offer when there are several.
func (s *Subject) line(text string) {
	if s.name != "" {
		text = "[" + s.name + "] " + text
	}
	s.r.line(text)
}

// title names an annotation: the step, and the offer when there are several.
func (s *Subject) title(t string) string {
	if s.name == "" {
		return t
	}
	return s.name + " · " + t
}

// Snapshot logs what changed since the last snapshot: the operation's status,
// each step's status and progress, and every message not shown before. New
// messages come after the status lines, most important first, so that the
// gate's small annotation share (see notify) keeps what the user must act on.
func (s *Subject) Snapshot(op *snapshot.Operation, poll int) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.r.debugf("poll %d: operation %s", poll, op.Status)
	// Compare rendered (normalised) states: "Running" after "running" is no change.
	if st := s.status(op.Status, "the operation"); st != s.opStatus {
		s.opStatus = st
		s.logf("Operation is %s", st)
	}
	var news []news
	for _, m := range op.Messages {
		news = s.fresh(news, "Operation", "", m, "", 1)
	}
	// A go-live can list two steps with one id ("live": one complete, one
	// running); each keeps its own line, told apart by its place among them.
	clear(s.occurrences)
	occurrences := s.occurrences
	for i := range op.Steps {
		step := &op.Steps[i]
		state, _ := step.State()
		key := step.ID
		if n := occurrences[step.ID]; n > 0 {
			key = fmt.Sprintf("%s\x00%d", step.ID, n)
		}
		occurrences[step.ID]++
		line := fmt.Sprintf("%s: %s, %d%%", s.inert(step.Title()), s.status(step.Status, "step "+step.Title()), step.ProgressPercentage)
		if step.EstimatedTimeFrame != "" {
			line += ", estimated " + s.inert(step.EstimatedTimeFrame)
		}
		prev, shown := s.steps[key]
		if prev != line {
			s.steps[key] = line
			// A step first seen not started is no news; its start will be.
			if shown || state != snapshot.StateNotStarted || step.ProgressPercentage != 0 {
				s.line(line)
			}
		}
		force, rank := "", 1
		switch state {
		case snapshot.StateBlocked, snapshot.StateRejected:
			force, rank = "error", 0 // a blocked or rejected step's messages are what the user must fix
		case snapshot.StateFailed:
			rank = 0
		}
		for _, m := range step.Messages {
			news = s.fresh(news, step.Title(), step.ID, m, force, rank)
		}
	}
	sort.SliceStable(news, func(i, j int) bool {
		if a, b := levelRank(news[i].lvl), levelRank(news[j].lvl); a != b {
			return a < b
		}
		return news[i].rank < news[j].rank
	})
	for _, n := range news {
		s.r.notify(n.lvl, s.title(n.title), n.text, n.at)
	}
}

// status renders a status, warning once about one this tool does not know.
func (s *Subject) status(raw, whose string) string {
	st, ok := snapshot.ParseState(raw)
	if ok {
		return string(st)
	}
	text := inert(raw)
	if raw != "" && !s.unknown[raw] {
		s.unknown[raw] = true
		s.r.notify("warning", s.title("marketplace-gate"), fmt.Sprintf("Unknown status %q for %s: still waiting", text, inert(whose)), place{})
	}
	if text == "" {
		return "(no status)"
	}
	return text
}

// inert is the package's inert, remembered: rendering a message's HTML was
// a tenth of the CPU of a poll, and a poll mostly repeats the last one's text.
// The memory is bounded as seen's is, by the distinct texts of the run.
func (s *Subject) inert(raw string) string {
	text, ok := s.texts[raw]
	if !ok {
		text = inert(raw)
		s.texts[raw] = text
	}
	return text
}

// fresh appends m to ns unless it was shown before (by step and text).
// force raises its level (a blocked step's messages are errors).
func (s *Subject) fresh(ns []news, title, stepID string, m snapshot.Message, force string, rank int) []news {
	lvl := level(m.Level)
	if force != "" {
		lvl = force
	}
	text := s.inert(m.HTML)
	if text == "" {
		return ns
	}
	key := stepID + "\x00" + text
	if s.seen[key] {
		return ns
	}
	s.seen[key] = true
	return append(ns, news{lvl: lvl, title: title, text: text, rank: rank, at: s.r.placeOf(m.Ref)})
}

// Retrying reports a transient failure once per distinct error; repeats go
// to the debug log only, so a flapping API does not flood the log.
func (s *Subject) Retrying(err error, wait time.Duration) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	msg := inert(err.Error())
	s.retried[msg]++
	if s.retried[msg] > 1 {
		s.r.debugf("again (%d times): %s; retrying in %s", s.retried[msg], msg, wait.Round(time.Millisecond))
		return
	}
	s.line(fmt.Sprintf("Retrying in %s: %s", wait.Round(time.Millisecond), msg))
}
