package imageplan

import (
	"fmt"
	"reflect"
	"strings"
)

// Verify proves, on the tree read after the configure job succeeded (the
// draft, or preview after a publish), that the version is in the plan with
// the source sent: a job's success alone is no proof that this image landed.
func (c *Change) Verify(after *Tree) error {
	r := c.Release
	notIn := func(why string) error {
		return errorf("the configure job succeeded but version %s is not in plan %s (%s); look at the plan in Partner Center before running again", r.Version, r.PlanID, why)
	}
	if after == nil {
		return notIn("no tree was read back")
	}
	where := "the " + after.targetOr("tree") + " read back"
	_, tc, err := after.locate(r.PlanID)
	if err != nil {
		return notIn(where + " has no such plan or no technical configuration for it")
	}
	vs, err := versions(*tc)
	if err != nil {
		return err
	}
	v, ok := find(vs, r.Version)
	if !ok {
		return notIn(where + " does not list it")
	}
	if v.deleted() {
		return notIn(where + " lists it as deleted")
	}
	if !v.holds(r.ImageTypes, r.Source) {
		return errorf("the configure job succeeded but version %s of plan %s does not hold the image sent (%s shows other images or image types); look at the plan in Partner Center before running again", r.Version, r.PlanID, where)
	}
	return nil
}

// DraftChanges are the resources of the draft that a publish would ship
// besides the technical configuration except (Change.TechConfigID): those
// that differ from the same id in newest (the newest preview or live tree),
// or exist only in the draft. Ignored: $schema (its host and revision vary by
// read), the read-only validations, key order, the order of resources, and
// submission resources. Values compare as JSON: numbers by their literal
// text, nulls kept. With newest nil (nothing was ever published) every draft
// resource is new. The ids come in the draft's order.
func DraftChanges(draft, newest *Tree, except string) []string {
	if draft == nil {
		return nil
	}
	base := map[string]any{}
	if newest != nil {
		for _, r := range newest.resources {
			if r.isSubmission() {
				continue
			}
			base[strings.ToLower(r.id)] = normalized(r)
		}
	}
	var out []string
	for i, r := range draft.resources {
		if r.isSubmission() || r.id != "" && strings.EqualFold(r.id, except) {
			continue
		}
		b, ok := base[strings.ToLower(r.id)]
		if ok && r.id != "" && reflect.DeepEqual(b, normalized(r)) {
			continue
		}
		id := r.id
		if id == "" {
			id = fmt.Sprintf("(resource %d, which has no id)", i)
		}
		out = append(out, id)
	}
	return out
}

// normalized is r decoded for comparing, without the fields a read varies.
func normalized(r resource) any {
	o := r.obj.clone()
	o.remove("$schema")
	o.remove("validations")
	v, err := semantic(o.bytes())
	if err != nil {
		return nil // unreachable: r was read as JSON
	}
	return v
}

// maxListed bounds the ids a message names: an annotation is cut at 4096
// characters.
const maxListed = 20

// DraftChangesError is the refusal for DraftChanges' ids, naming them (the
// first 20) and what to do.
func DraftChangesError(offerID, planID string, ids []string) error {
	if offerID == "" {
		offerID = "(this product)"
	}
	list := ids
	more := ""
	if len(list) > maxListed {
		more = fmt.Sprintf(" and %d more", len(list)-maxListed)
		list = list[:maxListed]
	}
	return errorf("the draft of offer %s has unpublished changes outside the technical configuration of plan %s: %s%s; publishing now would ship them too: publish or discard them in Partner Center first, or set allow-draft-changes: true", offerID, planID, strings.Join(list, ", "), more)
}
