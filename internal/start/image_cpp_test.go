package start_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/cpp"
	"github.com/marketplace-gate/marketplace-gate/internal/imageplan"
	"github.com/marketplace-gate/marketplace-gate/internal/imagesource"
	"github.com/marketplace-gate/marketplace-gate/internal/poll"
	"github.com/marketplace-gate/marketplace-gate/internal/poll/polltest"
	"github.com/marketplace-gate/marketplace-gate/internal/simulator"
	"github.com/marketplace-gate/marketplace-gate/internal/start"
)

// imageEnv is the simulator behind an optional handler of the test's (to
// drop or change answers), a fake clock, and what was masked.
type imageEnv struct {
	sim    *simulator.Server
	base   *url.URL
	clock  *polltest.Clock
	masked []string
}

// newImageEnv serves sim, through wrap when it is given.
func newImageEnv(t *testing.T, wrap func(sim *simulator.Server) http.Handler, opts ...simulator.Option) *imageEnv {
	t.Helper()
	sc, _ := simulator.Lookup("publish")
	sim := simulator.New(sc, opts...)
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	return &imageEnv{sim: sim, base: base, clock: polltest.New()}
}

// sas is a SAS URI the checks accept, for blob, at the env's now.
func (e *imageEnv) sas(blob string) string { return simulator.SASURI(blob, e.clock.Now()) }

func (e *imageEnv) starter(kind config.Start, version, os string, data ...string) *start.ImageCPP {
	return &start.ImageCPP{
		Client:    cpp.New(e.base, simulator.APIVersion, cppTokens{e.sim}),
		Publisher: simulator.Publisher,
		Kind:      kind,
		Emails:    "release@contoso.com",
		APIURL:    e.base,
		Release:   imageplan.Release{PlanID: simulator.PlanGen2, Version: version, Source: imageplan.Source{SAS: &imageplan.SAS{OSDisk: os, DataDisks: data}}},
		SAS:       imagesource.SASPolicy{Now: e.clock.Now, MinValidity: imagesource.DefaultMinValidity},
		Mask:      func(s string) { e.masked = append(e.masked, s) },
	}
}

func (e *imageEnv) run(s *start.ImageCPP) (start.Result, error) {
	retry := poll.Retry{Clock: e.clock, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, Deadline: e.clock.Now().Add(time.Minute)}
	return s.Start(context.Background(), config.Target{OfferID: simulator.Offer}, retry)
}

// noSecrets fails when anything a person reads shows a SAS query string or
// a signature that was masked.
func (e *imageEnv) noSecrets(t *testing.T, res start.Result, err error) {
	t.Helper()
	texts := append([]string{res.Plan, res.Done, res.Unsure}, res.Said...)
	texts = append(texts, res.Warnings...)
	if err != nil {
		texts = append(texts, err.Error())
		var rej *start.RejectedError
		if errors.As(err, &rej) {
			texts = append(texts, rej.Messages...)
		}
	}
	for _, s := range texts {
		if strings.Contains(strings.ToLower(s), "sig=") {
			t.Errorf("a SAS query string is shown: %s", s)
		}
		for _, m := range e.masked {
			if strings.Contains(s, m) {
				t.Errorf("signature %q is shown: %s", m, s)
			}
		}
	}
}

func (e *imageEnv) wasMasked(t *testing.T, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if !slices.Contains(e.masked, s) {
			t.Errorf("signature %q was not masked (masked: %q)", s, e.masked)
		}
	}
}

func (e *imageEnv) publishes() int { return e.sim.Count("POST", "/publish") }

func saidHas(res start.Result, part string) bool {
	for _, l := range res.Said {
		if strings.Contains(l, part) {
			return true
		}
	}
	return false
}

// TestImageCPPPublishesANewVersion: one PUT with the ETag read, the version
// added beside the published one, then one publish, whose operation the
// gate is left to follow; every signature given or read is masked.
func TestImageCPPPublishesANewVersion(t *testing.T) {
	e := newImageEnv(t, nil, simulator.WithIdle())
	etag := e.sim.OfferETag(simulator.Offer)
	osDisk, data := e.sas("contoso-vm-1.1.0-gen2.vhd"), e.sas("contoso-vm-1.1.0-gen2-lun0.vhd")
	res, err := e.run(e.starter(config.StartPublish, "1.1.0", osDisk, data))
	if err != nil {
		t.Fatal(err)
	}
	puts := e.sim.OfferPuts()
	if len(puts) != 1 || puts[0].IfMatch != etag || puts[0].Status != http.StatusOK {
		t.Fatalf("PUTs %+v; want one, If-Match %s, taken", puts, etag)
	}
	if n := e.publishes(); n != 1 {
		t.Errorf("%d publishes; want one", n)
	}
	var order []string
	for _, r := range e.sim.Requests() {
		if r.Method != http.MethodGet {
			order = append(order, r.Method)
		}
	}
	if !slices.Equal(order, []string{"PUT", "POST"}) {
		t.Errorf("changes in order %v; want the PUT, then the publish", order)
	}
	if op := e.sim.Operation(simulator.Offer); op == "" || res.Target.OperationID != op || res.Done != "" || res.Plan != "" {
		t.Errorf("result %+v; want to follow operation %s", res, op)
	}
	want := start.Image{Version: "1.1.0", SKUIDs: []string{simulator.PlanGen2}, URNs: []string{"contoso:contoso-vm:contoso-gen2:1.1.0"}}
	if res.Image == nil || res.Image.Version != want.Version || !slices.Equal(res.Image.SKUIDs, want.SKUIDs) || !slices.Equal(res.Image.URNs, want.URNs) {
		t.Errorf("image %+v; want %+v", res.Image, want)
	}
	images := e.sim.OfferImages(simulator.Offer, simulator.PlanGen2)
	if got := images["1.1.0"]; got.OSVhdURL != osDisk || !slices.Equal(got.LunVhdURLs, []string{data}) {
		t.Errorf("version 1.1.0 is %+v; want the SAS URIs sent", got)
	}
	if images[simulator.PublishedVersion].OSVhdURL != simulator.CPPGen2SAS {
		t.Errorf("the published version changed: %+v", images[simulator.PublishedVersion])
	}
	for _, line := range []string{"GET …/offers/contoso-vm: ETag " + etag + "; plan contoso-gen2 holds versions 1.0.0", "GET …/offers/contoso-vm/slot/Production: plan contoso-gen2 holds versions 1.0.0", "If-Match: " + etag + ") adding version 1.1.0 to plan contoso-gen2 → 200", "version 1.1.0 is in plan contoso-gen2 with the SAS sent"} {
		if !saidHas(res, line) {
			t.Errorf("the log lacks %q: %q", line, res.Said)
		}
	}
	e.wasMasked(t, imagesource.Secrets(osDisk)...)
	e.wasMasked(t, imagesource.Secrets(data)...)
	e.wasMasked(t, simulator.SigCPPGen2, simulator.SigCPPGen2Data, simulator.SigCPPGen1) // earlier versions', read
	e.noSecrets(t, res, err)
}

// TestImageCPPAddImage: the PUT alone, then done; nothing is published.
func TestImageCPPAddImage(t *testing.T) {
	e := newImageEnv(t, nil, simulator.WithIdle())
	res, err := e.run(e.starter(config.StartAddImage, "1.1.0", e.sas("contoso-vm-1.1.0-gen2.vhd")))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.sim.OfferPuts()); n != 1 {
		t.Errorf("%d PUTs; want one", n)
	}
	if n := e.publishes(); n != 0 {
		t.Errorf("%d publishes; want none", n)
	}
	if !strings.HasPrefix(res.Done, "version 1.1.0 added to plan contoso-gen2 of offer contoso-vm in the draft (offer PUT)") || res.Target.OperationID != "" || res.Image == nil {
		t.Errorf("result %+v; want done, with the image", res)
	}
	if _, ok := e.sim.OfferImages(simulator.Offer, simulator.PlanGen2)["1.1.0"]; !ok {
		t.Error("the draft does not hold 1.1.0")
	}
	e.noSecrets(t, res, err)
}

// TestImageCPPStaleETag: someone else's edit between the read and the PUT
// (412) is kept: the offer is read again, the version re-applied, and the
// second PUT names the new ETag; never "*".
func TestImageCPPStaleETag(t *testing.T) {
	e := newImageEnv(t, nil, simulator.WithIdle(), simulator.WithStaleETagOnce())
	etag := e.sim.OfferETag(simulator.Offer)
	res, err := e.run(e.starter(config.StartPublish, "1.1.0", e.sas("contoso-vm-1.1.0-gen2.vhd")))
	if err != nil {
		t.Fatal(err)
	}
	puts := e.sim.OfferPuts()
	if len(puts) != 2 || puts[0].IfMatch != etag || puts[0].Status != http.StatusPreconditionFailed || puts[1].Status != http.StatusOK || puts[1].IfMatch == etag {
		t.Fatalf("PUTs %+v; want a 412 on %s, then one taken with the new ETag", puts, etag)
	}
	for _, p := range puts {
		if p.IfMatch == "*" || p.IfMatch == "" {
			t.Errorf("a PUT with If-Match %q", p.IfMatch)
		}
	}
	if !strings.Contains(string(puts[1].Body), simulator.ForeignSummary) {
		t.Error("the second PUT dropped the edit made meanwhile")
	}
	if _, ok := e.sim.OfferImages(simulator.Offer, simulator.PlanGen2)["1.1.0"]; !ok {
		t.Error("the draft does not hold 1.1.0")
	}
	if !saidHas(res, "→ 412: the offer changed since it was read; read it again (ETag "+puts[1].IfMatch+") and re-applied (try 2 of 3)") {
		t.Errorf("the log does not say the 412: %q", res.Said)
	}
	if n := e.publishes(); n != 1 || res.Target.OperationID == "" {
		t.Errorf("%d publishes, result %+v; want one, followed", n, res)
	}
	e.noSecrets(t, res, err)
}

// TestImageCPPStaleEveryTime: three 412s and it gives up, saying so.
func TestImageCPPStaleEveryTime(t *testing.T) {
	var puts atomic.Int32
	e := newImageEnv(t, func(sim *simulator.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut {
				puts.Add(1)
				http.Error(w, `{"error":{"code":"PreconditionFailed","message":"The client should check the ETAG sent with the request."}}`, http.StatusPreconditionFailed)
				return
			}
			sim.ServeHTTP(w, r)
		})
	}, simulator.WithIdle())
	res, err := e.run(e.starter(config.StartPublish, "1.1.0", e.sas("contoso-vm-1.1.0-gen2.vhd")))
	if err == nil || !strings.Contains(err.Error(), "offer contoso-vm changed under each of 3 attempts to update it") {
		t.Fatalf("err %v; want it to give up after three", err)
	}
	if puts.Load() != 3 || e.publishes() != 0 {
		t.Errorf("%d PUTs, %d publishes; want 3, none", puts.Load(), e.publishes())
	}
	e.noSecrets(t, res, err)
}

// TestImageCPPVersionAppearedMeanwhile: the PUT meets a 412 because
// someone else added the same version with the same image meanwhile; read
// again, there is nothing to add: no second PUT, the draft is published.
func TestImageCPPVersionAppearedMeanwhile(t *testing.T) {
	var puts atomic.Int32
	e := newImageEnv(t, func(sim *simulator.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && puts.Add(1) == 1 {
				sim.ServeHTTP(httptest.NewRecorder(), r) // as if another run's
				http.Error(w, `{"error":{"code":"PreconditionFailed","message":"The client should check the ETAG sent with the request."}}`, http.StatusPreconditionFailed)
				return
			}
			sim.ServeHTTP(w, r)
		})
	}, simulator.WithIdle())
	res, err := e.run(e.starter(config.StartPublish, "1.1.0", e.sas("contoso-vm-1.1.0-gen2.vhd")))
	if err != nil {
		t.Fatal(err)
	}
	if puts.Load() != 1 || e.publishes() != 1 || res.Target.OperationID == "" {
		t.Errorf("%d PUTs, %d publishes, result %+v; want one PUT, then the publish followed", puts.Load(), e.publishes(), res)
	}
	if !saidHas(res, "it already holds version 1.1.0 with this image: no PUT") || !saidHas(res, "publishing the draft as is") {
		t.Errorf("the log does not say why: %q", res.Said)
	}
	e.noSecrets(t, res, err)
}

// slotFromDraft answers GET …/slot/<slot> with the draft, as if it had been
// published there as is; other slots are the simulator's (404).
func slotFromDraft(slot string) func(sim *simulator.Server) http.Handler {
	return func(sim *simulator.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/slot/"+slot) {
				r = r.Clone(r.Context())
				r.URL.Path = strings.TrimSuffix(r.URL.Path, "/slot/"+slot)
				r.URL.RawPath = ""
			}
			sim.ServeHTTP(w, r)
		})
	}
}

// TestImageCPPAlreadyPublished: the version with this image is live or in
// preview: done with a notice, nothing sent that changes anything.
func TestImageCPPAlreadyPublished(t *testing.T) {
	for slot, where := range map[string]string{cpp.SlotProduction: "live", cpp.SlotPreview: "preview"} {
		t.Run(slot, func(t *testing.T) {
			e := newImageEnv(t, nil, simulator.WithIdle()) // 1.0.0 is live
			if slot == cpp.SlotPreview {                   // in preview only
				e = newImageEnv(t, slotFromDraft(slot), simulator.WithIdle(), simulator.WithNeverPublished(simulator.Offer))
			}
			res, err := e.run(e.starter(config.StartPublish, simulator.PublishedVersion, simulator.CPPGen2SAS, simulator.CPPGen2DataSAS))
			if err != nil {
				t.Fatal(err)
			}
			if want := "version 1.0.0 of plan contoso-gen2 is already published to " + where + " with this image; nothing was sent"; res.Done != want {
				t.Errorf("done %q; want %q", res.Done, want)
			}
			if n := e.sim.Count("PUT", "/offers/"); n != 0 || e.publishes() != 0 {
				t.Errorf("%d PUTs, %d publishes; want none", n, e.publishes())
			}
			if res.Image == nil || res.Image.Version != simulator.PublishedVersion {
				t.Errorf("image %+v", res.Image)
			}
			e.noSecrets(t, res, err)
		})
	}
}

// TestImageCPPInDraftOnly: the version with this image is in the draft and
// published nowhere: publish sends the draft as is, add-image is done.
func TestImageCPPInDraftOnly(t *testing.T) {
	e := newImageEnv(t, nil, simulator.WithIdle(), simulator.WithNeverPublished(simulator.Offer))
	res, err := e.run(e.starter(config.StartPublish, simulator.PublishedVersion, simulator.CPPGen2SAS, simulator.CPPGen2DataSAS))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.sim.OfferPuts()); n != 0 || e.publishes() != 1 || res.Target.OperationID == "" {
		t.Errorf("%d PUTs, %d publishes, result %+v; want no PUT, one publish followed", n, e.publishes(), res)
	}
	if !saidHas(res, "is already in the draft of offer contoso-vm with this image: no PUT; publishing the draft as is") {
		t.Errorf("the log does not say why there is no PUT: %q", res.Said)
	}

	e = newImageEnv(t, nil, simulator.WithIdle(), simulator.WithNeverPublished(simulator.Offer))
	res, err = e.run(e.starter(config.StartAddImage, simulator.PublishedVersion, simulator.CPPGen2SAS, simulator.CPPGen2DataSAS))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Done, "already in the draft with this image") || len(e.sim.OfferPuts()) != 0 || e.publishes() != 0 {
		t.Errorf("result %+v; want done, nothing sent", res)
	}
}

// TestImageCPPRefusedBeforeSending: what is refused sends nothing that
// changes anything; a bad SAS sends nothing at all.
func TestImageCPPRefusedBeforeSending(t *testing.T) {
	const secret = "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0PpOoNnMmLlKk%2B%3D"
	badSAS := func(sp, se string) string {
		return "https://contosoimages.blob.core.windows.net/vhds/contoso-vm-1.1.0.vhd?sv=2022-11-02&sr=b&st=2026-11-20T00%3A00%3A00Z&se=" + se + "&sp=" + sp + "&sig=" + secret
	}
	const later, soon = "2027-01-31T00%3A00%3A00Z", "2026-11-24T00%3A00%3A00Z"
	tests := []struct {
		name       string
		version    string
		os         func(e *imageEnv) string
		data       []string
		busy       bool // the simulator's publish in flight is left running
		want       string
		noRequests bool
	}{{
		name:       "SAS grants write",
		version:    "1.1.0",
		os:         func(*imageEnv) string { return badSAS("rwl", later) },
		want:       "SAS for the OS disk (os-disk-sas-uri, blob /vhds/contoso-vm-1.1.0.vhd) grants more than read and list: write (w)",
		noRequests: true,
	}, {
		name:       "SAS expires too soon",
		version:    "1.1.0",
		os:         func(*imageEnv) string { return badSAS("rl", soon) },
		want:       "expires in 2 days",
		noRequests: true,
	}, {
		name:       "data disk SAS",
		version:    "1.1.0",
		os:         func(e *imageEnv) string { return e.sas("contoso-vm-1.1.0-gen2.vhd") },
		data:       []string{badSAS("rl", soon)},
		want:       "SAS for data disk LUN 0 (data-disk-sas-uris",
		noRequests: true,
	}, {
		name:    "same version, another image",
		version: simulator.PublishedVersion,
		os:      func(e *imageEnv) string { return e.sas("contoso-vm-1.0.0-rebuilt.vhd") },
		want:    "version 1.0.0 already exists in live with a different image; published images cannot be changed; choose a new version",
	}, {
		name:    "no such plan",
		version: "1.1.0",
		os:      func(e *imageEnv) string { return e.sas("contoso-vm-1.1.0-gen2.vhd") },
		want:    "is not a plan of offer contoso-vm",
	}, {
		name:    "a publish runs",
		version: "1.1.0",
		os:      func(e *imageEnv) string { return e.sas("contoso-vm-1.1.0-gen2.vhd") },
		busy:    true,
		want:    "something already runs: operation " + simulator.OperationID,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []simulator.Option
			if !tc.busy {
				opts = append(opts, simulator.WithIdle())
			}
			e := newImageEnv(t, nil, opts...)
			s := e.starter(config.StartPublish, tc.version, tc.os(e), tc.data...)
			if tc.name == "no such plan" {
				s.Release.PlanID = "contoso-gen9"
			}
			res, err := e.run(s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v; want %q", err, tc.want)
			}
			if n := len(e.sim.Requests()); tc.noRequests && n != 0 {
				t.Errorf("%d requests; want none before the SAS passed", n)
			}
			if n := e.sim.Count("PUT", "/"); n != 0 || e.publishes() != 0 {
				t.Errorf("%d PUTs, %d publishes; want none", n, e.publishes())
			}
			if tc.noRequests {
				e.wasMasked(t, "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0PpOoNnMmLlKk+=", secret)
			}
			var busy *start.BusyError
			if tc.name == "a publish runs" && !errors.As(err, &busy) {
				t.Errorf("err %T; want a *start.BusyError", err)
			}
			e.noSecrets(t, res, err)
		})
	}
}

// TestImageCPPDryRun: every check and read, nothing sent; the plan names
// the PUT and its ETag, the log holds the offer with the SAS redacted.
func TestImageCPPDryRun(t *testing.T) {
	for _, kind := range []config.Start{config.StartPublish, config.StartAddImage} {
		t.Run(string(kind), func(t *testing.T) {
			e := newImageEnv(t, nil, simulator.WithIdle())
			etag := e.sim.OfferETag(simulator.Offer)
			s := e.starter(kind, "1.1.0", e.sas("contoso-vm-1.1.0-gen2.vhd"))
			s.DryRun = true
			res, err := e.run(s)
			if err != nil {
				t.Fatal(err)
			}
			if n := e.sim.Count("PUT", "/"); n != 0 || e.publishes() != 0 {
				t.Errorf("%d PUTs, %d publishes; want none", n, e.publishes())
			}
			want := "PUT …/offers/contoso-vm (If-Match: " + etag + ") adding version 1.1.0 to plan contoso-gen2"
			if !strings.HasPrefix(res.Plan, want) || strings.Contains(res.Plan, "\n") {
				t.Errorf("plan %q; want one line starting %q", res.Plan, want)
			}
			if publish := strings.Contains(res.Plan, "POST …/offers/contoso-vm/publish"); publish != (kind == config.StartPublish) {
				t.Errorf("plan %q: publish named %v", res.Plan, publish)
			}
			doc := ""
			for _, l := range res.Said {
				if strings.HasPrefix(l, "Dry run: the PUT would send the offer as read") {
					doc = l
				}
			}
			// Only the entry added, redacted: the rest of the offer (which may
			// hold a lead destination's connection string) is not shown.
			if !strings.Contains(doc, `"1.1.0":{"lunVhdDetails":[],"osVhdUrl":"https://contosoimages.blob.core.windows.net/vhds/contoso-vm-1.1.0-gen2.vhd?REDACTED"}`) || strings.Contains(doc, "Contoso's hardened Linux image.") {
				t.Errorf("the log's document %q; want only the entry for 1.1.0, redacted", doc)
			}
			if res.Done != "" || res.Image == nil {
				t.Errorf("result %+v", res)
			}
			e.noSecrets(t, res, err)
		})
	}
}

// TestImageCPPLostPutAnswer: the PUT's answer is lost. It is never sent
// again; the offer read again says whether it landed: it did → publish; it
// did not → an error saying to look.
func TestImageCPPLostPutAnswer(t *testing.T) {
	for _, applied := range []bool{true, false} {
		t.Run(map[bool]string{true: "applied", false: "not applied"}[applied], func(t *testing.T) {
			var puts atomic.Int32
			e := newImageEnv(t, func(sim *simulator.Server) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method != http.MethodPut {
						sim.ServeHTTP(w, r)
						return
					}
					puts.Add(1)
					if !applied {
						http.Error(w, `{"error":{"code":"InternalServerError","message":"We cannot complete the request now, please try again later."}}`, http.StatusInternalServerError)
						return
					}
					sim.ServeHTTP(httptest.NewRecorder(), r)
					if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
						conn.Close() // applied, but no answer
					}
				})
			}, simulator.WithIdle())
			res, err := e.run(e.starter(config.StartPublish, "1.1.0", e.sas("contoso-vm-1.1.0-gen2.vhd")))
			if puts.Load() != 1 {
				t.Errorf("%d PUTs; want one, never sent again", puts.Load())
			}
			if applied {
				if err != nil {
					t.Fatal(err)
				}
				if e.publishes() != 1 || res.Target.OperationID == "" || !saidHas(res, "the PUT was applied") {
					t.Errorf("%d publishes, result %+v; want the publish followed", e.publishes(), res)
				}
			} else {
				if err == nil || !strings.Contains(err.Error(), "does not hold version 1.1.0 in plan contoso-gen2 with the SAS sent: the PUT may not have been applied; look at the offer in Partner Center before running again") {
					t.Fatalf("err %v; want it to say the PUT may not have been applied", err)
				}
				if e.publishes() != 0 {
					t.Errorf("%d publishes; want none", e.publishes())
				}
			}
			e.noSecrets(t, res, err)
		})
	}
}

// TestImageCPPPutRefused: a 400 is an error, nothing published; the
// server's words are shown without the SAS query they quote.
func TestImageCPPPutRefused(t *testing.T) {
	e := newImageEnv(t, func(sim *simulator.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut {
				http.Error(w, `{"error":{"code":"BadRequest","message":"Cannot read the VHD https://contosoimages.blob.core.windows.net/vhds/contoso-vm-1.1.0-gen2.vhd?sv=2022-11-02&sp=rl&sig=QuotedSecretSignature0123456789abcdef%3D of plan contoso-gen2."}}`, http.StatusBadRequest)
				return
			}
			sim.ServeHTTP(w, r)
		})
	}, simulator.WithIdle())
	res, err := e.run(e.starter(config.StartPublish, "1.1.0", e.sas("contoso-vm-1.1.0-gen2.vhd")))
	if err == nil || !strings.Contains(err.Error(), "PUT …/offers/contoso-vm was refused; nothing was written or published") || !strings.Contains(err.Error(), "Cannot read the VHD https://contosoimages.blob.core.windows.net/vhds/contoso-vm-1.1.0-gen2.vhd?REDACTED") {
		t.Fatalf("err %v; want the refusal, redacted", err)
	}
	if strings.Contains(err.Error(), "QuotedSecret") || e.publishes() != 0 {
		t.Errorf("err %v, %d publishes", err, e.publishes())
	}
	e.noSecrets(t, res, err)
}

// TestImageCPPVerifyAfterPut: a PUT answered 200 whose version the offer
// read back does not hold is an error; nothing is published.
func TestImageCPPVerifyAfterPut(t *testing.T) {
	var mu sync.Mutex
	var first *httptest.ResponseRecorder
	put := false
	e := newImageEnv(t, func(sim *simulator.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if r.Method == http.MethodPut {
				put = true
			}
			if r.Method != http.MethodGet || r.URL.Path != "/api/publishers/contoso/offers/contoso-vm" {
				sim.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			sim.ServeHTTP(rec, r)
			if first == nil {
				first = rec
			}
			if put {
				rec = first // the offer as it was before the PUT
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		})
	}, simulator.WithIdle())
	res, err := e.run(e.starter(config.StartPublish, "1.1.0", e.sas("contoso-vm-1.1.0-gen2.vhd")))
	if err == nil || !strings.Contains(err.Error(), "the offer PUT succeeded but version 1.1.0 is not in plan contoso-gen2") {
		t.Fatalf("err %v; want the read back to fail the release", err)
	}
	if e.publishes() != 0 {
		t.Errorf("%d publishes; want none", e.publishes())
	}
	e.noSecrets(t, res, err)
}

// TestImageCPPPutTurnedAway: a PUT turned away with 429 and Retry-After
// never reached the offer: it is sent again, with the same ETag, after the
// wait asked for.
func TestImageCPPPutTurnedAway(t *testing.T) {
	var puts atomic.Int32
	var firstIfMatch atomic.Value
	e := newImageEnv(t, func(sim *simulator.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && puts.Add(1) == 1 {
				firstIfMatch.Store(r.Header.Get("If-Match"))
				w.Header().Set("Retry-After", "7")
				http.Error(w, `{"error":{"code":"TooManyRequests","message":"Rate limit exceeded."}}`, http.StatusTooManyRequests)
				return
			}
			sim.ServeHTTP(w, r)
		})
	}, simulator.WithIdle())
	start0 := e.clock.Now()
	res, err := e.run(e.starter(config.StartAddImage, "1.1.0", e.sas("contoso-vm-1.1.0-gen2.vhd")))
	if err != nil {
		t.Fatal(err)
	}
	got := e.sim.OfferPuts()
	if puts.Load() != 2 || len(got) != 1 || got[0].Status != http.StatusOK || got[0].IfMatch != firstIfMatch.Load() {
		t.Errorf("%d PUTs, the simulator's %+v; want the second taken", puts.Load(), got)
	}
	if waited := e.clock.Now().Sub(start0); waited < 7*time.Second {
		t.Errorf("waited %s; want the 7s asked for", waited)
	}
	if !strings.Contains(res.Done, "added to plan contoso-gen2") {
		t.Errorf("done %q", res.Done)
	}
}
