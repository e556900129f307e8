package simulator

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The CPP offer document and its optimistic concurrency, from
// vm-image-release.md §1.5 (creating-offer.md, concurrency-control.md): GET
// returns the draft offer with an ETag; PUT must send it back in If-Match —
// none is a 400, a stale one a 412, "*" updates without any check.

// CPP side: the offer's plans and the SAS URIs of their published versions.
const (
	// CPPPlanGen1 is the offer's second plan (generation 1); PlanGen2 is
	// the first, with PublishedVersion from CPPGen2SAS and one data disk.
	CPPPlanGen1 = "contoso-gen1"

	SigCPPGen2     = "Yx7Wv4Ut1Sr8Qp5On2Ml9Kj6Ih3Gf0Ed%2BcBa9Zy8Xw%3D"
	SigCPPGen2Data = "Pq1Rs4Tu7Vw0Xy3Za6Bc9De2Fg5Hi8Jk%2FlMnOpQrSt%3D"
	SigCPPGen1     = "Lm3No6Pq9Rs2Tu5Vw8Xy1Za4Bc7De0Fg%2BhIjKlMnOp%3D"

	CPPGen2SAS     = blobBase + "contoso-vm-1.0.0-gen2.vhd" + sasQuery + SigCPPGen2
	CPPGen2DataSAS = blobBase + "contoso-vm-1.0.0-gen2-lun0.vhd" + sasQuery + SigCPPGen2Data
	CPPGen1SAS     = blobBase + "contoso-vm-1.0.0-gen1.vhd" + sasQuery + SigCPPGen1

	// ForeignSummary is the offer's summary after someone else's edit
	// under WithStaleETagOnce.
	ForeignSummary = "Contoso VM, edited in the Cloud Partner Portal meanwhile."

	vmImagesKey = "microsoft-azure-virtualmachines.vmImages"
)

// OfferPut is one PUT of an offer the simulator received.
type OfferPut struct {
	Offer   string
	IfMatch string // as sent; "" when there was none
	Body    []byte
	Status  int
}

// OfferImage is one version of a CPP plan's vmImages.
type OfferImage struct {
	OSVhdURL   string
	LunVhdURLs []string
}

// cppState is the offers' documents; the server's mu guards it.
type cppState struct {
	offers    map[string]*cppOffer
	slots     map[string]*cppSlots
	puts      []OfferPut
	changes   int  // ETag sequence
	staleOnce bool // WithStaleETagOnce, until it has struck
	// neverPublished are the offers of WithNeverPublished.
	neverPublished []string
}

type cppOffer struct {
	doc  map[string]any
	etag string
}

func newCPPState() *cppState {
	return &cppState{offers: map[string]*cppOffer{}, slots: map[string]*cppSlots{}}
}

// WithStaleETagOnce has someone else edit the offer (its summary becomes
// ForeignSummary) just before the first PUT that names an ETag, so that
// PUT answers 412 and a client must read again and re-apply its change.
func WithStaleETagOnce() Option { return func(s *Server) { s.cppDocs.staleOnce = true } }

// etag is the next ETag, in the docs' form: W/"datetime'<escaped time>'".
func (st *cppState) etag() string {
	st.changes++
	at := time.Date(2026, 11, 21, 9, 0, 0, 4771399*100, time.UTC).Add(time.Duration(st.changes) * time.Second)
	return `W/"datetime'` + url.QueryEscape(at.Format(stampLayout)) + `'"`
}

// offer is offer's document, made on first use; the server's mu must be held.
func (s *Server) offer(offer string) *cppOffer {
	if o := s.cppDocs.offers[offer]; o != nil {
		return o
	}
	status := statusPublished
	if sl := s.slots(offer); sl.preview == nil && sl.production == nil {
		status = statusNeverPublished
	}
	v, _ := decode(encode(offerDoc(offer, s.isLegacy(offer), status)))
	o := &cppOffer{doc: v.(map[string]any), etag: s.cppDocs.etag()}
	s.cppDocs.offers[offer] = o
	return o
}

// The offer's status: published, or never published (retrieve-offers'
// "Offer has never been published").
const (
	statusPublished      = "published"
	statusNeverPublished = "neverPublished"
)

// offerDoc is the draft of a VM offer, shaped as the captured PUT answer:
// vmImages keyed by version, a null, a float written 1111.0.
func offerDoc(offer string, legacy bool, status string) map[string]any {
	migration := "migrated"
	if legacy {
		migration = "notMigrated"
	}
	plan := func(id, gen, title string, images map[string]any) map[string]any {
		const vm = "microsoft-azure-virtualmachines."
		return map[string]any{
			"planId":                               id,
			vm + "cloudAvailability":               []any{"PublicAzure"},
			vm + "certificationsFairfax":           []any{},
			vm + "legacyPlanId":                    id,
			vm + "hideSKUForSolutionTemplate":      false,
			"virtualMachinePricingV2":              map[string]any{"isByol": false, "coreMultiplier": map[string]any{"currency": "USD", "single": json.Number("1111.0")}, "freeTrialDurationInMonths": 0},
			"regions":                              []any{"AZ"},
			vm + "openPorts":                       []any{},
			vm + "operatingSystemFamily":           "Linux",
			vm + "operationSystem":                 "Contoso Linux 24.04",
			vm + "osType":                          "Ubuntu",
			vm + "recommendedVMSizes":              []any{"d2s-standard-v5"},
			vm + "supportsAcceleratedNetworking":   true,
			vm + "supportsCloudInit":               true,
			vm + "generation":                      gen,
			vm + "allowOnlyManagedDiskDeployments": true,
			vm + "patchOptions":                    map[string]any{"supportsHotpatch": false},
			vmImagesKey:                            images,
			vm + "skuTitle":                        title,
			vm + "skuSummary":                      title + ".",
			vm + "skuDescription":                  title + ", hardened.",
		}
	}
	return map[string]any{
		"offerTypeId": "microsoft-azure-virtualmachines", "publisherId": Publisher, "status": status,
		"pcMigrationStatus": migration, "pcRedirectUri": "", "isvUpgradeRequest": false, "version": 5, "id": offer,
		"definition": map[string]any{
			"displayText": "Contoso " + offer,
			"offer": map[string]any{
				"microsoft-azure-marketplace.title": "Contoso VM", "microsoft-azure-marketplace.summary": "Contoso's hardened Linux image.",
				"microsoft-azure-marketplace.customAmendments": nil, "microsoft-azure-marketplace.allowedSubscriptions": []any{},
				"microsoft-azure-marketplace.privacyURL": "https://contoso.com/privacy",
			},
			"plans": []any{
				plan(PlanGen2, "2", "Contoso VM Gen2", map[string]any{PublishedVersion: map[string]any{"osVhdUrl": CPPGen2SAS, "lunVhdDetails": []any{map[string]any{"lunVhdUrl": CPPGen2DataSAS}}}}),
				plan(CPPPlanGen1, "1", "Contoso VM Gen1", map[string]any{PublishedVersion: map[string]any{"osVhdUrl": CPPGen1SAS, "lunVhdDetails": []any{}}}),
			},
		},
		"changedTime": "2026-11-20T23:33:47.8802283Z",
	}
}

// serve answers with the offer's document and its ETag (header and eTag).
func (o *cppOffer) serve(w http.ResponseWriter, code int) {
	doc := o.doc
	doc["eTag"] = o.etag
	b := encode(doc)
	w.Header().Set("ETag", o.etag)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

func (s *Server) cppOfferRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/publishers/{p}/offers/{o}", s.api(s.getOffer))
	mux.HandleFunc("PUT /api/publishers/{p}/offers/{o}", s.api(s.putOffer))
	mux.HandleFunc("GET /api/publishers/{p}/offers/{o}/slot/{slot}", s.api(s.getSlot))
	// Any other method: a slot is read-only.
	mux.HandleFunc("/api/publishers/{p}/offers/{o}/slot/{slot}", s.api(slotReadOnly))
}

func (s *Server) getOffer(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offer(r.PathValue("o")).serve(w, http.StatusOK)
}

// putOffer replaces the offer's draft: 400 without If-Match, 412 when it
// is not the current ETag, 400 on a document the API refuses; 200 with
// the stored document and a new ETag.
func (s *Server) putOffer(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	offer, ifMatch := r.PathValue("o"), r.Header.Get("If-Match")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cppDocs.puts = append(s.cppDocs.puts, OfferPut{Offer: offer, IfMatch: ifMatch, Body: body})
	put := &s.cppDocs.puts[len(s.cppDocs.puts)-1]
	answer := func(code int, kind, msg string) {
		put.Status = code
		apiError(w, code, kind, msg)
	}
	o := s.offer(offer)
	if ifMatch == "" {
		answer(http.StatusBadRequest, "BadRequest", "The If-Match header is required: send the ETag the offer was read with, or * to overwrite. Failure to provide the If-Match header will result in an HTTP 400 error.")
		return
	}
	if s.cppDocs.staleOnce && ifMatch != "*" {
		s.cppDocs.staleOnce = false
		asMap(asMap(o.doc["definition"])["offer"])["microsoft-azure-marketplace.summary"] = ForeignSummary
		o.etag = s.cppDocs.etag()
	}
	if ifMatch != "*" && !etagMatches(ifMatch, o.etag) {
		answer(http.StatusPreconditionFailed, "PreconditionFailed", "The offer has changed since it was read. The client should check the ETAG sent with the request.")
		return
	}
	v, err2 := decode(body)
	doc, _ := v.(map[string]any)
	if err != nil || err2 != nil || doc == nil {
		answer(http.StatusBadRequest, "BadRequest", "The request body is not a JSON offer document.")
		return
	}
	if problem := refuse(offer, doc, s.liveImages(offer)); problem != "" {
		answer(http.StatusBadRequest, "BadRequest", problem)
		return
	}
	delete(doc, "eTag") // the service's, not the client's
	o.doc, o.etag = doc, s.cppDocs.etag()
	put.Status = http.StatusOK
	o.serve(w, http.StatusOK)
}

// etagMatches compares an If-Match list with the current ETag, the weak
// marker aside.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}

// refuse is why the API turns a PUT document down, "" when it takes it: the
// offer's id, its plans, version keys X.Y.Z, and the versions live
// (published: each plan's vmImages in the Production slot) left as they
// are. The last two are this simulator's reading: the CPP pages say nothing
// of them, Partner Center refuses both.
func refuse(offer string, doc map[string]any, published map[string]map[string]any) string {
	if doc["id"] != offer {
		return fmt.Sprintf("The offer id %v of the document does not match the offer %s of the URL.", doc["id"], offer)
	}
	plans, isList := asMap(doc["definition"])["plans"].([]any)
	if !isList {
		return "definition.plans must be an array of plans."
	}
	ids := []string{}
	for _, p := range plans {
		plan := asMap(p)
		id, _ := plan["planId"].(string)
		ids = append(ids, id)
		images, isMap := plan[vmImagesKey].(map[string]any)
		if !isMap {
			return fmt.Sprintf("Plan '%s': %s must be an object keyed by version.", id, vmImagesKey)
		}
		for v, img := range images {
			vhd, _ := asMap(img)["osVhdUrl"].(string)
			if !matches(versionPattern, v) {
				return fmt.Sprintf("Plan '%s': version '%s' is not valid: versions are major.minor.patch.", id, v)
			}
			if _, live := published[id][v]; !live && vhd == "" {
				return fmt.Sprintf("Plan '%s': version '%s' has no osVhdUrl.", id, v)
			}
		}
		for v, was := range published[id] {
			if now, there := images[v]; !there || string(encode(now)) != string(encode(was)) {
				return fmt.Sprintf("Plan '%s': version '%s' is published and cannot be changed or removed.", id, v)
			}
		}
	}
	for id := range published {
		if !slices.Contains(ids, id) {
			return fmt.Sprintf("Plan '%s' is published and cannot be removed from the offer.", id)
		}
	}
	return ""
}

// OfferPuts are the PUTs of offers received, oldest first.
func (s *Server) OfferPuts() []OfferPut {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.cppDocs.puts)
	for i := range out {
		out[i].Body = slices.Clone(out[i].Body)
	}
	return out
}

// OfferETag is the offer's current ETag.
func (s *Server) OfferETag(offer string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offer(offer).etag
}

// OfferImages are the versions of plan's vmImages in the offer's draft.
func (s *Server) OfferImages(offer, plan string) map[string]OfferImage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]OfferImage{}
	for _, p := range asList(asMap(s.offer(offer).doc["definition"])["plans"]) {
		if asMap(p)["planId"] != plan {
			continue
		}
		for v, img := range asMap(asMap(p)[vmImagesKey]) {
			im := OfferImage{}
			im.OSVhdURL, _ = asMap(img)["osVhdUrl"].(string)
			for _, l := range asList(asMap(img)["lunVhdDetails"]) {
				u, _ := asMap(l)["lunVhdUrl"].(string)
				im.LunVhdURLs = append(im.LunVhdURLs, u)
			}
			out[v] = im
		}
	}
	return out
}

// The slots of an offer (vm-image-release.md §1.5): Draft is the offer as
// GET …/offers/{o} serves it; Preview is what was last published to
// preview, Production what was last taken live. "Attempting to retrieve an
// offer that has not been previewed or published will result in a 404"
// (retrieve-specific-offer.md).

// cppSlots are an offer's Preview and Production slots: the offer's
// document as deployed there, encoded; nil when never deployed.
type cppSlots struct{ preview, production []byte }

// WithNeverPublished makes offer one never published: its status is
// neverPublished and its Preview and Production slots answer 404 until a
// publish reaches preview (and a go-live, live). Its versions are then not
// live: a PUT may change them.
func WithNeverPublished(offer string) Option {
	return func(s *Server) { s.cppDocs.neverPublished = append(s.cppDocs.neverPublished, offer) }
}

// slots are offer's slots, made on first use: at the start both hold the
// offer's document as New makes it (published: its versions are live),
// unless WithNeverPublished. The server's mu must be held.
func (s *Server) slots(offer string) *cppSlots {
	if sl := s.cppDocs.slots[offer]; sl != nil {
		return sl
	}
	sl := &cppSlots{}
	if !slices.Contains(s.cppDocs.neverPublished, offer) {
		doc := encode(offerDoc(offer, s.isLegacy(offer), statusPublished))
		sl.preview, sl.production = doc, doc
	}
	s.cppDocs.slots[offer] = sl
	return sl
}

// draftCopy is the offer's draft as a publish started now sends it to
// preview: nil when the draft is still the one New makes (it is made when
// deployed, so that a publish does not move the ETag numbering). The
// server's mu must be held.
func (s *Server) draftCopy(offer string) []byte {
	o := s.cppDocs.offers[offer]
	if o == nil {
		return nil
	}
	doc := maps.Clone(o.doc)
	delete(doc, "eTag") // the draft's, not the slot's
	doc["status"] = statusPublished
	return encode(doc)
}

// settle moves offer's slots on as far as its operation p has got: a
// publish at sign-off (or past it) deploys to Preview the draft it was
// started with; an operation that went live copies Preview to Production.
// Settling again is a no-op: only a new operation changes what it copies.
// An idle or canceled operation moves nothing further. The server's mu must
// be held.
func (s *Server) settle(offer string, p *play) {
	if p == nil || p.idle || p.canceled {
		return
	}
	op := p.current()
	live := wentLive(op)
	sl := s.slots(offer)
	if p.kind == kindPublish && (live || atPreview(op)) {
		sl.preview = p.draft
		if sl.preview == nil {
			sl.preview = encode(offerDoc(offer, s.isLegacy(offer), statusPublished))
		}
		// A first publish: the draft is no longer never published.
		if o := s.cppDocs.offers[offer]; o != nil && o.doc["status"] == statusNeverPublished {
			o.doc["status"], o.etag = statusPublished, s.cppDocs.etag()
		}
	}
	if live {
		sl.production = sl.preview
	}
}

// atPreview reports whether op shows the offer in preview: its
// publisher-signoff step ("Offer is available to preview") waits for
// review or is done.
func atPreview(op wireOperation) bool {
	for _, st := range op.Steps {
		if st.ID == "publisher-signoff" {
			switch strings.ToLower(st.Status) {
			case "waitingforpublisherreview", "complete", "completed":
				return true
			}
		}
	}
	return false
}

// wentLive reports whether op has finished well: live.
func wentLive(op wireOperation) bool {
	switch strings.ToLower(op.Status) {
	case "succeeded", "completed", "complete":
		return true
	}
	return false
}

// liveImages are each plan's vmImages in the Production slot, none when
// nothing is live. The server's mu must be held.
func (s *Server) liveImages(offer string) map[string]map[string]any {
	out := map[string]map[string]any{}
	v, _ := decode(s.slots(offer).production) // nil: nothing live
	for _, p := range asList(asMap(asMap(v)["definition"])["plans"]) {
		id, _ := asMap(p)["planId"].(string)
		out[id] = asMap(asMap(p)[vmImagesKey])
	}
	return out
}

// offerStatus is offer's status as the offers list shows it.
func (s *Server) offerStatus(offer string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.cppDocs.offers[offer]; o != nil {
		if st, ok := o.doc["status"].(string); ok {
			return st
		}
	}
	if sl := s.slots(offer); sl.preview == nil && sl.production == nil {
		return statusNeverPublished
	}
	return statusPublished
}

// getSlot serves a slot, its name in any case: Draft as GET offer does,
// Preview and Production as deployed, 404 with the API's words when never
// deployed (the Preview slot is "Staging" there, as in the operations list).
// A slot name the API does not know is a 400, not a 404 a client would
// read as "nothing published".
func (s *Server) getSlot(w http.ResponseWriter, r *http.Request) {
	offer, name := r.PathValue("o"), r.PathValue("slot")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle(offer, s.plays[offer])
	var doc []byte
	var called string
	switch {
	case strings.EqualFold(name, "Draft"):
		s.offer(offer).serve(w, http.StatusOK)
		return
	case strings.EqualFold(name, "Preview"):
		doc, called = s.slots(offer).preview, "Staging"
	case strings.EqualFold(name, "Production"):
		doc, called = s.slots(offer).production, "Production"
	default:
		apiError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("The slot '%s' is not valid: it is Draft, Preview or Production.", name))
		return
	}
	if doc == nil {
		apiError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("There is no %s slot deployed for Offer ID '%s', Publisher ID '%s'", called, offer, Publisher))
		return
	}
	// Read-only: no ETag, nothing to send back.
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(slices.Clone(doc), '\n'))
}

// slotReadOnly answers any method but GET on a slot: 405. The pages give a
// slot a GET only; the draft is changed with PUT …/offers/{o}.
func slotReadOnly(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "GET, HEAD")
	apiError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", fmt.Sprintf("The %s slot is read-only: %s is not allowed; change the draft with PUT /api/publishers/{publisherId}/offers/{offerId}.", r.PathValue("slot"), r.Method))
}
