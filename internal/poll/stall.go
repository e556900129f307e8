package poll

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// stallWatch notices an operation that says nothing new: it keeps a
// fingerprint of the last snapshot and the time it last changed.
type stallWatch struct {
	after time.Duration // <= 0: off
	seen  bool
	sum   uint64
	since time.Time
}

// see records a snapshot that arrived at now and reports whether nothing in
// the operation has changed for w.after. The first snapshot is a change.
func (w *stallWatch) see(op *snapshot.Operation, now time.Time) (stalled bool) {
	if w.after <= 0 {
		return false
	}
	if sum := fingerprint(op); !w.seen || sum != w.sum {
		w.seen, w.sum, w.since = true, sum, now
		return false
	}
	return now.Sub(w.since) >= w.after
}

// limit shortens wait so that the next poll comes at the stall point at the
// latest: a stall is reported on time, not up to max-interval late. Once past
// that point (fetches were failing), the schedule's wait stands: the next
// snapshot decides, and polling at once would spin.
func (w *stallWatch) limit(wait time.Duration, now time.Time) time.Duration {
	if w.after <= 0 || !w.seen {
		return wait
	}
	if left := w.since.Add(w.after).Sub(now); left > 0 && left < wait {
		return left
	}
	return wait
}

// err explains a stall in one sentence; the caller adds what to do.
func (w *stallWatch) err(op *snapshot.Operation, now time.Time) error {
	// Rounded, since the real clock's microseconds past the stall point are
	// noise; never below stall-after, which may be under a second.
	d := max(now.Sub(w.since).Round(time.Second), w.after)
	where := "the operation is " + stateText(op.Status)
	if s := stuckStep(op); s != nil {
		where = fmt.Sprintf("it is stuck at step %s (%s, %d%%)", s.Title(), stateText(s.Status), s.ProgressPercentage)
	}
	return fmt.Errorf("nothing in the operation changed for %s (since %s): %s", d, w.since.UTC().Format(time.RFC3339), where)
}

// stuckStep is the step work is stuck at: the first one under way (or in a
// state we do not know), else the first not completed, else nil.
func stuckStep(op *snapshot.Operation) *snapshot.Step {
	for i := range op.Steps {
		switch st, _ := op.Steps[i].State(); st {
		case snapshot.StateRunning, snapshot.StateWaitingApproval, snapshot.StateWaitingReview, snapshot.StateUnknown:
			return &op.Steps[i]
		}
	}
	for i := range op.Steps {
		if st, _ := op.Steps[i].State(); st != snapshot.StateCompleted {
			return &op.Steps[i]
		}
	}
	return nil
}

// stateText is a status as users should read it: normalised where known.
func stateText(status string) string {
	if st, ok := snapshot.ParseState(status); ok {
		return string(st)
	}
	if status == "" {
		return string(snapshot.StateUnknown)
	}
	return status
}

// fingerprint hashes what counts as news in an operation: its status, its
// messages, and each step's id, status, progress, estimated time frame and
// messages, steps in order. Statuses are normalised, so a respelling is no
// change (unknown ones are taken raw); message timestamps are left out, so a
// message re-stamped is none either. Every string is length-prefixed and
// every list counted, so no two different operations encode alike.
func fingerprint(op *snapshot.Operation) uint64 {
	b := appendState(nil, op.Status)
	b = appendMessages(b, op.Messages)
	b = binary.AppendUvarint(b, uint64(len(op.Steps)))
	for i := range op.Steps {
		s := &op.Steps[i]
		b = appendString(b, s.ID)
		b = appendState(b, s.Status)
		b = binary.AppendVarint(b, int64(s.ProgressPercentage))
		b = appendString(b, s.EstimatedTimeFrame)
		b = appendMessages(b, s.Messages)
	}
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// appendState tags known and raw statuses apart, so an unknown status can
// never pass for a known one.
func appendState(b []byte, status string) []byte {
	if st, ok := snapshot.ParseState(status); ok {
		return appendString(append(b, 'k'), string(st))
	}
	return appendString(append(b, 'r'), status)
}

func appendMessages(b []byte, ms snapshot.Messages) []byte {
	b = binary.AppendUvarint(b, uint64(len(ms)))
	for _, m := range ms {
		b = appendString(appendString(b, m.HTML), m.Level)
	}
	return b
}
