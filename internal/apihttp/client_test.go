package apihttp

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
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

type fixedToken struct{}

func (fixedToken) Token(context.Context) (string, error) { return "t", nil }
func (fixedToken) Refresh()                              {}

// TestNotSent: only a connection never made is known not to have reached the
// server; a connection dropped after the request was written may have.
func TestNotSent(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	dropped := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer dropped.Close()
	var got []byte
	answered := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = io.WriteString(w, `{"error":{"message":"m","details":[{"message":"d"}]}}`)
	}))
	defer answered.Close()

	c := New(fixedToken{}, nil)
	for _, tc := range []struct {
		url     string
		notSent bool
	}{{closed, true}, {dropped.URL, false}, {"http://no-such-host.invalid", true}} {
		_, err := c.DoJSON(context.Background(), http.MethodPost, "POST x", tc.url, []byte(`{"a":1}`))
		var e *Error
		if !errors.As(err, &e) || e.NotSent != tc.notSent {
			t.Errorf("%s: %v, NotSent %v; want %v", tc.url, err, e != nil && e.NotSent, tc.notSent)
		}
	}
	_, err = c.DoJSON(context.Background(), http.MethodPost, "POST x", answered.URL, []byte(`{"a":1}`))
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 422 || e.NotSent || !strings.Contains(string(e.Body), `"details"`) || string(got) != `{"a":1}` {
		t.Errorf("422: %v (body %q), sent %q", err, e.Body, got)
	}
}
