package imageplan

import (
	"encoding/json"
	"strings"
)

// Tree is a product's resource tree for one target, as GET
// resource-tree/product/{p}?targetType=draft|preview|live returns it. The
// resources are kept as read; nothing is decoded into a model.
type Tree struct {
	Target    string // target.targetType as read ("" when absent)
	Root      string // root as read
	resources []resource
}

// resource is one resource of a tree.
type resource struct {
	id  string
	obj *object
}

// ParseTree reads a resource tree. It refuses only what it cannot read: a
// body that is not a JSON object, or resources that are not a list of
// objects.
func ParseTree(body []byte) (*Tree, error) {
	top, err := parseObject(body)
	if err != nil {
		return nil, errorf("reading the resource tree: %w", err)
	}
	raw, ok := top.get("resources")
	if !ok {
		return nil, errorf("reading the resource tree: it has no resources list")
	}
	elems, _, err := parseArray(raw)
	if err != nil {
		return nil, errorf("reading the resource tree: resources: %w", err)
	}
	t := &Tree{}
	t.Root, _ = top.str("root")
	if target, ok := top.child("target"); ok {
		t.Target, _ = target.str("targetType")
	}
	for i, e := range elems {
		o, err := parseObject(e)
		if err != nil {
			return nil, errorf("reading the resource tree: resource %d: %w", i, err)
		}
		id, _ := o.str("id")
		t.resources = append(t.resources, resource{id: id, obj: o})
	}
	return t, nil
}

// kind is the resource type an id names: its first segment.
func kind(id string) string {
	k, _, _ := strings.Cut(id, "/")
	return k
}

// schemaKind is the resource type a $schema URL names, whichever host it is
// on: .../schema/<kind>/<revision>.
func schemaKind(schema string) string {
	_, rest, ok := strings.Cut(schema, "/schema/")
	if !ok {
		return ""
	}
	k, _, _ := strings.Cut(rest, "/")
	return k
}

func (r resource) isSubmission() bool {
	s, _ := r.obj.str("$schema")
	return kind(r.id) == "submission" && strings.Contains(r.id, "/") || schemaKind(s) == "submission"
}

// isTechConfig matches a VM or Core VM technical configuration by its id or
// by its $schema path, on either host and at any revision.
func (r resource) isTechConfig() bool {
	s, _ := r.obj.str("$schema")
	return strings.Contains(schemaKind(s), "virtual-machine-plan-technical-configuration") ||
		strings.HasSuffix(kind(r.id), "virtual-machine-plan-technical-configuration") && strings.Contains(r.id, "/")
}

func externalID(o *object) string {
	ident, ok := o.child("identity")
	if !ok {
		return ""
	}
	s, _ := ident.str("externalId")
	return s
}

// product is the tree's product resource: the root when it is there, else the
// only product.
func (t *Tree) product() *resource {
	var found *resource
	for i, r := range t.resources {
		if kind(r.id) != "product" || !strings.Contains(r.id, "/") {
			continue
		}
		if strings.EqualFold(r.id, t.Root) || found == nil {
			found = &t.resources[i]
		}
	}
	return found
}

// offerName is how messages name the product: its offer id, else its id.
func (t *Tree) offerName() string {
	if p := t.product(); p != nil {
		if x := externalID(p.obj); x != "" {
			return x
		}
		return p.id
	}
	if t.Root != "" {
		return t.Root
	}
	return "(unnamed product)"
}

// plans are the tree's plan resources.
func (t *Tree) plans() []resource {
	var out []resource
	for _, r := range t.resources {
		if strings.HasPrefix(r.id, "plan/") {
			out = append(out, r)
		}
	}
	return out
}

// plan is the plan whose external id is planID; nil when there is none.
func (t *Tree) plan(planID string) (*resource, error) {
	var found *resource
	for _, p := range t.plans() {
		if !strings.EqualFold(externalID(p.obj), planID) {
			continue
		}
		if found != nil {
			return nil, errorf("product %s has two plans with plan id %s (%s and %s); Partner Center should not allow it: look at the product in Partner Center", t.offerName(), planID, found.id, p.id)
		}
		found = &p
	}
	return found, nil
}

// planIDs are the external ids of the tree's plans, for messages.
func (t *Tree) planIDs() []string {
	var out []string
	for _, p := range t.plans() {
		if x := externalID(p.obj); x != "" {
			out = append(out, x)
		} else {
			out = append(out, p.id)
		}
	}
	return out
}

// refersTo reports whether a resource reference (schema resource-reference:
// a durable id string, or {"externalId": …}) names plan. A two-part
// "plan/<planGuid>" matches a three-part "plan/<productGuid>/<planGuid>":
// cloudpub's recorded trees carry that form on the technical configuration.
func refersTo(ref json.RawMessage, plan resource) bool {
	if s, ok := asString(ref); ok {
		if strings.EqualFold(s, plan.id) {
			return true
		}
		g, ok := strings.CutPrefix(s, "plan/")
		return ok && g != "" && !strings.Contains(g, "/") && strings.HasSuffix(strings.ToLower(plan.id), "/"+strings.ToLower(g))
	}
	o, err := parseObject(ref)
	if err != nil {
		return false
	}
	x, ok := o.str("externalId")
	return ok && x != "" && strings.EqualFold(x, externalID(plan.obj))
}

// planNamed is the plan a reference names, by durable id or external id.
func (t *Tree) planNamed(ref json.RawMessage) *resource {
	for _, p := range t.plans() {
		if refersTo(ref, p) {
			return &p
		}
	}
	return nil
}

// techConfig is plan's technical configuration; nil when there is none.
func (t *Tree) techConfig(plan resource) *resource {
	for i, r := range t.resources {
		if !r.isTechConfig() {
			continue
		}
		if ref, ok := r.obj.get("plan"); ok && refersTo(ref, plan) {
			return &t.resources[i]
		}
	}
	return nil
}

// DraftSubmission is the id of the tree's draft submission resource ("" when
// the tree holds none): the one a publish to preview sends.
func (t *Tree) DraftSubmission() string {
	for _, r := range t.resources {
		if !r.isSubmission() {
			continue
		}
		if target, ok := r.obj.child("target"); ok {
			if tt, _ := target.str("targetType"); strings.EqualFold(tt, "draft") {
				return r.id
			}
		}
	}
	return ""
}

// Product is the durable id of the tree's product ("product/<guid>").
func (t *Tree) Product() string {
	if p := t.product(); p != nil {
		return p.id
	}
	return ""
}

// OfferID is the product's external id (the offer id), "" when the tree does
// not say.
func (t *Tree) OfferID() string {
	if p := t.product(); p != nil {
		return externalID(p.obj)
	}
	return ""
}
