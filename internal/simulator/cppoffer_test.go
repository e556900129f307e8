package simulator_test

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// slot GETs the offer's slot name: status, raw body, headers.
func (c *cppClient) slot(name string) (int, []byte, http.Header) {
	c.t.Helper()
	code, raw, h, err := c.do("GET", offerPath+"/slot/"+name, "")
	if err != nil {
		c.t.Fatal(err)
	}
	return code, raw, h
}

// slotVersions are plan PlanGen2's versions in slot name, nil when the slot
// answers 404 (saying so in the API's words).
func (c *cppClient) slotVersions(name string) []string {
	c.t.Helper()
	code, raw, h := c.slot(name)
	if code == http.StatusNotFound {
		called := map[string]string{"preview": "Staging", "production": "Production"}[strings.ToLower(name)]
		if want := "There is no " + called + " slot deployed for Offer ID '" + simulator.Offer + "', Publisher ID '" + simulator.Publisher + "'"; !bytes.Contains(raw, []byte(want)) {
			c.t.Errorf("slot %s: 404 %s, want %q", name, raw, want)
		}
		return nil
	}
	doc := decodeNumbers(c.t, raw)
	if code != http.StatusOK || h.Get("ETag") != "" || doc["eTag"] != nil || doc["status"] != "published" {
		c.t.Fatalf("slot %s: HTTP %d, ETag %q, document eTag %v status %v", name, code, h.Get("ETag"), doc["eTag"], doc["status"])
	}
	var out []string
	for _, p := range doc["definition"].(map[string]any)["plans"].([]any) {
		if p.(map[string]any)["planId"] == simulator.PlanGen2 {
			for v := range p.(map[string]any)["microsoft-azure-virtualmachines.vmImages"].(map[string]any) {
				out = append(out, v)
			}
		}
	}
	slices.Sort(out)
	return out
}

// wantSlots checks the versions of PlanGen2 in Preview and Production.
func (c *cppClient) wantSlots(when string, preview, production []string) {
	c.t.Helper()
	if got := c.slotVersions("Preview"); !slices.Equal(got, preview) {
		c.t.Errorf("%s: Preview holds %q, want %q", when, got, preview)
	}
	if got := c.slotVersions("Production"); !slices.Equal(got, production) {
		c.t.Errorf("%s: Production holds %q, want %q", when, got, production)
	}
}

// putVersion adds version to PlanGen2 in the draft; the PUT must be taken.
func (c *cppClient) putVersion(version string) {
	c.t.Helper()
	doc, _, etag := c.getOffer()
	if code, resp, _ := c.putOffer(withVersion(c.t, doc, simulator.PlanGen2, version, newVHD), etag); code != http.StatusOK {
		c.t.Fatalf("PUT %s: HTTP %d %v", version, code, resp)
	}
}

// TestOfferSlotsAtStart: the offer is published: Draft is the offer as GET
// serves it; Preview and Production hold its versions, with no ETag; names
// in any case; an unknown slot is a 400; a slot is read-only (405).
func TestOfferSlotsAtStart(t *testing.T) {
	c := newCPP(t, "publish", simulator.WithIdle())
	_, raw, etag := c.getOffer()
	for _, name := range []string{"Draft", "draft", "DRAFT"} {
		if code, body, h := c.slot(name); code != http.StatusOK || !bytes.Equal(body, raw) || h.Get("ETag") != etag {
			t.Errorf("slot %s: HTTP %d, ETag %q: want the offer as GET serves it, ETag %s", name, code, h.Get("ETag"), etag)
		}
	}
	published := []string{simulator.PublishedVersion}
	c.wantSlots("at the start", published, published)
	for _, name := range []string{"preview", "PRODUCTION"} {
		if got := c.slotVersions(name); !slices.Equal(got, published) {
			t.Errorf("slot %s holds %q", name, got)
		}
	}
	if code, body, _ := c.slot("Staging"); code != http.StatusBadRequest || !bytes.Contains(body, []byte("it is Draft, Preview or Production")) {
		t.Errorf("slot Staging: HTTP %d %s, want 400", code, body)
	}
	for _, method := range []string{"PUT", "POST", "DELETE"} {
		code, body, h, err := c.do(method, offerPath+"/slot/Preview", string(raw))
		if err != nil || code != http.StatusMethodNotAllowed || h.Get("Allow") != "GET, HEAD" || !bytes.Contains(body, []byte(`"code":"MethodNotAllowed"`)) {
			t.Errorf("%s slot: HTTP %d %s Allow %q %v, want 405", method, code, body, h.Get("Allow"), err)
		}
	}
	if n := len(c.sim.OfferPuts()); n != 0 || c.sim.OfferETag(simulator.Offer) != etag {
		t.Errorf("a slot request changed the offer: %d PUTs", n)
	}
	// Slots need a token like the rest of the API.
	c.tok = "nope"
	if code, _, _ := c.slot("Preview"); code != http.StatusUnauthorized {
		t.Errorf("no token: HTTP %d", code)
	}
}

// TestOfferSlotsFollowPublishAndGoLive: Preview becomes the draft as it was
// at the publish once the publish reaches sign-off, not before, and not
// with later edits; Production becomes Preview once the go-live is live,
// and its versions are then published (a PUT may not change them).
func TestOfferSlotsFollowPublishAndGoLive(t *testing.T) {
	c := newCPP(t, "publish", simulator.WithIdle())
	was := []string{simulator.PublishedVersion}
	c.putVersion("1.1.0")
	c.wantSlots("after the PUT", was, was)
	code, _, h := c.start(simulator.Offer, "publish", emailsBody)
	if code != http.StatusAccepted {
		t.Fatalf("publish: HTTP %d", code)
	}
	c.putVersion("1.2.0") // after the publish: not in it
	c.advance(h.Get("Location"), toSignoff()-1)
	c.wantSlots("before sign-off", was, was)
	c.advance(h.Get("Location"), 1)
	preview := []string{simulator.PublishedVersion, "1.1.0"}
	c.wantSlots("at sign-off", preview, was)
	c.advance(h.Get("Location"), 5) // sign-off stays; nothing moves again
	c.wantSlots("at sign-off, polled on", preview, was)

	code, _, h = c.start(simulator.Offer, "golive", "")
	if code != http.StatusAccepted {
		t.Fatalf("go-live: HTTP %d", code)
	}
	c.advance(h.Get("Location"), 1)
	c.wantSlots("going live", preview, was)
	c.advance(h.Get("Location"), 1)
	c.wantSlots("live", preview, preview)

	doc, _, etag := c.getOffer()
	for _, p := range doc["definition"].(map[string]any)["plans"].([]any) {
		if p.(map[string]any)["planId"] == simulator.PlanGen2 {
			delete(p.(map[string]any)["microsoft-azure-virtualmachines.vmImages"].(map[string]any), "1.1.0")
		}
	}
	if code, resp, _ := c.putOffer(mustJSON(t, doc), etag); code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(resp), "version '1.1.0' is published") {
		t.Errorf("PUT removing the version gone live: HTTP %d %v, want 400", code, resp)
	}
}

// TestOfferSlotsOtherEnds: a publish that plays on to live deploys both
// slots; a failed or canceled one deploys neither.
func TestOfferSlotsOtherEnds(t *testing.T) {
	was, added := []string{simulator.PublishedVersion}, []string{simulator.PublishedVersion, "1.1.0"}
	for _, tc := range []struct {
		scenario            string
		gets                int
		cancel              bool
		preview, production []string
	}{
		{"live", 20, false, added, added},
		{"failed", 5, false, was, was},
		{"publish", toSignoff() - 1, true, was, was},
	} {
		t.Run(fmt.Sprint(tc.scenario, " cancel ", tc.cancel), func(t *testing.T) {
			c := newCPP(t, tc.scenario, simulator.WithIdle())
			c.putVersion("1.1.0")
			code, _, h := c.start(simulator.Offer, "publish", emailsBody)
			if code != http.StatusAccepted {
				t.Fatalf("publish: HTTP %d", code)
			}
			c.advance(h.Get("Location"), tc.gets)
			if tc.cancel {
				if code, _, _ := c.start(simulator.Offer, "cancel", ""); code != http.StatusAccepted {
					t.Fatalf("cancel: HTTP %d", code)
				}
				c.advance(h.Get("Location"), 5) // past where sign-off was
			}
			c.wantSlots("at the end", tc.preview, tc.production)
		})
	}
}

// TestOfferSlotsNeverPublished: WithNeverPublished's offer says so and
// answers 404 for Preview and Production, in the API's words, until its
// first publish reaches sign-off (the draft's status then changes, with its
// ETag) and its go-live, live. Nothing is live: a PUT may change 1.0.0.
func TestOfferSlotsNeverPublished(t *testing.T) {
	c := newCPP(t, "publish", simulator.WithNeverPublished(simulator.Offer))
	doc, _, etag := c.getOffer()
	if doc["status"] != "neverPublished" {
		t.Errorf("status %v, want neverPublished", doc["status"])
	}
	for _, o := range c.listOffers() {
		if want := map[bool]string{true: "neverPublished", false: "published"}[o["id"] == simulator.Offer]; o["status"] != want {
			t.Errorf("offers list: %v has status %v, want %s", o["id"], o["status"], want)
		}
	}
	c.wantSlots("never published", nil, nil)
	images := doc["definition"].(map[string]any)["plans"].([]any)[0].(map[string]any)["microsoft-azure-virtualmachines.vmImages"].(map[string]any)
	images[simulator.PublishedVersion].(map[string]any)["osVhdUrl"] = newVHD
	code, _, etag := c.putOffer(mustJSON(t, doc), etag)
	if code != http.StatusOK {
		t.Fatalf("PUT changing 1.0.0, never published: HTTP %d", code)
	}
	// The publish in flight at New was started before that PUT.
	c.advance(simulator.OperationID, toSignoff())
	c.wantSlots("at sign-off", []string{simulator.PublishedVersion}, nil)
	if _, body, _ := c.slot("Preview"); !bytes.Contains(body, []byte(simulator.SigCPPGen2)) {
		t.Errorf("Preview is not the draft as it was at the publish: %s", body)
	}
	doc, _, now := c.getOffer()
	if doc["status"] != "published" || now == etag {
		t.Errorf("draft after the first publish: status %v, ETag %s (was %s)", doc["status"], now, etag)
	}
	code, _, h := c.start(simulator.Offer, "golive", "")
	if code != http.StatusAccepted {
		t.Fatalf("go-live: HTTP %d", code)
	}
	c.advance(h.Get("Location"), 2)
	c.wantSlots("live", []string{simulator.PublishedVersion}, []string{simulator.PublishedVersion})
}

// listOffers is the publisher's offers list.
func (c *cppClient) listOffers() []map[string]any {
	c.t.Helper()
	code, raw, _, err := c.do("GET", "/api/publishers/"+simulator.Publisher+"/offers", "")
	var l []map[string]any
	if err != nil || code != http.StatusOK || json.Unmarshal(raw, &l) != nil {
		c.t.Fatalf("offers: HTTP %d %s %v", code, raw, err)
	}
	return l
}
