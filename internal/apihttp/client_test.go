package apihttp

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestHTTPClientReusesConnectionsAndSessions: a server that keeps the
// connection gets every request on one; a server that closes it each time
// gets resumed TLS sessions, not full handshakes.
func TestHTTPClientReusesConnectionsAndSessions(t *testing.T) {
	for _, closeEach := range []bool{false, true} {
		var mu sync.Mutex
		conns := 0
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if closeEach {
				w.Header().Set("Connection", "close")
			}
			_, _ = io.WriteString(w, "{}")
		}))
		srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				mu.Lock()
				conns++
				mu.Unlock()
			}
		}
		srv.StartTLS()
		defer srv.Close()

		hc := NewHTTPClient(10 * time.Minute)
		tr := hc.Transport.(*http.Transport)
		if tr.IdleConnTimeout < 10*time.Minute {
			t.Errorf("idle connections are dropped after %v, before the longest wait", tr.IdleConnTimeout)
		}
		tr.TLSClientConfig.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
		var states []*tls.ConnectionState
		for range 3 {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			states = append(states, resp.TLS)
		}
		mu.Lock()
		got := conns
		mu.Unlock()
		switch {
		case !closeEach && got != 1:
			t.Errorf("kept connections: %d connections for 3 requests, want 1", got)
		case closeEach && got != 3:
			t.Errorf("closed connections: %d connections for 3 requests, want 3", got)
		case closeEach && (states[1] == nil || !states[1].DidResume || !states[2].DidResume):
			t.Error("a new connection did a full TLS handshake instead of resuming the session")
		}
	}
}
