// Package snapshottest builds large operations for benchmarks.
package snapshottest

import (
	"fmt"

	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// Operation is a running publish of steps steps, the first half done, each
// with msgs messages in HTML: the shape of a big real answer.
func Operation(steps, msgs int) snapshot.Operation {
	op := snapshot.Operation{ID: "5a63deb5-925b-4ee0-938b-7c86fbf287c5", Status: "running", SubmissionType: "Published"}
	for i := range steps {
		st := snapshot.Step{
			ID: fmt.Sprintf("step-%d", i), Name: fmt.Sprintf("Step %d", i),
			Description:        "Your offer is analyzed by our certification systems for issues.",
			Status:             "notStarted",
			EstimatedTimeFrame: "< 1 day",
		}
		switch {
		case i < steps/2:
			st.Status, st.ProgressPercentage = "complete", 100
		case i == steps/2:
			st.Status, st.ProgressPercentage = "running", 40
		}
		for j := range msgs {
			st.Messages = append(st.Messages, snapshot.Message{
				HTML:      fmt.Sprintf("Plan <b>contoso-gen%d</b> of step %d: see <a href=\"https://learn.microsoft.com/azure/virtual-machines/sizes\">current sizes</a>.", j, i),
				Level:     []string{"information", "warning", "error"}[j%3],
				Timestamp: "2026-11-21T09:00:00.0000000Z",
			})
		}
		op.Steps = append(op.Steps, st)
	}
	return op
}
