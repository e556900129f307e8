package command

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/auth"
	"github.com/marketplace-gate/marketplace-gate/internal/ingestion"
	"github.com/marketplace-gate/marketplace-gate/internal/report"
	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// TestOwnEntryDecides replays cloudpub's recorded list: the preview entry
// running beside a live entry of the same id (/0) completed. Gating preview,
// the preview entry decides on every poll — also when GET submission/{p}/0
// answers with the live entry, which would pass a publish still running.
// Gating live, the live entry decides.
func TestOwnEntryDecides(t *testing.T) {
	list, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "captures", "pi-submission-list-preview-running-cloudpub.json"))
	if os.IsNotExist(err) {
		t.Skip("../shared/captures is not beside the repository (CI has it): the recorded list cannot be replayed")
	}
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Value []json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(list, &parsed); err != nil || len(parsed.Value) != 2 {
		t.Fatalf("the capture changed: %v", err)
	}
	const product = "ffffffff-ffff-ffff-ffff-ffffffffffff"
	// By id, the server answers with one of the two entries: the live one.
	byID := parsed.Value[0]
	if !strings.Contains(string(byID), `"live"`) {
		t.Fatalf("the capture's first entry is not the live one: %s", byID)
	}
	sc, _ := simulator.Lookup("publish")
	var byIDAsked, listAsked int
	sim := simulator.New(sc, simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/submission/"+product):
			listAsked++
			_, _ = w.Write(list)
		case strings.HasSuffix(r.URL.Path, "/submission/"+product+"/0"):
			byIDAsked++
			_, _ = w.Write(byID)
		default:
			return false
		}
		return true
	}))
	srv := sim.Start()
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL + simulator.IngestionPath)
	client := ingestion.New(base, simulator.IngestionVersion, auth.Static(sim.AuthorizeFor(simulator.GraphResource)))
	log := report.New(report.WithWriter(io.Discard), report.WithGetenv(func(string) string { return "" })).Subject("")
	since := time.Date(2024, 7, 4, 22, 0, 0, 0, time.UTC) // before both entries' created

	for target, want := range map[string]snapshot.State{"preview": snapshot.StateRunning, "live": snapshot.StateCompleted} {
		byIDAsked, listAsked = 0, 0
		p := &ingestionProduct{client: client, log: log, product: productRef{id: product}, target: target, since: since}
		for poll := range 3 {
			op, err := p.fetch(context.Background())
			if err != nil {
				t.Fatalf("%s, poll %d: %v", target, poll, err)
			}
			if st, _ := op.State(); st != want {
				t.Fatalf("%s, poll %d: %s (%s), want %s: the target's own entry decides", target, poll, st, op.SubmissionType, want)
			}
			if op.SubmissionType != target {
				t.Errorf("%s, poll %d: judged the %s entry", target, poll, op.SubmissionType)
			}
		}
		if p.followed != "submission/"+product+"/0" || byIDAsked != 2 {
			t.Errorf("%s: followed %q, %d requests by id; want /0 followed by id after the first poll", target, p.followed, byIDAsked)
		}
	}
	// A bound after both entries: neither is this publish's, so nothing is followed.
	p := &ingestionProduct{client: client, log: log, product: productRef{id: product}, target: "preview", since: since.Add(time.Hour)}
	if op, err := p.fetch(context.Background()); err != nil || p.followed != "" || op.Status != string(snapshot.StateNotStarted) {
		t.Errorf("after the bound: followed %q, status %q, %v", p.followed, op.Status, err)
	}
}
