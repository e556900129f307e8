package simulator_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
)

var etagRE = regexp.MustCompile(`^W/"datetime'2026-11-21T09%3A\d\d%3A\d\d\.\d{7}Z'"$`)

const offerPath = "/api/publishers/" + simulator.Publisher + "/offers/" + simulator.Offer

// getOffer reads the offer: its document (numbers as written), raw body and ETag.
func (c *cppClient) getOffer() (map[string]any, []byte, string) {
	c.t.Helper()
	code, raw, h, err := c.do("GET", offerPath, "")
	if err != nil || code != http.StatusOK {
		c.t.Fatalf("GET offer: HTTP %d %s %v", code, raw, err)
	}
	return decodeNumbers(c.t, raw), raw, h.Get("ETag")
}

// putOffer sends doc with If-Match ifMatch (none when "").
func (c *cppClient) putOffer(doc []byte, ifMatch string) (int, map[string]any, string) {
	c.t.Helper()
	req, err := http.NewRequest("PUT", c.base+offerPath+"?api-version="+simulator.APIVersion, bytes.NewReader(doc))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.tok)
	req.Header.Set("Content-Type", "application/json")
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, resp.Header.Get("ETag")
}

// withVersion adds version to plan's vmImages of doc and encodes it.
func withVersion(t *testing.T, doc map[string]any, plan, version, vhd string) []byte {
	t.Helper()
	for _, p := range doc["definition"].(map[string]any)["plans"].([]any) {
		if p.(map[string]any)["planId"] == plan {
			p.(map[string]any)["microsoft-azure-virtualmachines.vmImages"].(map[string]any)[version] = map[string]any{"osVhdUrl": vhd, "lunVhdDetails": []any{}}
		}
	}
	return mustJSON(t, doc)
}

const newVHD = "https://contosoimages.blob.core.windows.net/vhds/contoso-vm-1.1.0.vhd?sv=2022-11-02&sr=b&sp=rl&sig=abc"

func TestOfferDocument(t *testing.T) {
	c := newCPP(t, "publish")
	doc, raw, etag := c.getOffer()
	if !etagRE.MatchString(etag) || doc["eTag"] != etag || doc["id"] != simulator.Offer || doc["offerTypeId"] != "microsoft-azure-virtualmachines" {
		t.Fatalf("ETag %q, document %v", etag, doc)
	}
	for _, want := range []string{`"single":1111.0`, `"microsoft-azure-marketplace.customAmendments":null`, "&sig=" + simulator.SigCPPGen2 + `"`} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("offer lacks %s", want)
		}
	}
	want := map[string]simulator.OfferImage{simulator.PublishedVersion: {OSVhdURL: simulator.CPPGen2SAS, LunVhdURLs: []string{simulator.CPPGen2DataSAS}}}
	if got := c.sim.OfferImages(simulator.Offer, simulator.PlanGen2); mustString(t, got) != mustString(t, want) {
		t.Errorf("OfferImages %s", mustString(t, got))
	}
	if _, _, again := c.getOffer(); again != etag || c.sim.OfferETag(simulator.Offer) != etag {
		t.Errorf("the ETag moved without a change: %s, %s", etag, again)
	}
	if code, _, _, _ := c.do("GET", "/api/publishers/"+simulator.Publisher+"/offers/contoso-nope", ""); code != http.StatusNotFound {
		t.Errorf("unknown offer: HTTP %d", code)
	}
}

func TestOfferPutETags(t *testing.T) {
	c := newCPP(t, "publish", simulator.WithIdle())
	doc, _, first := c.getOffer()
	body := withVersion(t, doc, simulator.PlanGen2, simulator.NewVersion, newVHD)

	code, resp, _ := c.putOffer(body, "")
	if msg := resp["error"].(map[string]any)["message"].(string); code != http.StatusBadRequest || !strings.Contains(msg, "Failure to provide the If-Match header will result in an HTTP 400 error") {
		t.Errorf("no If-Match: HTTP %d %v", code, resp)
	}
	code, resp, second := c.putOffer(body, first)
	if code != http.StatusOK || !etagRE.MatchString(second) || second == first || resp["eTag"] != second {
		t.Fatalf("PUT: HTTP %d, ETag %s (was %s) %v", code, second, first, resp["eTag"])
	}
	if got := c.sim.OfferImages(simulator.Offer, simulator.PlanGen2)[simulator.NewVersion]; got.OSVhdURL != newVHD {
		t.Errorf("OfferImages after the PUT: %+v", got)
	}
	if _, _, now := c.getOffer(); now != second {
		t.Errorf("GET after PUT: ETag %s, want %s", now, second)
	}
	code, resp, _ = c.putOffer(body, first)
	if code != http.StatusPreconditionFailed || resp["error"].(map[string]any)["code"] != "PreconditionFailed" {
		t.Errorf("stale ETag: HTTP %d %v", code, resp)
	}
	if code, _, _ := c.putOffer(body, "*"); code != http.StatusOK {
		t.Errorf("If-Match *: HTTP %d", code)
	}
	var got []string
	for _, p := range c.sim.OfferPuts() {
		got = append(got, p.IfMatch+" "+http.StatusText(p.Status))
		if p.Offer != simulator.Offer || !bytes.Equal(p.Body, body) {
			t.Errorf("put %+v", p)
		}
	}
	if want := []string{" Bad Request", first + " OK", first + " Precondition Failed", "* OK"}; !slices.Equal(got, want) {
		t.Errorf("OfferPuts %q, want %q", got, want)
	}
	// The publish flow goes on as before.
	if code, _, h := c.start(simulator.Offer, "publish", emailsBody); code != http.StatusAccepted || h.Get("Location") == "" {
		t.Errorf("publish after the PUT: HTTP %d", code)
	}
}

// TestStaleETagOnce: someone edits the offer between the client's GET and
// PUT; the client reads again, re-applies, and the PUT keeps both changes.
func TestStaleETagOnce(t *testing.T) {
	c := newCPP(t, "publish", simulator.WithStaleETagOnce())
	doc, _, etag := c.getOffer()
	if code, _, _ := c.putOffer(withVersion(t, doc, simulator.PlanGen2, simulator.NewVersion, newVHD), etag); code != http.StatusPreconditionFailed {
		t.Fatalf("first PUT: HTTP %d, want 412", code)
	}
	doc, _, again := c.getOffer()
	if again == etag || doc["definition"].(map[string]any)["offer"].(map[string]any)["microsoft-azure-marketplace.summary"] != simulator.ForeignSummary {
		t.Fatalf("re-read: ETag %s (was %s), summary %v", again, etag, doc["definition"].(map[string]any)["offer"])
	}
	if code, resp, _ := c.putOffer(withVersion(t, doc, simulator.PlanGen2, simulator.NewVersion, newVHD), again); code != http.StatusOK {
		t.Fatalf("second PUT: HTTP %d %v", code, resp)
	}
	final, _, _ := c.getOffer()
	if final["definition"].(map[string]any)["offer"].(map[string]any)["microsoft-azure-marketplace.summary"] != simulator.ForeignSummary ||
		c.sim.OfferImages(simulator.Offer, simulator.PlanGen2)[simulator.NewVersion].OSVhdURL != newVHD {
		t.Errorf("final document %v", final["definition"])
	}
}

func TestOfferPutRefused(t *testing.T) {
	plans := func(doc map[string]any) []any { return doc["definition"].(map[string]any)["plans"].([]any) }
	images := func(doc map[string]any, i int) map[string]any {
		return plans(doc)[i].(map[string]any)["microsoft-azure-virtualmachines.vmImages"].(map[string]any)
	}
	for _, tc := range []struct {
		name string
		edit func(doc map[string]any) []byte
		says string
	}{
		{"not JSON", func(map[string]any) []byte { return []byte(`{"id":`) }, "not a JSON offer document"},
		{"another offer's id", func(doc map[string]any) []byte { doc["id"] = "contoso-app"; return nil }, "does not match the offer"},
		{"a published version changed", func(doc map[string]any) []byte {
			images(doc, 0)[simulator.PublishedVersion].(map[string]any)["osVhdUrl"] = newVHD
			return nil
		}, "Plan 'contoso-gen2': version '1.0.0' is published and cannot be changed or removed."},
		{"a published version removed", func(doc map[string]any) []byte { delete(images(doc, 1), simulator.PublishedVersion); return nil },
			"Plan 'contoso-gen1': version '1.0.0' is published and cannot be changed or removed."},
		{"a bad version key", func(doc map[string]any) []byte {
			images(doc, 0)["1.1"] = map[string]any{"osVhdUrl": newVHD, "lunVhdDetails": []any{}}
			return nil
		}, "version '1.1' is not valid"},
		{"a new version without a VHD", func(doc map[string]any) []byte {
			images(doc, 0)[simulator.NewVersion] = map[string]any{"osVhdUrl": "", "lunVhdDetails": []any{}}
			return nil
		}, "has no osVhdUrl"},
		{"a plan removed", func(doc map[string]any) []byte {
			doc["definition"].(map[string]any)["plans"] = plans(doc)[:1]
			return nil
		}, "Plan 'contoso-gen1' is published and cannot be removed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCPP(t, "publish")
			doc, _, etag := c.getOffer()
			body := tc.edit(doc)
			if body == nil {
				body = mustJSON(t, doc)
			}
			code, resp, _ := c.putOffer(body, etag)
			if e, _ := resp["error"].(map[string]any); code != http.StatusBadRequest || e["code"] != "BadRequest" || !strings.Contains(e["message"].(string), tc.says) {
				t.Errorf("HTTP %d %v, want 400 saying %q", code, resp, tc.says)
			}
			if c.sim.OfferETag(simulator.Offer) != etag {
				t.Errorf("a refused PUT moved the ETag")
			}
		})
	}
}
