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

// TestBinaryConfigureErrorEchoingSAS: product-ingestion answers the image
// release's configure POST with a 400 whose message quotes the SAS URI it
// was sent (as storage-validation errors do). Nothing a person reads may
// show the SAS query string, nor any long piece of its signature.
func TestBinaryConfigureErrorEchoingSAS(t *testing.T) {
	sas := simulator.SASURI("contoso-vm-1.1.0-gen2.vhd", time.Now())
	_, q, _ := strings.Cut(sas, "?")
	vals, _ := url.ParseQuery(q)
	sig := vals.Get("sig")
	rawSig := q[strings.Index(q, "sig=")+4:]
	for _, tc := range []struct {
		name string
		pad  int // bytes before the quote: moves apihttp's 512-byte cut
	}{
		{"whole", 0},
		{"cut mid-signature", 512 - len("BadRequest: ") - len("The SAS URI ") - strings.Index(sas, "sig=") - 4 - 24},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := strings.Repeat("x", tc.pad) + "The SAS URI " + sas + " cannot be read by the service"
			body, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "BadRequest", "message": msg}})
			_, u := startSim(t, "publish", simulator.WithIdle(), simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
				return r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/configure") && answer(400, map[string]string{"Content-Type": "application/json"}, string(body))(call{W: w, R: r})
			}))
			r := runAction(t, imageInputs(u, map[string]string{"gallery-image-version-id": "", "os-disk-sas-uri": sas, "image-version": simulator.NewVersion}), false)
			if r.outputs["status"] != "error" {
				t.Fatalf("status %q\n%s", r.outputs["status"], r.stdout)
			}
			var outs strings.Builder
			for k, v := range r.outputs {
				outs.WriteString(k + "=" + v + "\n")
			}
			all := map[string]string{"stdout": r.stdout, "summary": r.summary, "outputs": outs.String()}
			for where, text := range all {
				for _, line := range strings.Split(text, "\n") {
					if strings.HasPrefix(line, "::add-mask::") {
						continue
					}
					for _, piece := range []string{sig[:20], rawSig[:20]} {
						if strings.Contains(line, piece) {
							t.Errorf("%s shows the start of the signature (%q): %q", where, piece, line[strings.Index(line, "The SAS"):][:200])
						}
					}
					if strings.Contains(line, "sp=rl") || strings.Contains(line, "sv=2022-11-02") {
						t.Errorf("%s shows the SAS query string: %q", where, line[strings.Index(line, "The SAS"):][:200])
					}
				}
			}
		})
	}
}
