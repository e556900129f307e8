package simulator_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

func TestSASURI(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	raw := simulator.SASURI("contoso-vm-1.1.0.vhd", now)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	st, errSt := time.Parse(time.RFC3339, q.Get("st"))
	se, errSe := time.Parse(time.RFC3339, q.Get("se"))
	if u.Scheme != "https" || !strings.HasSuffix(u.Path, ".vhd") || q.Get("sp") != "rl" || errSt != nil || errSe != nil ||
		!st.Before(now) || se.Sub(now) < 21*24*time.Hour || q.Get("sig") == "" || strings.ContainsAny(raw, " \t") {
		t.Errorf("SASURI = %s", raw)
	}
	if raw != simulator.SASURI("contoso-vm-1.1.0.vhd", now) || raw == simulator.SASURI("contoso-vm-1.2.0.vhd", now) {
		t.Errorf("SASURI is not a function of its blob and time")
	}
	if !strings.Contains(raw, "&sig="+url.QueryEscape(q.Get("sig"))) {
		t.Errorf("sig not escaped as Azure writes it: %s", raw)
	}
}
