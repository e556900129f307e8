package ingestion_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/apitime"
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
	ctx := context.Background()
	if _, err := c.JobDetail(ctx, simulator.JobID); err == nil || !strings.Contains(err.Error(), "HTTP 400") {
		t.Errorf("the detail of a running job should be refused: %v", err)
	}
	var seen []snapshot.State
	for range simulator.JobCompletesAt + 1 {
		st, err := c.JobStatus(ctx, simulator.JobID)
		if err != nil {
			t.Fatal(err)
		}
		if st.JobID != simulator.JobID {
			t.Fatalf("jobId %q not read", st.JobID)
		}
		if _, ok := st.Started(); !ok {
			t.Errorf("jobStart %q not read", st.JobStart)
		}
		op := st.Snapshot()
		if len(op.Steps) != 1 || op.Steps[0].ID != ingestion.JobStep {
			t.Fatalf("steps = %+v", op.Steps)
		}
		seen = append(seen, state(t, op))
	}
	// The detail call above observed the job too: it completes a poll early.
	if got := strings.Join(states(seen), ","); got != "running,running,running,running,completed,completed" {
		t.Errorf("states %s", got)
	}
	resources, err := c.JobDetail(ctx, simulator.JobID)
	if err != nil {
		t.Fatal(err)
	}
	var named bool
	for _, r := range resources {
		named = named || r.ID == simulator.InFlightSubmissionID
	}
	if !named {
		t.Errorf("detail resources %+v do not name %s", resources, simulator.InFlightSubmissionID)
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
	for _, tc := range []struct {
		scenario string
		want     []string
	}{
		// Certification fails on the submission, its report in the details.
		{"failed", []string{"badRequest: ", "(resource " + simulator.InFlightSubmissionID + ")", "; certificationError: No virtual machine image was found for the plan contoso."}},
		// Business validation fails on the draft before any submission exists.
		{"rejected", []string{"badRequest: ", "(resource " + simulator.DraftSubmissionID + ")", "; businessValidationError: Plan contoso-gen2 has no technical configuration"}},
	} {
		c, _ := newClient(t, tc.scenario, simulator.GraphResource)
		var op snapshot.Operation
		for range simulator.JobCompletesAt + 1 {
			st, err := c.JobStatus(context.Background(), simulator.JobID)
			if err != nil {
				t.Fatal(err)
			}
			op = st.Snapshot()
		}
		if state(t, op) != snapshot.StateFailed {
			t.Fatalf("%s: state %v, want failed", tc.scenario, op.Status)
		}
		msgs := op.Steps[0].Messages
		if len(msgs) != 1 || msgs[0].Level != "error" {
			t.Fatalf("%s: messages = %+v", tc.scenario, msgs)
		}
		for _, want := range tc.want {
			if !strings.Contains(msgs[0].HTML, want) {
				t.Errorf("%s: message %q lacks %q", tc.scenario, msgs[0].HTML, want)
			}
		}
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

// TestFailedJobAnyShape: job errors' details come as an array, {}, null or
// not at all, at any depth, and times in any form: the failed job is read as
// failed on the poll that shows it, each error an error message carrying
// every message of its tree. Before, details {} failed the decode and the
// gate waited to its timeout.
func TestFailedJobAnyShape(t *testing.T) {
	const head = `{"jobId":"j","jobStatus":"completed","jobResult":"failed",`
	for name, tc := range map[string]struct {
		body string
		want []string
	}{
		"details {}":            {head + `"errors":[{"code":"internalServerError","message":"Certification failed.","details":{}}]}`, []string{"internalServerError: Certification failed."}},
		"details null":          {head + `"errors":[{"code":"conflict","message":"m","details":null}]}`, []string{"conflict: m"}},
		"details missing":       {head + `"errors":[{"code":"Conflict","message":"The start date should be defined"}]}`, []string{"Conflict: The start date should be defined"}},
		"details {} two deep":   {head + `"errors":[{"code":"a","message":"m","details":[{"code":"b","message":"n","details":{}}]}]}`, []string{"a: m; b: n"}},
		"details one object":    {head + `"errors":[{"code":"a","message":"m","details":{"code":"invalidState","message":"Certification"}}]}`, []string{"a: m; invalidState: Certification"}},
		"errors one object":     {head + `"errors":{"code":"a","message":"m"}}`, []string{"a: m"}},
		"errors {}":             {head + `"errors":{}}`, nil},
		"errors null":           {head + `"errors":null}`, nil},
		"two errors":            {head + `"errors":[{"code":"a","message":"one"},{"code":"b","message":"two","resourceId":"plan/p/x"}]}`, []string{"a: one", "b: two (resource plan/p/x)"}},
		"odd times":             {head + `"jobStart":"2022-03-01-preview2T13:32:43Z","jobEnd":0,"errors":[{"message":"x"}]}`, []string{"x"}},
		"unset end, zoneless":   {head + `"jobStart":"2022-06-13T09:59:34.3049612","jobEnd":"0001-01-01T00:00:00","errors":[{"message":"y"}]}`, []string{"y"}},
		"date-only end, object": {head + `"jobStart":{"t":1},"jobEnd":"0001-01-01","errors":["z"]}`, []string{"z"}},
	} {
		st, err := ingestion.DecodeJobStatus([]byte(tc.body))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		op := st.Snapshot()
		if s, _ := op.State(); s != snapshot.StateFailed {
			t.Errorf("%s: state %q, want failed", name, op.Status)
		}
		msgs := op.Steps[0].Messages
		if len(msgs) != len(tc.want) {
			t.Errorf("%s: messages %+v, want %q", name, msgs, tc.want)
			continue
		}
		for i, m := range msgs {
			if m.Level != "error" || m.HTML != tc.want[i] {
				t.Errorf("%s: message %d is %s %q, want error %q", name, i, m.Level, m.HTML, tc.want[i])
			}
		}
	}
	// Each message names the resource its error concerns: its own
	// resourceId, else the first its details name.
	st, _ := ingestion.DecodeJobStatus([]byte(head + `"errors":[{"code":"a","message":"own","resourceId":"listing/p/x","details":[{"resourceId":"plan/p/y"}]},` +
		`{"code":"b","message":"wrapper","details":[{"message":"d"},{"details":[{"code":"c","resourceId":"plan/p/z"}]}]},{"message":"none"}]}`))
	var refs []string
	for _, m := range st.Snapshot().Steps[0].Messages {
		refs = append(refs, m.Ref)
	}
	if strings.Join(refs, ",") != "listing/p/x,plan/p/z," {
		t.Errorf("message refs %q; want each error's resource", refs)
	}
	// The message's time: the end when set, else the start, shown in UTC.
	st, _ = ingestion.DecodeJobStatus([]byte(head + `"jobStart":"2022-06-13T09:59:34.3049612","jobEnd":"0001-01-01T00:00:00","errors":["e"]}`))
	if ts := st.Snapshot().Steps[0].Messages[0].Timestamp; ts != "2022-06-13T09:59:34.3049612Z" {
		t.Errorf("message time %q, want the start in UTC", ts)
	}
	if _, ok := st.Started(); !ok {
		t.Error("a zoneless jobStart is not read")
	}
	st, _ = ingestion.DecodeJobStatus([]byte(head + `"jobStart":"2022-03-01-preview2T13:32:43Z","errors":[]}`))
	if at, ok := st.Started(); ok || !at.IsZero() {
		t.Errorf("a broken jobStart read as %v", at)
	}
}

func running(s ingestion.Submission) ingestion.Submission {
	s.Status, s.Result = "running", "pending"
	return s
}

func TestNewestSubmission(t *testing.T) {
	sub := func(id, target, created string) ingestion.Submission {
		var s ingestion.Submission
		s.ID, s.Target.TargetType, s.Created, s.Status, s.Result = id, target, apitime.Time(created), "completed", "succeeded"
		return s
	}
	draft := sub("0", "draft", "")
	oldLive := sub("live-1", "live", "2026-10-02T21:46:01.179948Z")
	preview := sub("preview-2", "preview", "2026-11-21T09:02:11.0000000Z")
	olderPreview := sub("preview-1", "preview", "2026-11-20T09:02:11Z")
	since := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		subs   []ingestion.Submission
		target string
		since  time.Time
		want   string
	}{
		"newest preview, whatever the order": {[]ingestion.Submission{draft, preview, oldLive, olderPreview}, "preview", time.Time{}, "preview-2"},
		"live":                               {[]ingestion.Submission{draft, oldLive, preview}, "live", time.Time{}, "live-1"},
		"preview stood for by live":          {[]ingestion.Submission{draft, oldLive}, "preview", time.Time{}, "live-1"},
		"target spelled Preview":             {[]ingestion.Submission{sub("x", "Preview", "2026-11-21T09:00:00Z")}, "preview", time.Time{}, "x"},
		"unreadable dates: the later listed": {[]ingestion.Submission{sub("a", "preview", "?"), sub("b", "preview", "")}, "preview", time.Time{}, "b"},
		"nothing for live":                   {[]ingestion.Submission{draft, preview}, "live", time.Time{}, ""},
		"draft only":                         {[]ingestion.Submission{draft}, "preview", time.Time{}, ""},
		// since: an earlier publish's submission is no proof of this one.
		"since: the new preview":               {[]ingestion.Submission{draft, oldLive, olderPreview, preview}, "preview", since, "preview-2"},
		"since: only earlier ones":             {[]ingestion.Submission{draft, oldLive, olderPreview}, "preview", since, ""},
		"since: live older too":                {[]ingestion.Submission{draft, oldLive}, "live", since, ""},
		"since: exactly at the bound":          {[]ingestion.Submission{sub("at", "preview", "2026-11-21T09:00:00Z")}, "preview", since, "at"},
		"since: the fallback obeys it":         {[]ingestion.Submission{draft, oldLive}, "preview", since, ""},
		"since: a new live stands for preview": {[]ingestion.Submission{draft, sub("new-live", "live", "2026-11-21T10:00:00Z")}, "preview", since, "new-live"},
		"since: undated does not count":        {[]ingestion.Submission{sub("a", "preview", "?"), sub("b", "preview", "")}, "preview", since, ""},
		"since: another time zone":             {[]ingestion.Submission{sub("tz", "preview", "2026-11-21T10:30:00+01:00")}, "preview", since, "tz"},
		// Times as the live service sends them: a zoneless one is UTC and reads;
		// the unset sentinel, a date alone before the bound, or a broken one prove nothing.
		"since: zoneless is UTC":       {[]ingestion.Submission{sub("utc", "preview", "2026-11-21T09:00:00.1234")}, "preview", since, "utc"},
		"since: zoneless, just before": {[]ingestion.Submission{sub("utc", "preview", "2026-11-21T08:59:59.9999999")}, "preview", since, ""},
		"since: unset and broken":      {[]ingestion.Submission{sub("a", "preview", "0001-01-01T00:00:00"), sub("b", "preview", "0001-01-01"), sub("c", "preview", "2022-03-01-preview2T13:32:43Z")}, "preview", since, ""},
		// The target's own entry decides: a live entry of the same id (a
		// go-live leaves both on one submission; cloudpub's list reuses /0)
		// that completed says nothing of the preview still running.
		"since: own entry beside live of its id": {[]ingestion.Submission{sub("x", "live", "2026-11-21T10:00:00Z"), running(sub("x", "preview", "2026-11-21T10:00:00Z"))}, "preview", since, "x/preview"},
		"since: own entry undated, same id":      {[]ingestion.Submission{sub("x", "live", "2026-11-21T10:00:00Z"), running(sub("x", "preview", "?"))}, "preview", since, "x/preview"},
		"since: own entry older, same id":        {[]ingestion.Submission{running(sub("x", "preview", "2026-11-01T10:00:00Z")), sub("x", "live", "2026-11-21T10:00:00Z")}, "preview", since, "x/preview"},
		"since: live stands in, other id":        {[]ingestion.Submission{running(sub("y", "preview", "2026-11-01T10:00:00Z")), sub("x", "live", "2026-11-21T10:00:00Z")}, "preview", since, "x/live"},
	} {
		got, ok := ingestion.Newest(tc.subs, tc.target, tc.since)
		if tc.since.IsZero() {
			// Unbounded, the list is only described: Newest proves nothing.
			if _, proved := ingestion.Newest(tc.subs, tc.target, tc.since); proved {
				t.Errorf("%s: Newest without a bound picked a submission", name)
			}
			got, ok = ingestion.Latest(tc.subs, tc.target)
		}
		id := got.ID
		if strings.Contains(tc.want, "/") {
			id += "/" + got.Target.TargetType
		}
		if ok != (tc.want != "") || id != tc.want {
			t.Errorf("%s: got %q (%v), want %q", name, id, ok, tc.want)
		}
	}
}

func TestSubmissionsAndProductLookup(t *testing.T) {
	c, sim := newClient(t, "failed", simulator.GraphResource)
	ctx := context.Background()
	products, err := c.ProductsByExternalID(ctx, simulator.Offer)
	if err != nil || len(products) != 1 || products[0].DurableID() != simulator.ProductID {
		t.Fatalf("products = %+v, %v", products, err)
	}
	if none, err := c.ProductsByExternalID(ctx, "no-such-offer"); err != nil || len(none) != 0 {
		t.Fatalf("unknown external id: %+v, %v", none, err)
	}
	// The list pages (two entries a page): every page is read, the history's
	// and, once it appears, the new submission's.
	var ids []string
	for range simulator.JobCompletesAt {
		subs, err := c.Submissions(ctx, simulator.ProductID)
		if err != nil {
			t.Fatal(err)
		}
		ids = ids[:0]
		for _, s := range subs {
			ids = append(ids, s.ID)
		}
	}
	want := []string{simulator.DraftSubmissionID, simulator.HistoryLiveID, simulator.HistoryPreviewID, simulator.InFlightSubmissionID}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("submissions %v; want %v", ids, want)
	}
	if pages := sim.Count("GET", "/submission/"); pages <= simulator.JobCompletesAt {
		t.Errorf("%d list requests for %d lists: @nextLink was not followed", pages, simulator.JobCompletesAt)
	}
	for _, r := range sim.Requests() {
		if strings.Contains(r.Path, "/submission/") && !strings.Contains(r.Query, "$version="+simulator.IngestionVersion) {
			t.Errorf("page request %s?%s lacks $version", r.Path, r.Query)
		}
	}
	ref, ok := ingestion.ParseSubmissionID(simulator.InFlightSubmissionID)
	if !ok {
		t.Fatalf("%s does not parse", simulator.InFlightSubmissionID)
	}
	sub, err := c.Submission(ctx, ref.Product, ref.Number)
	if err != nil || sub.ID != simulator.InFlightSubmissionID {
		t.Fatalf("GET one submission: %+v, %v", sub, err)
	}
	if op := sub.Snapshot(); state(t, op) != snapshot.StateFailed || op.Steps[0].ID != "preview" || len(op.Steps[0].Messages) != 1 {
		t.Fatalf("final snapshot = %+v", op)
	}
	_, err = c.Submissions(ctx, "00000000-0000-4000-8000-000000000000")
	var apiErr *apihttp.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || !strings.Contains(err.Error(), "job or product does not exist") {
		t.Errorf("unknown product: %v", err)
	}
}

// TestNextLinkNeverLeavesTheAPI: only @nextLink's query is taken, on our
// own URL, so a link to another host never receives the token; a link
// without a paging token, or one that never ends, is an error, not a loop.
func TestNextLinkNeverLeavesTheAPI(t *testing.T) {
	for name, tc := range map[string]struct {
		link, want string
	}{
		"another host":    {"https://evil.example/steal?$skipToken=2", ""},
		"no paging token": {"https://graph.microsoft.com/rp/product-ingestion/submission/p?$version=x", "carries no paging token"},
		"endless":         {"https://graph.microsoft.com/x?$skipToken=1", "past 50 pages"},
	} {
		var pages atomic.Int32
		sc, _ := simulator.Lookup("publish")
		sim := simulator.New(sc, simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
			n := pages.Add(1)
			link := tc.link
			if name == "another host" && n > 1 {
				link = ""
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"value":[{"id":"submission/p/%d","target":{"targetType":"preview"}}],"@nextLink":%q}`, n, link)
			return true
		}))
		srv := sim.Start()
		base, _ := url.Parse(srv.URL + simulator.IngestionPath)
		c := ingestion.New(base, simulator.IngestionVersion, graphTokens{sim, simulator.GraphResource})
		subs, err := c.Submissions(context.Background(), simulator.ProductID)
		srv.Close()
		switch {
		case tc.want == "" && (err != nil || len(subs) != 2):
			t.Errorf("%s: %d submissions, %v; want both pages, from our own host", name, len(subs), err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v; want an error saying %q", name, err, tc.want)
		}
		if name == "another host" {
			if q := sim.Requests()[1].Query; !strings.Contains(q, "$skipToken=2") || !strings.HasPrefix(q, "$version=") {
				t.Errorf("second page asked with %q; want our $version and the link's token", q)
			}
		}
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
