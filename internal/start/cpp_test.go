package start_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
	"github.com/marketplace-gate/marketplace-gate/internal/poll/polltest"
	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
	"github.com/marketplace-gate/marketplace-gate/internal/start"
)

type cppTokens struct{ sim *simulator.Server }

func (t cppTokens) Token(context.Context) (string, error) { return t.sim.Authorize(), nil }
func (cppTokens) Refresh()                                {}

// TestLostAnswerFollowsOnlyAnOperationOfItsKind: after a publish whose
// answer is lost, a new operation of another kind (a go-live someone else
// sent meanwhile) is not taken for it.
func TestLostAnswerFollowsOnlyAnOperationOfItsKind(t *testing.T) {
	const newOp = "0b5c2d6e-1111-4aaa-8bbb-000000000009"
	for kind, follows := range map[string]bool{"publish": true, "GoLive": false, "": true} {
		var lists atomic.Int32
		sc, _ := simulator.Lookup("publish")
		sim := simulator.New(sc, simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
			switch {
			case strings.HasSuffix(r.URL.Path, "/submissions"):
				w.Header().Set("Content-Type", "application/json")
				if lists.Add(1) == 1 {
					_, _ = w.Write([]byte(`[]`))
				} else {
					_, _ = w.Write([]byte(`[{"id":"` + newOp + `","submissionType":"` + kind + `","submissionState":"running","changedTime":"2026-11-21T09:00:01Z"}]`))
				}
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
		base, _ := url.Parse(srv.URL)
		s := &start.CPP{Client: cpp.New(base, simulator.APIVersion, cppTokens{sim}), Publisher: simulator.Publisher, Kind: config.StartPublish,
			Emails: "release@contoso.com", APIURL: base, Clock: polltest.New()}
		res, err := s.Start(context.Background(), config.Target{OfferID: simulator.Offer})
		srv.Close()
		switch {
		case follows && (err != nil || res.Target.OperationID != newOp):
			t.Errorf("type %q: %+v, %v; want %s followed", kind, res.Target, err, newOp)
		case !follows && (err == nil || !strings.Contains(err.Error(), "may not have started")):
			t.Errorf("type %q: %+v, %v; want no operation taken for the publish", kind, res.Target, err)
		}
		if n := sim.Count("POST", "/publish"); n != 1 {
			t.Errorf("type %q: %d publish requests; want one", kind, n)
		}
	}
}
