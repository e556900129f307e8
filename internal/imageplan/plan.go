package imageplan

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Targets, as Change.Where names them.
const (
	Draft   = "draft"
	Preview = "preview"
	Live    = "live"
)

// Outcome is what a release comes to, once every check passed.
type Outcome int

const (
	// Add: the version is new; send Change.TechConfig (AddImageDocument or
	// PublishDocument).
	Add Outcome = iota + 1
	// InDraft: the draft already holds the version with this image, and no
	// preview or live tree does: nothing to add; a publish sends the draft
	// as is (PublishDocument, without the technical configuration).
	InDraft
	// Published: preview or live already holds the version with this image
	// (Change.Where says which): send nothing, end completed with Notice.
	Published
)

func (o Outcome) String() string {
	switch o {
	case Add:
		return "add"
	case InDraft:
		return "in-draft"
	case Published:
		return "published"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Trees are a product's resource trees. Draft is required; Preview and Live
// are those of the targets the product's submission list shows (nil: the
// product has none there, so nothing of it was published there).
type Trees struct {
	Draft, Preview, Live *Tree
}

// Change is a release checked against a product's trees: what to send, or
// why nothing needs sending.
type Change struct {
	Outcome Outcome
	// Where the identical version already is (InDraft: Draft; Published:
	// Preview or Live); "" for Add.
	Where string
	// Release is the request with its image types resolved (in SKU terms:
	// the plan's only SKU's when none were asked) and spelled canonically.
	Release Release

	OfferID         string // the product's external id ("" when the tree does not say)
	Product         string // product/<guid>
	Plan            string // the plan's durable id
	TechConfigID    string // the technical configuration's id, for DraftChanges
	DraftSubmission string // the draft tree's submission resource id ("" when none)
	SKUIDs          []string
	// TechConfig is the draft technical configuration with the version
	// appended, ready to send (Add only): every other token as read,
	// validations dropped, a legacy $schema host moved.
	TechConfig json.RawMessage

	draft *Tree
}

// Prepare runs every check of a release against the product's trees, in the
// order a user would fix them: the plan, its base plan, its SKUs, the
// version number in each target, the draft's other new versions. It sends
// nothing; every error is for the user as is (no SAS query string in it).
func Prepare(r Release, t Trees) (*Change, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	if r.IfExists == "" {
		r.IfExists = SkipIfIdentical
	}
	if t.Draft == nil {
		return nil, errorf("no draft resource tree to release version %s to", r.Version)
	}
	plan, tc, err := t.Draft.locate(r.PlanID)
	if err != nil {
		return nil, err
	}
	if err := t.Draft.checkBasePlan(r.PlanID, *tc); err != nil {
		return nil, err
	}
	types, skus, err := resolveTypes(*tc, r.PlanID, r.ImageTypes)
	if err != nil {
		return nil, err
	}
	r.ImageTypes = types
	c := &Change{
		Release:         r,
		OfferID:         t.Draft.OfferID(),
		Product:         t.Draft.Product(),
		Plan:            plan.id,
		TechConfigID:    tc.id,
		DraftSubmission: t.Draft.DraftSubmission(),
		SKUIDs:          skus,
		draft:           t.Draft,
	}
	if c.Product == "" {
		c.Product, _ = tc.obj.str("product")
	}

	draftVersions, err := versions(*tc)
	if err != nil {
		return nil, err
	}
	published := map[string]bool{} // version numbers in preview or live
	type hit struct {
		where string
		v     version
	}
	var hits []hit // most published first
	for _, x := range []struct {
		where string
		tree  *Tree
	}{{Live, t.Live}, {Preview, t.Preview}} {
		if x.tree == nil {
			continue
		}
		_, tc, err := x.tree.locate(r.PlanID)
		if err != nil {
			continue // the plan is new since that target was published
		}
		vs, err := versions(*tc)
		if err != nil {
			return nil, errorf("the %s tree: %w", x.where, err)
		}
		for _, v := range vs {
			published[v.number] = true
		}
		if v, ok := find(vs, r.Version); ok {
			hits = append(hits, hit{x.where, v})
		}
	}
	if v, ok := find(draftVersions, r.Version); ok {
		hits = append(hits, hit{Draft, v})
	}
	if len(hits) > 0 {
		if r.IfExists == Fail {
			return nil, errorf("version %s of plan %s already exists in %s and if-version-exists is fail; choose a new version", r.Version, r.PlanID, targetName(hits[0].where))
		}
		for _, h := range hits {
			if h.where == Draft && h.v.deleted() {
				return nil, errorf("version %s is marked deleted in the draft of plan %s; a deleted version cannot be used again: choose a new version", r.Version, r.PlanID)
			}
			if !h.v.holds(types, r.Source) {
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
	if err := checkOneNew(r, draftVersions, published, types); err != nil {
		return nil, err
	}
	if c.Outcome == InDraft {
		return c, nil
	}
	entry, err := entryJSON(r.Version, types, r.Source)
	if err != nil {
		return nil, err
	}
	if c.TechConfig, err = appendVersion(*tc, entry); err != nil {
		return nil, err
	}
	c.Outcome = Add
	return c, nil
}

// targetName is a target as a message says it.
func targetName(where string) string {
	if where == Draft {
		return "the draft"
	}
	return where
}

// Notice is what to tell the user when the outcome sends nothing new.
func (c *Change) Notice() string {
	r := c.Release
	switch c.Outcome {
	case Published:
		return RedactText(fmt.Sprintf("version %s of plan %s is already published to %s with this image; nothing was sent", r.Version, r.PlanID, c.Where))
	case InDraft:
		return RedactText(fmt.Sprintf("version %s of plan %s is already in the draft with this image; nothing was added", r.Version, r.PlanID))
	}
	return ""
}

// locate is the plan planID names and its technical configuration.
func (t *Tree) locate(planID string) (*resource, *resource, error) {
	plan, err := t.plan(planID)
	if err != nil {
		return nil, nil, err
	}
	if plan == nil {
		ids := t.planIDs()
		there := "it has no plans"
		if len(ids) > 0 {
			there = "its plan ids: " + strings.Join(ids, ", ")
		}
		return nil, nil, errorf("plan-id %s is not a plan of offer %s (%s); set plan-id to one of them", planID, t.offerName(), there)
	}
	tc := t.techConfig(*plan)
	if tc == nil {
		return nil, nil, errorf("plan %s of offer %s has no technical configuration in the %s; set the plan up in Partner Center first", planID, t.offerName(), t.targetOr(Draft))
	}
	return plan, tc, nil
}

func (t *Tree) targetOr(def string) string {
	if t.Target != "" {
		return t.Target
	}
	return def
}

// checkBasePlan refuses a plan that reuses another plan's technical
// configuration: its images are the base plan's, so the version belongs
// there.
func (t *Tree) checkBasePlan(planID string, tc resource) error {
	ref, ok := tc.obj.get("basePlan")
	if !ok {
		return nil
	}
	if s, isStr := asString(ref); isStr && strings.TrimSpace(s) == "" || strings.TrimSpace(string(ref)) == "null" {
		return nil
	}
	name := ""
	if base := t.planNamed(ref); base != nil {
		name = externalID(base.obj)
	}
	if name == "" {
		if s, ok := asString(ref); ok {
			name = s
		} else if o, err := parseObject(ref); err == nil {
			name, _ = o.str("externalId")
		}
	}
	if name == "" {
		name = string(ref)
	}
	return errorf("plan %s reuses the technical configuration of plan %s (basePlan), so its images are that plan's; publish the image to plan %s instead", planID, name, name)
}

type sku struct{ imageType, id string }

func skus(tc resource) ([]sku, error) {
	raw, ok := tc.obj.get("skus")
	if !ok {
		return nil, nil
	}
	elems, _, err := parseArray(raw)
	if err != nil {
		return nil, errorf("technical configuration %s: skus: %w", tc.id, err)
	}
	var out []sku
	for i, e := range elems {
		o, err := parseObject(e)
		if err != nil {
			return nil, errorf("technical configuration %s: skus[%d]: %w", tc.id, i, err)
		}
		s := sku{}
		s.imageType, _ = o.str("imageType")
		s.id, _ = o.str("skuId")
		out = append(out, s)
	}
	return out, nil
}

func skuList(ss []sku) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = fmt.Sprintf("%s (%s)", s.id, s.imageType)
	}
	return strings.Join(parts, ", ")
}

// resolveTypes is the image types a release goes to and the SKU of each:
// those asked, each of which must have a SKU; or, when none were asked, the
// image type of the plan's only SKU.
func resolveTypes(tc resource, planID string, asked []ImageType) ([]ImageType, []string, error) {
	ss, err := skus(tc)
	if err != nil {
		return nil, nil, err
	}
	if len(ss) == 0 {
		return nil, nil, errorf("plan %s has no SKUs in its technical configuration; add them in Partner Center first", planID)
	}
	if len(asked) == 0 {
		if len(ss) > 1 {
			return nil, nil, errorf("plan %s has %d SKUs (%s); say which image types the image is for with image-types", planID, len(ss), skuList(ss))
		}
		t, ok := ParseImageType(ss[0].imageType)
		if !ok {
			return nil, nil, errorf("the only SKU of plan %s, %s, has image type %q, which is not one of x64Gen1, x64Gen2, arm64Gen2", planID, ss[0].id, ss[0].imageType)
		}
		return []ImageType{t}, []string{ss[0].id}, nil
	}
	types := canonical(asked)
	var ids []string
	for _, t := range types {
		found := false
		for _, s := range ss {
			if strings.EqualFold(s.imageType, string(t)) {
				ids = append(ids, s.id)
				found = true
				break
			}
		}
		if !found {
			return nil, nil, errorf("plan %s has no SKU for image type %s (its SKUs: %s); set image-types to the image types of its SKUs, or add the SKU in Partner Center first", planID, t, skuList(ss))
		}
	}
	return types, ids, nil
}

// checkOneNew refuses a release when the draft already holds another version
// that was never published (in no preview or live tree, not deleted) for one
// of its image types: Partner Center takes one new image per image type per
// submission.
func checkOneNew(r Release, draft []version, published map[string]bool, types []ImageType) error {
	for _, v := range draft {
		if v.number == r.Version || v.deleted() || published[v.number] {
			continue
		}
		for _, img := range v.images {
			for _, t := range types {
				if strings.EqualFold(img.imageType, string(t)) {
					return errorf("the draft of plan %s already holds version %s for %s, which was never published; Partner Center takes one new image per image type per submission: publish version %s first, or mark it deleted in the draft", r.PlanID, v.number, t, v.number)
				}
			}
		}
	}
	return nil
}
