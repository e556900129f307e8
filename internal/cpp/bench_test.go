package cpp

import (
	"encoding/json"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot/snapshottest"
)

// BenchmarkDecodeOperation decodes a 50-step operation with 3 messages a
// step, wrapped in the array the API sends: the work of every poll.
func BenchmarkDecodeOperation(b *testing.B) {
	body, err := json.Marshal([]snapshot.Operation{snapshottest.Operation(50, 3)})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		op, err := DecodeOperation(body)
		if err != nil || len(op.Steps) != 50 {
			b.Fatalf("decoded %d steps, %v", len(op.Steps), err)
		}
	}
}
