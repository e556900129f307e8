package main_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// TestBinaryCPPPutErrorEchoingSAS: the same echo on CPP's offer PUT: the
// image starter redacts, so nothing shows (a control for the ingestion case).
func TestBinaryCPPPutErrorEchoingSAS(t *testing.T) {
	for _, cutMid := range []bool{false, true} {
		sas := cppImageInputs("http://x", nil)["os-disk-sas-uri"]
		pad := 0
		if cutMid {
			pad = max(0, 512-len("BadRequest: ")-len("The SAS URI ")-strings.Index(sas, "sig=")-4-24)
		}
		msg := strings.Repeat("x", pad) + "The SAS URI " + sas + " cannot be read"
		body, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "BadRequest", "message": msg}})
		_, u := startSim(t, "publish", simulator.WithIdle(), simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
			return r.Method == "PUT" && answer(400, map[string]string{"Content-Type": "application/json"}, string(body))(call{W: w, R: r})
		}))
		r := runAction(t, cppImageInputs(u, map[string]string{"os-disk-sas-uri": sas}), false)
		if r.outputs["status"] != "error" {
			t.Fatalf("status %q\n%s", r.outputs["status"], r.stdout)
		}
		sig := sas[strings.Index(sas, "sig=")+4:]
		assertNoLeak(t, r, sig[:16], "sp=rl")
		// Whole, the echo is shown redacted; cut mid-signature, the error
		// stops before the URI (cut at a word, not through one).
		if !cutMid && !strings.Contains(r.stdout, "The SAS URI https") {
			t.Errorf("no echo shown:\n%s", r.stdout)
		}
	}
}
