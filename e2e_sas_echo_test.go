package main_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// A SAS URI the gate sent, quoted back by the API (a refusal, a failed
// copy), must not show anywhere a person reads: neither its query string
// nor a piece of its signature, also when a length cut falls inside it.

// echoedSAS is a SAS URI the gate's rules accept, and its signature decoded
// and as written in the query.
func echoedSAS(blob string) (sas, sig, rawSig string) {
	sas = simulator.SASURI(blob, time.Now())
	_, q, _ := strings.Cut(sas, "?")
	vals, _ := url.ParseQuery(q)
	return sas, vals.Get("sig"), q[strings.Index(q, "sig=")+4:]
}

// errorBody is an API error envelope whose message is msg.
func errorBody(msg string) string {
	body, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "BadRequest", "message": msg}})
	return string(body)
}

// TestBinaryConfigureErrorEchoingSAS: the configure POST of an image release
// is refused with a message quoting the SAS URI, whole or cut by apihttp's
// 512-byte bound in the middle of the signature.
func TestBinaryConfigureErrorEchoingSAS(t *testing.T) {
	sas, sig, rawSig := echoedSAS("contoso-vm-1.1.0-gen2.vhd")
	for _, tc := range []struct {
		name string
		pad  int // bytes before the quote: moves apihttp's 512-byte cut
	}{
		{"whole", 0},
		{"cut mid-signature", 512 - len("BadRequest: ") - len("The SAS URI ") - strings.Index(sas, "sig=") - 4 - 24},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := errorBody(strings.Repeat("x", tc.pad) + "The SAS URI " + sas + " cannot be read by the service")
			_, u := startSim(t, "publish", simulator.WithIdle(), simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
				return r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/configure") && answer(400, map[string]string{"Content-Type": "application/json"}, body)(call{W: w, R: r})
			}))
			r := runAction(t, imageInputs(u, map[string]string{"gallery-image-version-id": "", "os-disk-sas-uri": sas, "image-version": simulator.NewVersion}), false)
			if r.outputs["status"] != "error" {
				t.Fatalf("status %q\n%s", r.outputs["status"], r.stdout)
			}
			assertNoLeak(t, r, sig[:20], rawSig[:20], "sp=rl", "sv=2022-11-02")
		})
	}
}

// TestBinaryJobErrorEchoingSAS: the configure job fails with a long error
// quoting the SAS URI, the signature straddling the 4000-rune cut of the
// reporter's server text.
func TestBinaryJobErrorEchoingSAS(t *testing.T) {
	sas, sig, _ := echoedSAS("contoso-vm-1.1.0-gen2.vhd")
	pre := "invalidResource: "
	pad := 4000 - len(pre) - len("The SAS URI ") - strings.Index(sas, "sig=") - 4 - 24
	msg := strings.Repeat("x", pad) + "The SAS URI " + sas + " cannot be read"
	_, u := startSim(t, "publish", simulator.WithIdle(), simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "GET" && strings.Contains(r.URL.Path, "/configure/") && strings.HasSuffix(r.URL.Path, "/status") {
			jobID := strings.Split(strings.TrimPrefix(r.URL.Path[strings.Index(r.URL.Path, "/configure/"):], "/configure/"), "/")[0]
			body, _ := json.Marshal(map[string]any{"jobId": jobID, "jobStatus": "completed", "jobResult": "failed", "jobStart": "2026-01-01T00:00:00Z",
				"errors": []any{map[string]any{"code": "invalidResource", "message": msg}}})
			return answer(200, map[string]string{"Content-Type": "application/json"}, string(body))(call{W: w, R: r})
		}
		return false
	}))
	r := runAction(t, imageInputs(u, map[string]string{"gallery-image-version-id": "", "os-disk-sas-uri": sas, "image-version": simulator.NewVersion}), false)
	if r.outputs["status"] != "failed" {
		t.Fatalf("status %q\n%.3000s", r.outputs["status"], r.stdout)
	}
	assertNoLeak(t, r, sig[:20], url.QueryEscape(sig)[:20])
}

// TestBinaryCPPPutErrorEchoingSAS: the same echo on CPP's offer PUT.
func TestBinaryCPPPutErrorEchoingSAS(t *testing.T) {
	for _, cutMid := range []bool{false, true} {
		sas := cppImageInputs("http://x", nil)["os-disk-sas-uri"]
		pad := 0
		if cutMid {
			pad = max(0, 512-len("BadRequest: ")-len("The SAS URI ")-strings.Index(sas, "sig=")-4-24)
		}
		body := errorBody(strings.Repeat("x", pad) + "The SAS URI " + sas + " cannot be read")
		_, u := startSim(t, "publish", simulator.WithIdle(), simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
			return r.Method == "PUT" && answer(400, map[string]string{"Content-Type": "application/json"}, body)(call{W: w, R: r})
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
