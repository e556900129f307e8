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

// TestBinaryJobErrorEchoingSAS: the image release's configure job fails with
// a long error quoting the SAS URI it was sent, the signature straddling the
// 4000-rune cut of htmltext (inert), which runs before the scrub.
func TestBinaryJobErrorEchoingSAS(t *testing.T) {
	sas := simulator.SASURI("contoso-vm-1.1.0-gen2.vhd", time.Now())
	_, q, _ := strings.Cut(sas, "?")
	vals, _ := url.ParseQuery(q)
	sig := vals.Get("sig")
	pre := "invalidResource: "
	pad := 4000 - len(pre) - len("The SAS URI ") - strings.Index(sas, "sig=") - 4 - 24
	msg := strings.Repeat("x", pad) + "The SAS URI " + sas + " cannot be read"
	var jobID string
	_, u := startSim(t, "publish", simulator.WithIdle(), simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "GET" && strings.Contains(r.URL.Path, "/configure/") && strings.HasSuffix(r.URL.Path, "/status") {
			jobID = strings.Split(strings.TrimPrefix(r.URL.Path[strings.Index(r.URL.Path, "/configure/"):], "/configure/"), "/")[0]
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
	for _, piece := range []string{sig[:20], url.QueryEscape(sig)[:20]} {
		for _, line := range strings.Split(r.stdout+"\n"+r.summary+"\n"+r.outputs["steps"]+"\n"+r.outputs["results"], "\n") {
			if !strings.HasPrefix(line, "::add-mask::") && strings.Contains(line, piece) {
				i := strings.Index(line, piece)
				t.Errorf("shows the start of the signature: …%q", line[max(0, i-60):min(len(line), i+40)])
			}
		}
	}
}
