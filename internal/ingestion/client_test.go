package ingestion_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/ingestion"
	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// graphTokens hands out simulator tokens for one audience.
type graphTokens struct {
	sim      *simulator.Server
	resource string
}

func (t graphTokens) Token(context.Context) (string, error) {
	return t.sim.AuthorizeFor(t.resource), nil
}
func (graphTokens) Refresh() {}

func newClient(t *testing.T, scenario, resource string) (*ingestion.Client, *simulator.Server) {
	t.Helper()
	sc, ok := simulator.Lookup(scenario)
	if !ok {
		t.Fatalf("no scenario %q", scenario)
	}
	sim := simulator.New(sc)
	srv := sim.Start()
	t.Cleanup(srv.Close)
	base, err := url.Parse(srv.URL + simulator.IngestionPath)
	if err != nil {
		t.Fatal(err)
	}
	return ingestion.New(base, simulator.IngestionVersion, graphTokens{sim, resource}), sim
}

func state(t *testing.T, op snapshot.Operation) snapshot.State {
	t.Helper()
	st, ok := op.State()
	if !ok {
		t.Fatalf("status %q is not a known state", op.Status)
	}
	return st
}

func TestJobPlaysToSuccess(t *testing.T) {
	c, _ := newClient(t, "publish", simulator.GraphResource)
	var seen []snapshot.State
	for range 4 {
		st, err := c.JobStatus(context.Background(), simulator.JobID)
		if err != nil {
			t.Fatal(err)
		}
		if st.JobID != simulator.JobID {
			t.Fatalf("jobID %q not read (the docs spell it jobID)", st.JobID)
		}
		op := st.Snapshot()
		if len(op.Steps) != 1 || op.Steps[0].ID != ingestion.JobStep {
			t.Fatalf("steps = %+v", op.Steps)
		}
		seen = append(seen, state(t, op))
	}
	want := []snapshot.State{snapshot.StateNotStarted, snapshot.StateRunning, snapshot.StateRunning, snapshot.StateCompleted}
	if strings.Join(states(seen), ",") != strings.Join(states(want), ",") {
		t.Errorf("states %v, want %v", seen, want)
	}
}

func states(ss []snapshot.State) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

func TestFailedJobErrorsBecomeMessages(t *testing.T) {
	c, _ := newClient(t, "failed", simulator.GraphResource)
	var op snapshot.Operation
	for range 4 {
		st, err := c.JobStatus(context.Background(), simulator.JobID)
		if err != nil {
			t.Fatal(err)
		}
		op = st.Snapshot()
	}
	if state(t, op) != snapshot.StateFailed {
		t.Fatalf("state %v, want failed", op.Status)
	}
	msgs := op.Steps[0].Messages
	if len(msgs) != 2 || msgs[0].Level != "error" {
		t.Fatalf("messages = %+v", msgs)
	}
	for _, want := range []string{"businessValidationError: ", "no technical configuration", "; missingImage: Plan contoso-gen2"} {
		if !strings.Contains(msgs[0].HTML, want) {
			t.Errorf("first message %q lacks %q", msgs[0].HTML, want)
		}
	}
	if msgs[1].HTML != "schemaValidationError: listing: summary must be at most 100 characters" {
		t.Errorf("second message %q", msgs[1].HTML)
	}
}

func TestDecodeJobStatusTolerance(t *testing.T) {
	for name, tc := range map[string]struct {
		body, id, state, first string
	}{
		"jobId, as the private-offer pages spell it": {`{"jobId":"a","jobStatus":"running","jobResult":"pending","errors":[]}`, "a", "running", ""},
		"jobID, as the ingestion page spells it":     {`{"jobID":"b","jobStatus":"completed","jobResult":"succeeded"}`, "b", "completed", ""},
		"errors as plain strings":                    {`{"jobId":"c","jobStatus":"completed","jobResult":"failed","errors":["bad <plan>"]}`, "c", "failed", "bad &lt;plan&gt;"},
		"cancelled":                                  {`{"jobId":"d","jobStatus":"completed","jobResult":"cancelled"}`, "d", "canceled", ""},
		"completed, result not yet set":              {`{"jobId":"e","jobStatus":"completed","jobResult":"pending"}`, "e", "running", ""},
	} {
		st, err := ingestion.DecodeJobStatus([]byte(tc.body))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		op := st.Snapshot()
		if st.JobID != tc.id || op.Status != tc.state {
			t.Errorf("%s: id %q status %q; want %q %q", name, st.JobID, op.Status, tc.id, tc.state)
		}
		if tc.first != "" && (len(op.Steps[0].Messages) == 0 || op.Steps[0].Messages[0].HTML != tc.first) {
			t.Errorf("%s: messages %+v, want first %q (escaped: the reporter reads HTML)", name, op.Steps[0].Messages, tc.first)
		}
	}
	st, _ := ingestion.DecodeJobStatus([]byte(`{"jobId":"f","jobStatus":"completed","jobResult":"exploded"}`))
	if op := st.Snapshot(); op.Status != "exploded" {
		t.Errorf("an unknown result should stay visible, got %q", op.Status)
	}
	for _, body := range []string{`{}`, `<html>`, `[]`, ``} {
		if _, err := ingestion.DecodeJobStatus([]byte(body)); err == nil {
			t.Errorf("%q decoded without error", body)
		}
	}
}

func TestNewestSubmission(t *testing.T) {
	sub := func(id, target, created string) ingestion.Submission {
		var s ingestion.Submission
		s.ID, s.Target.TargetType, s.Created, s.Status, s.Result = id, target, created, "completed", "succeeded"
		return s
	}
	draft := sub("0", "draft", "")
	oldLive := sub("live-1", "live", "2026-10-02T21:46:01.179948Z")
	preview := sub("preview-2", "preview", "2026-11-21T09:02:11.0000000Z")
	olderPreview := sub("preview-1", "preview", "2026-11-20T09:02:11Z")
	for name, tc := range map[string]struct {
		subs   []ingestion.Submission
		target string
		want   string
	}{
		"newest preview, whatever the order": {[]ingestion.Submission{draft, preview, oldLive, olderPreview}, "preview", "preview-2"},
		"live":                               {[]ingestion.Submission{draft, oldLive, preview}, "live", "live-1"},
		"preview stood for by live":          {[]ingestion.Submission{draft, oldLive}, "preview", "live-1"},
		"target spelled Preview":             {[]ingestion.Submission{sub("x", "Preview", "2026-11-21T09:00:00Z")}, "preview", "x"},
		"unreadable dates: the later listed": {[]ingestion.Submission{sub("a", "preview", "?"), sub("b", "preview", "")}, "preview", "b"},
		"nothing for live":                   {[]ingestion.Submission{draft, preview}, "live", ""},
		"draft only":                         {[]ingestion.Submission{draft}, "preview", ""},
	} {
		got, ok := ingestion.Newest(tc.subs, tc.target)
		if ok != (tc.want != "") || got.ID != tc.want {
			t.Errorf("%s: got %q (%v), want %q", name, got.ID, ok, tc.want)
		}
	}
}

func TestSubmissionsAndProductLookup(t *testing.T) {
	c, _ := newClient(t, "failed", simulator.GraphResource)
	ctx := context.Background()
	products, err := c.ProductsByExternalID(ctx, simulator.Offer)
	if err != nil || len(products) != 1 || products[0].DurableID() != simulator.ProductID {
		t.Fatalf("products = %+v, %v", products, err)
	}
	if none, err := c.ProductsByExternalID(ctx, "no-such-offer"); err != nil || len(none) != 0 {
		t.Fatalf("unknown external id: %+v, %v", none, err)
	}
	var op snapshot.Operation
	for range 5 {
		subs, err := c.Submissions(ctx, simulator.ProductID)
		if err != nil {
			t.Fatal(err)
		}
		sub, ok := ingestion.Newest(subs, "preview")
		if !ok {
			t.Fatalf("no preview submission in %+v", subs)
		}
		op = sub.Snapshot()
	}
	if state(t, op) != snapshot.StateFailed || op.Steps[0].ID != "preview" || len(op.Steps[0].Messages) != 1 {
		t.Fatalf("final snapshot = %+v", op)
	}
	_, err = c.Submissions(ctx, "00000000-0000-4000-8000-000000000000")
	var apiErr *apihttp.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || !strings.Contains(err.Error(), "job or product does not exist") {
		t.Errorf("unknown product: %v", err)
	}
}

func TestCPPTokenIsRefused(t *testing.T) {
	c, _ := newClient(t, "publish", simulator.CPPResource)
	_, err := c.JobStatus(context.Background(), simulator.JobID)
	var apiErr *apihttp.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Transient() {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "https://graph.microsoft.com") {
		t.Errorf("the 401 should say which audience the token needs: %v", err)
	}
}

func TestCancelJob(t *testing.T) {
	c, _ := newClient(t, "publish", simulator.GraphResource)
	ctx := context.Background()
	st, err := c.CancelJob(ctx, simulator.JobID)
	if err != nil || st.JobResult != "cancelled" {
		t.Fatalf("cancel: %+v, %v", st, err)
	}
	if _, err := c.CancelJob(ctx, simulator.JobID); err == nil || !strings.Contains(err.Error(), "HTTP 400") {
		t.Errorf("cancelling a finished job should be refused with 400, got %v", err)
	}
}

func TestURL(t *testing.T) {
	base, _ := url.Parse("https://graph.microsoft.com/rp/product-ingestion/")
	c := ingestion.New(base, "2022-03-01-preview2", nil)
	if got, want := c.URL(nil, "configure", "a/b?c", "status"), "https://graph.microsoft.com/rp/product-ingestion/configure/a%2Fb%3Fc/status?$version=2022-03-01-preview2"; got != want {
		t.Errorf("URL = %s, want %s", got, want)
	}
	if got, want := c.URL(url.Values{"externalId": {"x&y"}}, "product"), "https://graph.microsoft.com/rp/product-ingestion/product?$version=2022-03-01-preview2&externalId=x%26y"; got != want {
		t.Errorf("URL = %s, want %s", got, want)
	}
}
