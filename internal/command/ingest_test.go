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
		// Live: followed by id after the first poll. Preview: the answer by
		// id is the live entry, so from then on the list alone is read, one
		// request a poll (the API allows one status request a minute).
		wantByID, wantList := 2, 1
		if target == "preview" {
			wantByID, wantList = 1, 3
		}
		if p.followed != "submission/"+product+"/0" || byIDAsked != wantByID || listAsked != wantList {
			t.Errorf("%s: followed %q, %d requests by id and %d lists over 3 polls; want /0, %d and %d", target, p.followed, byIDAsked, listAsked, wantByID, wantList)
		}
	}
	// A bound after both entries: neither is this publish's, so nothing is followed.
	p := &ingestionProduct{client: client, log: log, product: productRef{id: product}, target: "preview", since: since.Add(time.Hour)}
	if op, err := p.fetch(context.Background()); err != nil || p.followed != "" || op.Status != string(snapshot.StateNotStarted) {
		t.Errorf("after the bound: followed %q, status %q, %v", p.followed, op.Status, err)
	}
}

// TestLostGoLiveFindsOnlyANewLiveEntry: a go-live whose answer was lost is
// found by its live entry, which keeps the id the preview was listed under
// before the request. Only a live entry counts that was not listed before
// and was created since the bound: not a live entry listed before (one made
// within the clock allowance included), not an old one, not a preview.
func TestLostGoLiveFindsOnlyANewLiveEntry(t *testing.T) {
	const product = simulator.ProductID
	now := time.Now().UTC()
	since := now.Add(-5 * time.Minute) // the start's bound: its send less the clock allowance
	entry := func(number, target, status string, created time.Time) string {
		return `{"id":"submission/` + product + `/` + number + `","target":{"targetType":"` + target + `"},"status":"` + status + `","result":"succeeded","created":"` + created.Format(time.RFC3339Nano) + `"}`
	}
	previewX := entry("100", "preview", "completed", now.Add(-time.Hour))
	liveY := entry("90", "live", "completed", now.Add(-2*time.Minute)) // after the bound, but listed before
	before := []string{previewX, liveY}
	for name, tc := range map[string]struct {
		after    []string
		followed string
	}{
		"the go-live's live entry on the preview's id": {[]string{previewX, liveY, entry("100", "live", "running", now)}, "submission/" + product + "/100"},
		"only what was listed before":                  {before, ""},
		"a live entry of that id created before since": {[]string{previewX, liveY, entry("100", "live", "completed", now.Add(-time.Hour))}, ""},
		"a new preview entry":                          {[]string{previewX, liveY, entry("110", "preview", "running", now)}, ""},
	} {
		var list string
		sc, _ := simulator.Lookup("publish")
		sim := simulator.New(sc, simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
			if !strings.HasSuffix(r.URL.Path, "/submission/"+product) {
				return false
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(list))
			return true
		}))
		srv := sim.Start()
		base, _ := url.Parse(srv.URL + simulator.IngestionPath)
		client := ingestion.New(base, simulator.IngestionVersion, auth.Static(sim.AuthorizeFor(simulator.GraphResource)))
		list = `{"value":[` + strings.Join(before, ",") + `]}`
		subs, err := client.Submissions(context.Background(), product)
		if err != nil {
			t.Fatal(err)
		}
		var known []string
		for _, s := range subs {
			known = append(known, s.Key())
		}
		list = `{"value":[` + strings.Join(tc.after, ",") + `]}`
		log := report.New(report.WithWriter(io.Discard), report.WithGetenv(func(string) string { return "" })).Subject("")
		p := &ingestionProduct{client: client, log: log, product: productRef{id: product}, target: "live", since: since,
			unsure: "the publish may not have started", known: known}
		if _, err := p.fetch(context.Background()); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.followed != tc.followed {
			t.Errorf("%s: followed %q; want %q", name, p.followed, tc.followed)
		}
		srv.Close()
	}
}
