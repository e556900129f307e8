package imageplan

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The CPP offer's keys for a virtual machine plan's images (creating-offer.md,
// glci-legacy, azpc).
const (
	cppVMOffer       = "microsoft-azure-virtualmachines"
	cppImagesKey     = "microsoft-azure-virtualmachines.vmImages"
	cppGenerationKey = "microsoft-azure-virtualmachines.generation"
)

// CPPOffers are a legacy offer's bodies. Draft (GET …/offers/{offer}, the
// draft slot) is required and is the one edited and PUT back. Preview and
// Live (…/slot/Preview, …/slot/Production) are optional: nil when not read
// or not there (404). They are how published-ness is known: a version in
// Live is live, in Preview is in preview; with neither given, a version is
// taken as published only if the draft's own status says the offer was
// never published (then nothing is).
type CPPOffers struct {
	Draft, Preview, Live []byte
}

// CPPChange is a release checked against a legacy offer.
type CPPChange struct {
	Outcome Outcome
	Where   string  // as Change.Where
	Release Release // image types resolved: the plan's own
	OfferID string  // the offer's id as read
	// SKUIDs is the sku-ids output: the plan's planId as the offer spells it
	// (a CPP plan is its own SKU).
	SKUIDs []string
	// Offer is the draft offer with the version added under the plan's
	// vmImages, every other token as read (Add only): the PUT body.
	Offer json.RawMessage
}

type cppOffer struct {
	root, def *object
	plans     []json.RawMessage
	id        string
	status    string
}

func parseOffer(body []byte, slot string) (*cppOffer, error) {
	root, err := parseObject(body)
	if err != nil {
		return nil, errorf("reading the offer (%s): %w", slot, err)
	}
	o := &cppOffer{root: root}
	o.id, _ = root.str("id")
	o.status, _ = root.str("status")
	if t, ok := root.str("offerTypeId"); ok && !strings.EqualFold(t, cppVMOffer) {
		return nil, errorf("offer %s is a %s offer; only virtual machine offers (%s) take an image version", o.id, t, cppVMOffer)
	}
	def, ok := root.child("definition")
	if !ok {
		return nil, errorf("reading the offer %s (%s): it has no definition object", o.id, slot)
	}
	o.def = def
	if raw, ok := def.get("plans"); ok {
		if o.plans, _, err = parseArray(raw); err != nil {
			return nil, errorf("reading the offer %s (%s): definition.plans: %w", o.id, slot, err)
		}
	}
	return o, nil
}

// plan is the index and object of the plan whose planId is planID.
func (o *cppOffer) plan(planID string) (int, *object, error) {
	for i, raw := range o.plans {
		p, err := parseObject(raw)
		if err != nil {
			return 0, nil, errorf("reading the offer %s: plan %d: %w", o.id, i, err)
		}
		if id, _ := p.str("planId"); strings.EqualFold(id, planID) {
			return i, p, nil
		}
	}
	return -1, nil, nil
}

// planList is the offer's plans for a message: "a (x64Gen1), b (x64Gen2)".
func (o *cppOffer) planList() string {
	var parts []string
	for _, raw := range o.plans {
		p, err := parseObject(raw)
		if err != nil {
			continue
		}
		id, _ := p.str("planId")
		t, _ := cppImageType(p)
		parts = append(parts, fmt.Sprintf("%s (%s)", id, t))
	}
	if len(parts) == 0 {
		return "it has no plans"
	}
	return "its planIds: " + strings.Join(parts, ", ")
}

// cppImageType is the image type a CPP plan's images are: its generation
// ("1", the default when absent, or "2"), x64 (CPP has no arm64 field).
func cppImageType(p *object) (ImageType, string) {
	raw, ok := p.get(cppGenerationKey)
	g := "1"
	if ok {
		if s, isStr := asString(raw); isStr {
			g = strings.TrimSpace(s)
		} else if t := strings.TrimSpace(string(raw)); t != "null" {
			g = t
		}
	}
	switch g {
	case "", "1":
		return X64Gen1, "1"
	case "2":
		return X64Gen2, "2"
	}
	return ImageType("generation " + g), g
}

type cppVersion struct {
	number string
	os     string
	luns   []string
}

// cppVersions reads a plan's vmImages map (absent or null: none).
func cppVersions(p *object, planID string) ([]cppVersion, error) {
	raw, ok := p.get(cppImagesKey)
	if !ok || strings.TrimSpace(string(raw)) == "null" {
		return nil, nil
	}
	m, err := parseObject(raw)
	if err != nil {
		return nil, errorf("plan %s: %s: %w", planID, cppImagesKey, err)
	}
	var out []cppVersion
	for _, mem := range m.members {
		v := cppVersion{number: mem.key}
		if e, err := parseObject(mem.value); err == nil {
			v.os, _ = e.str("osVhdUrl")
			if lr, ok := e.get("lunVhdDetails"); ok {
				luns, _, _ := parseArray(lr)
				for _, l := range luns {
					if lo, err := parseObject(l); err == nil {
						u, _ := lo.str("lunVhdUrl")
						v.luns = append(v.luns, u)
					}
				}
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func (v cppVersion) holds(s *SAS) bool {
	if !SameSAS(v.os, s.OSDisk) || len(v.luns) != len(s.DataDisks) {
		return false
	}
	for i := range v.luns {
		if !SameSAS(v.luns[i], s.DataDisks[i]) {
			return false
		}
	}
	return true
}

type cppEntry struct {
	OSVhdURL      string       `json:"osVhdUrl"`
	LunVhdDetails []cppLunJSON `json:"lunVhdDetails"` // [] when none, as the offers read carry
}

type cppLunJSON struct {
	LunVhdURL string `json:"lunVhdUrl"`
}

// PrepareCPP runs the checks of a release against a legacy offer (the same
// as Prepare's where CPP has the notion) and, when the version is new,
// builds the offer to PUT back.
func PrepareCPP(r Release, offers CPPOffers) (*CPPChange, error) {
	if r.Source.Gallery != nil {
		return nil, errorf("the Cloud Partner Portal API (api: cpp) takes no gallery image: give os-disk-sas-uri (and data-disk-sas-uris) instead of gallery-image-version-id")
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	if r.IfExists == "" {
		r.IfExists = SkipIfIdentical
	}
	draft, err := parseOffer(offers.Draft, Draft)
	if err != nil {
		return nil, err
	}
	idx, plan, err := draft.plan(r.PlanID)
	if err != nil {
		return nil, err
	}
	if plan == nil {
		return nil, errorf("plan-id %s is not a plan of offer %s (%s); set plan-id to one of them", r.PlanID, draft.id, draft.planList())
	}
	own, gen := cppImageType(plan)
	if len(r.ImageTypes) > 1 || len(r.ImageTypes) == 1 && !strings.EqualFold(string(r.ImageTypes[0]), string(own)) {
		return nil, errorf("plan %s of offer %s is a generation %s plan (%s), and a Cloud Partner Portal plan takes images of its own image type only; set image-types to %s or leave it empty, or set plan-id to the plan of that image type (%s)", r.PlanID, draft.id, gen, own, own, draft.planList())
	}
	if _, ok := ParseImageType(string(own)); !ok {
		return nil, errorf("plan %s of offer %s has %s %q, which is neither 1 nor 2", r.PlanID, draft.id, cppGenerationKey, gen)
	}
	r.ImageTypes = []ImageType{own}
	readID, _ := plan.str("planId")
	c := &CPPChange{Release: r, OfferID: draft.id, SKUIDs: []string{readID}}

	draftVersions, err := cppVersions(plan, r.PlanID)
	if err != nil {
		return nil, err
	}
	type hit struct {
		where string
		v     cppVersion
	}
	var hits []hit
	published := map[string]bool{}
	known := strings.EqualFold(draft.status, "neverPublished")
	for _, x := range []struct {
		where string
		body  []byte
	}{{Live, offers.Live}, {Preview, offers.Preview}} {
		if x.body == nil {
			continue
		}
		known = true
		o, err := parseOffer(x.body, x.where)
		if err != nil {
			return nil, err
		}
		_, p, err := o.plan(r.PlanID)
		if err != nil || p == nil {
			continue // the plan is new since that slot was published
		}
		vs, err := cppVersions(p, r.PlanID)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			published[v.number] = true
			if v.number == r.Version {
				hits = append(hits, hit{x.where, v})
			}
		}
	}
	for _, v := range draftVersions {
		if v.number == r.Version {
			hits = append(hits, hit{Draft, v})
		}
	}
	if len(hits) > 0 {
		if r.IfExists == Fail {
			return nil, errorf("version %s of plan %s already exists in %s and if-version-exists is fail; choose a new version", r.Version, r.PlanID, targetName(hits[0].where))
		}
		for _, h := range hits {
			if !h.v.holds(r.Source.SAS) {
				return nil, errorf("version %s already exists in %s with a different image; published images cannot be changed; choose a new version", r.Version, targetName(h.where))
			}
		}
		c.Where = hits[0].where
		if c.Where != Draft {
			c.Outcome = Published
			return c, nil
		}
		c.Outcome = InDraft
	}
	if known {
		for _, v := range draftVersions {
			if v.number != r.Version && !published[v.number] {
				return nil, errorf("plan %s of offer %s already holds version %s, which was never published; Partner Center takes one new image per image type per submission: publish version %s first, or remove it from the draft", r.PlanID, draft.id, v.number, v.number)
			}
		}
	}
	if c.Outcome == InDraft {
		return c, nil
	}
	if c.Offer, err = draft.withVersion(idx, plan, r); err != nil {
		return nil, err
	}
	c.Outcome = Add
	return c, nil
}

// withVersion is the offer with r's version added to plan idx's vmImages map
// (made when absent or null), every other token as read.
func (o *cppOffer) withVersion(idx int, plan *object, r Release) ([]byte, error) {
	e := cppEntry{OSVhdURL: r.Source.SAS.OSDisk, LunVhdDetails: []cppLunJSON{}}
	for _, d := range r.Source.SAS.DataDisks {
		e.LunVhdDetails = append(e.LunVhdDetails, cppLunJSON{LunVhdURL: d})
	}
	entry, err := marshal(e)
	if err != nil {
		return nil, err
	}
	images := &object{}
	if raw, ok := plan.get(cppImagesKey); ok && strings.TrimSpace(string(raw)) != "null" {
		if images, err = parseObject(raw); err != nil {
			return nil, errorf("plan %s: %s: %w", r.PlanID, cppImagesKey, err)
		}
		images = images.clone()
	}
	images.set(r.Version, entry)
	p := plan.clone()
	p.set(cppImagesKey, images.bytes())
	plans := append([]json.RawMessage(nil), o.plans...)
	plans[idx] = p.bytes()
	def := o.def.clone()
	def.set("plans", arrayBytes(plans))
	root := o.root.clone()
	root.set("definition", def.bytes())
	return root.bytes(), nil
}

// Verify proves, on the offer read after the PUT (its answer, or a GET),
// that the plan holds the version with the SAS sent.
func (c *CPPChange) Verify(offer []byte) error {
	r := c.Release
	notIn := func(why string) error {
		return errorf("the offer PUT succeeded but version %s is not in plan %s (%s); look at the offer in Partner Center before running again", r.Version, r.PlanID, why)
	}
	o, err := parseOffer(offer, "read back")
	if err != nil {
		return notIn("the offer read back does not parse")
	}
	_, p, err := o.plan(r.PlanID)
	if err != nil || p == nil {
		return notIn("the offer read back has no such plan")
	}
	vs, err := cppVersions(p, r.PlanID)
	if err != nil {
		return notIn("its images do not parse")
	}
	for _, v := range vs {
		if v.number == r.Version {
			if !v.holds(r.Source.SAS) {
				return errorf("the offer PUT succeeded but version %s of plan %s does not hold the image sent; look at the offer in Partner Center before running again", r.Version, r.PlanID)
			}
			return nil
		}
	}
	return notIn("the offer read back does not list it")
}

// Notice is what to tell the user when the outcome sends nothing new.
func (c *CPPChange) Notice() string {
	ch := Change{Outcome: c.Outcome, Where: c.Where, Release: c.Release}
	return ch.Notice()
}
