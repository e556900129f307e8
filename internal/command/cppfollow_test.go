package command

import (
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
)

// TestPickReadsAZonelessChangedTime: the live list sends changedTime
// without a zone (2022-06-02T12:25:56.651); it is UTC and counts against
// since like any other, and an unreadable one never does.
func TestPickReadsAZonelessChangedTime(t *testing.T) {
	since := time.Date(2022, 6, 2, 12, 0, 0, 0, time.UTC)
	const id = "0f2b7a40-3c56-4a9e-9d41-1c2d3e4f5a6b"
	for changedTime, want := range map[string]bool{
		"2022-06-02T12:25:56.651":       true,
		"2022-06-02T12:25:56.6513Z":     true,
		"2022-06-02T11:25:56.651":       false, // before since
		"2022-06-02-preview2T12:25:56Z": false, // unreadable: no proof
		"0001-01-01T00:00:00":           false,
	} {
		subs := []cpp.Submission{{ID: id, SubmissionType: "publish", SubmissionState: "completed", ChangedTime: changedTime}}
		sub, found, err := pick(subs, since)
		if err != nil || found != want || found && sub.ID != id {
			t.Errorf("changedTime %s: found %v (%q), err %v; want found %v", changedTime, found, sub.ID, err, want)
		}
	}
}
