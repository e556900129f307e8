package start_test

import (
	"context"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/ingestion"
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
	s := &start.Ingestion{Client: ingestion.New(base, simulator.IngestionVersion, graphTokens{sim}), Kind: config.StartPublish, Version: simulator.IngestionVersion, Clock: clock}
	res, err := s.Start(context.Background(), config.Target{OfferID: simulator.ProductID, ProductID: simulator.ProductID})
	if err != nil {
		t.Fatal(err)
	}
	if res.Target.JobID != "" || res.Target.ProductID != simulator.ProductID || res.Unsure == "" {
		t.Fatalf("result %+v; want the product followed, unsure", res)
	}
	if !res.Since.Before(res.At) || res.At.Sub(res.Since) > 10*time.Minute {
		t.Errorf("since %v, sent at %v; want a few minutes' allowance", res.Since, res.At)
	}
	for _, id := range []string{simulator.DraftSubmissionID, simulator.HistoryLiveID, simulator.HistoryPreviewID} {
		if !slices.Contains(res.Known, id) {
			t.Errorf("known %v lacks %s, listed before the request", res.Known, id)
		}
	}
	if n := sim.Count("POST", "/configure"); n != 1 {
		t.Errorf("%d configure requests; want one", n)
	}
}
