package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

// TestBinaryCPPDryRunPrintsOfferCredentials: a CPP offer as Partner Center
// keeps it carries the lead destination's credentials (an Azure Table's
// storage connection string with its AccountKey). A dry run prints the
// whole offer the PUT would send; only URL queries and sig= are redacted.
func TestBinaryCPPDryRunPrintsOfferCredentials(t *testing.T) {
	const key = "QUNDT1VOVEtFWS1PRi1USEUtTEVBRC1UQUJMRS0xMjM0NTY3ODkwYWJjZGVm=="
	var base atomic.Value
	_, u := startSim(t, "publish", simulator.WithIdle(), simulator.WithIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != "GET" || r.Header.Get("X-Review") != "" || !strings.HasSuffix(r.URL.Path, "/offers/"+simulator.Offer) {
			return false
		}
		req, _ := http.NewRequest("GET", base.Load().(string)+r.URL.RequestURI(), nil)
		req.Header = r.Header.Clone()
		req.Header.Set("X-Review", "1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var doc map[string]any
		if json.Unmarshal(b, &doc) != nil {
			return false
		}
		off := doc["definition"].(map[string]any)["offer"].(map[string]any)
		off["microsoft-azure-marketplace.leadDestination"] = "AzureTable"
		off["microsoft-azure-marketplace.tableLeadConfiguration"] = map[string]any{
			"storageAccountConnectionString": "DefaultEndpointsProtocol=https;AccountName=contosoleads;AccountKey=" + key + ";EndpointSuffix=core.windows.net"}
		out, _ := json.Marshal(doc)
		w.Header().Set("ETag", resp.Header.Get("ETag"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(out)
		return true
	}))
	base.Store(u)
	r := runAction(t, cppImageInputs(u, map[string]string{"dry-run": "true"}), false)
	if r.outputs["status"] != "dry-run" {
		t.Fatalf("status %q\n%s", r.outputs["status"], r.stdout)
	}
	if strings.Contains(r.stdout, key) {
		i := strings.Index(r.stdout, "AccountKey")
		t.Errorf("the log shows the lead table's storage account key: …%s…", r.stdout[max(0, i-60):i+60])
	}
}
