package start_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/ingestion"
	"github.com/marketplace-gate/marketplace-gate/internal/poll"
	"github.com/marketplace-gate/marketplace-gate/internal/poll/polltest"
	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
	"github.com/marketplace-gate/marketplace-gate/internal/start"
)

type graphTokens struct{ sim *simulator.Server }

func (t graphTokens) Token(context.Context) (string, error) {
	return t.sim.AuthorizeFor(simulator.GraphResource), nil
}
func (graphTokens) Refresh() {}

// TestLostAnswerLooksOnlyForNewSubmissions: when the configure request's
// answer is lost, the submission to follow is looked for among those the
// product did not list before the request, created since it was sent (less
// an allowance for a runner clock ahead of the API's).
func TestLostAnswerLooksOnlyForNewSubmissions(t *testing.T) {
	sc, _ := simulator.Lookup("publish")
	sim := simulator.New(sc, simulator.WithIdle(), simulator.WithDropAfterStart())
	srv := sim.Start()
	defer srv.Close()
	base, _ := url.Parse(srv.URL + simulator.IngestionPath)
	clock := polltest.New()
	s := &start.Ingestion{Client: ingestion.New(base, simulator.IngestionVersion, graphTokens{sim}), Kind: config.StartPublish, Version: simulator.IngestionVersion}
	res, err := s.Start(context.Background(), config.Target{OfferID: simulator.ProductID, ProductID: simulator.ProductID}, poll.Retry{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if res.Target.JobID != "" || res.Target.ProductID != simulator.ProductID || res.Unsure == "" {
		t.Fatalf("result %+v; want the product followed, unsure", res)
	}
	if !res.Since.Before(res.At) || res.At.Sub(res.Since) > 10*time.Minute {
		t.Errorf("since %v, sent at %v; want a few minutes' allowance", res.Since, res.At)
	}
	// Known by entry, target and id: a go-live's live entry keeps its
	// preview's id, and must not be taken for the preview listed before.
	for _, key := range []string{"draft|" + simulator.DraftSubmissionID, "live|" + simulator.HistoryLiveID, "preview|" + simulator.HistoryPreviewID} {
		if !slices.Contains(res.Known, key) {
			t.Errorf("known %v lacks %s, listed before the request", res.Known, key)
		}
	}
	if slices.Contains(res.Known, "live|"+simulator.HistoryPreviewID) {
		t.Errorf("known %v holds a live entry of the preview's id, which was not listed", res.Known)
	}
	if n := sim.Count("POST", "/configure"); n != 1 {
		t.Errorf("%d configure requests; want one", n)
	}
}

// TestUnreadableAnswerIsNotANo: a configure request answered 2xx with a
// body that cannot be read was accepted, for all the gate knows: it is not
// sent again, nor said to have started nothing; its submission is looked for.
func TestUnreadableAnswerIsNotANo(t *testing.T) {
	sc, _ := simulator.Lookup("publish")
	sim := simulator.New(sc, simulator.WithIdle(), simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/configure") {
			return false
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte("<html><body>Accepted</body></html>"))
		return true
	}))
	srv := sim.Start()
	defer srv.Close()
	base, _ := url.Parse(srv.URL + simulator.IngestionPath)
	s := &start.Ingestion{Client: ingestion.New(base, simulator.IngestionVersion, graphTokens{sim}), Kind: config.StartPublish, Version: simulator.IngestionVersion}
	res, err := s.Start(context.Background(), config.Target{OfferID: simulator.ProductID, ProductID: simulator.ProductID}, poll.Retry{Clock: polltest.New()})
	if err != nil || res.Unsure == "" || res.Target.ProductID != simulator.ProductID || res.Target.JobID != "" {
		t.Fatalf("%+v, %v; want the product followed, unsure", res, err)
	}
	if n := sim.Count("POST", "/configure"); n != 1 {
		t.Errorf("%d configure requests; want one", n)
	}
}
