package start_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
	"github.com/marketplace-gate/marketplace-gate/internal/poll"
	"github.com/marketplace-gate/marketplace-gate/internal/poll/polltest"
	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
	"github.com/marketplace-gate/marketplace-gate/internal/start"
)

type cppTokens struct{ sim *simulator.Server }

func (t cppTokens) Token(context.Context) (string, error) { return t.sim.Authorize(), nil }
func (cppTokens) Refresh()                                {}

// TestLostAnswerLeavesTheLookToTheFollower: after a publish whose answer
// is lost, the request is not sent again; the result names what the offer
// listed before and the kind of operation to look for, and says the doubt.
func TestLostAnswerLeavesTheLookToTheFollower(t *testing.T) {
	const earlier = "0b5c2d6e-1111-4aaa-8bbb-000000000001"
	sc, _ := simulator.Lookup("publish")
	sim := simulator.New(sc, simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case strings.HasSuffix(r.URL.Path, "/submissions"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`[{"id":"` + earlier + `","submissionType":"publish","submissionState":"completed","changedTime":"2026-11-20T09:00:01Z"}]`))
			return true
		case strings.HasSuffix(r.URL.Path, "/publish"):
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close() // no answer
			}
			return true
		}
		return false
	}))
	srv := sim.Start()
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	clock := polltest.New()
	s := &start.CPP{Client: cpp.New(base, simulator.APIVersion, cppTokens{sim}), Publisher: simulator.Publisher, Kind: config.StartPublish,
		Emails: "release@contoso.com", APIURL: base}
	res, err := s.Start(context.Background(), config.Target{OfferID: simulator.Offer}, poll.Retry{Clock: clock, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Target.OperationID != "" || res.Type != "publish" || len(res.Known) != 1 || res.Known[0] != earlier || !strings.Contains(res.Unsure, "may not have started") || !res.At.Equal(clock.Now()) {
		t.Errorf("result %+v; want the offer to look at, its earlier operation known, unsure", res)
	}
	if n := sim.Count("POST", "/publish"); n != 1 {
		t.Errorf("%d publish requests; want one", n)
	}
}
