package simulator

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Configure jobs that apply a technical configuration, judged as Partner
// Center does (vm-image-release.md §1.3, §4): the schema's constraints, then
// the business rules — one new image per image type per submission,
// published images neither edited, deleted nor removed, locked SKUs and
// deprecation schedules. The simulator judges on its own reading of the
// reference; it shares no code with the client that builds the document.

// Stable parts of the failure texts, for tests that look for them.
const (
	// OneNewImageText is Partner Center's rule, quoted from its docs.
	OneNewImageText = "Provide only one new VM image per image type in a given submission."
	// PublishedEditText ends the refusal of a changed published image.
	PublishedEditText = "published images cannot be edited, only deprecated"
	// PublishedRemoveText ends the refusal of a published version left out.
	PublishedRemoveText = "published image versions cannot be removed; deprecate them instead"
	// LockedSKUText is the real service's text for changed SKUs of a
	// published plan (cloudpub 0eb8e95).
	LockedSKUText = "The property 'PlanId' is locked by a previous submission"
	// SchemaFailedText is a schema failure's message, its details saying why.
	SchemaFailedText = "Invalid configuration: schema validation failed"
)

// The schema's patterns, as the service checks them. Compiled when a
// document is checked, not at package init: the simulator is linked into
// every run of the binary (demo), and compiling at init cost each start.
const (
	versionPattern = `^[0-9]+\.[0-9]+\.[0-9]+$`
	skuPattern     = `^[a-z0-9-_]+$`
)

func matches(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }

// imageTypes are the image types the schema allows (preview2 has the x64
// ones, later versions add arm64Gen2).
func imageTypes() []string { return []string{"x64Gen1", "x64Gen2", "arm64Gen2"} }

// isTechConfig reports whether a posted resource is a VM plan's technical
// configuration (a Core VM one is not: the product has none).
func isTechConfig(schema, id string) bool {
	return strings.Contains(schema, "/virtual-machine-plan-technical-configuration/") || strings.HasPrefix(id, techConfigPrefix)
}

// judged is a technical configuration that passed, as the draft stores it.
type judged struct {
	id  string
	raw json.RawMessage
}

// judge checks the posted technical configurations against the trees; it
// returns the job's errors, or none and what to store in the draft.
func (st *imageState) judge(posted []json.RawMessage) ([]wireJobError, []judged) {
	var errs []wireJobError
	var ok []judged
	for i, raw := range posted {
		v, _ := decode(raw)
		m, _ := v.(map[string]any)
		e, j := st.judgeOne(i, m)
		errs = append(errs, e...)
		if len(e) == 0 {
			ok = append(ok, j)
		}
	}
	return errs, ok
}

// version is a vmImageVersions entry, decoded.
type version struct {
	number, state string
	images        map[string]any // image type → source
	types         []string       // image types in order
	schedule      any
}

func (st *imageState) judgeOne(i int, m map[string]any) ([]wireJobError, judged) {
	schema, _ := m["$schema"].(string)
	id, _ := m["id"].(string)
	resName := fmt.Sprintf("virtual-machine-plan-technical-configuration-%d", i)
	if problems := schemaProblems(m); len(problems) > 0 {
		e := wireJobError{Code: "badRequest", Message: SchemaFailedText, ResourceID: id}
		for _, p := range problems {
			e.Details = append(e.Details, wireJobError{Code: "schemaValidationError", Message: "Schema validation failed for schema " + schema + ": " + p, ResourceID: id})
		}
		return []wireJobError{e}, judged{}
	}
	fail := func(code, msg string) wireJobError {
		return wireJobError{Code: "badRequest", Message: msg, ResourceID: id,
			Details: []wireJobError{{Code: code, Message: "Failure for resource: " + resName, ResourceID: id}}}
	}
	if ref := reference(m["product"]); ref != "product/"+ProductID && ref != Offer {
		return []wireJobError{fail("resourceNotFound", "The product '"+ref+"' was not found.")}, judged{}
	}
	guid, external := resolvePlan(reference(m["plan"]))
	if guid == "" {
		return []wireJobError{fail("resourceNotFound", "The plan '"+reference(m["plan"])+"' was not found in product "+ProductID+".")}, judged{}
	}
	want := techConfigPrefix + ProductID + "/" + guid
	if id != "" && id != want {
		return []wireJobError{fail("invalidId", "The id '"+id+"' does not name the technical configuration of plan 'plan/"+ProductID+"/"+guid+"'.")}, judged{}
	}
	if id == "" {
		id = want
	}
	posted := versions(m["vmImageVersions"])
	var errs []wireJobError
	if draft := st.object("draft", want); draft != nil && draft["basePlan"] != nil && len(posted) > 0 {
		errs = append(errs, fail("invalidState", fmt.Sprintf("Plan '%s' reuses the technical configuration of %v: its images are that plan's and cannot be set here.", external, draft["basePlan"])))
	}

	// What preview and live hold: published, so frozen.
	var published []version
	var publishedSKUs any
	seen := map[string]bool{}
	for _, t := range []string{"preview", "live"} {
		tc := st.object(t, want)
		if tc == nil {
			continue
		}
		if publishedSKUs == nil {
			publishedSKUs = tc["skus"]
		}
		for _, v := range versions(tc["vmImageVersions"]) {
			if !seen[v.number] {
				seen[v.number] = true
				published = append(published, v)
			}
		}
	}
	if publishedSKUs != nil && !sameSKUs(publishedSKUs, m["skus"]) {
		errs = append(errs, fail("businessValidationError", LockedSKUText+".")) // as cloudpub quotes it
	}
	byNumber := map[string]version{}
	for _, v := range posted {
		byNumber[v.number] = v
	}
	for _, pub := range published {
		got, there := byNumber[pub.number]
		switch {
		case !there:
			errs = append(errs, fail("invalidResource", fmt.Sprintf("Image version '%s' of plan '%s' is published and cannot be removed from the technical configuration: %s.", pub.number, external, PublishedRemoveText)))
			continue
		case got.state == "deleted":
			for _, t := range pub.types {
				errs = append(errs, fail("invalidResource", fmt.Sprintf("Cannot delete image '%s' of type '%s' as it is already published.", pub.number, upperFirst(t))))
			}
			continue
		}
		for _, t := range union(pub.types, got.types) {
			if a, b := pub.images[t], got.images[t]; a == nil || b == nil || !sameSource(a, b) {
				errs = append(errs, fail("invalidResource", fmt.Sprintf("Cannot edit image '%s' of type '%s' as it is already published: %s.", pub.number, upperFirst(t), PublishedEditText)))
			}
		}
		if pub.schedule != nil && string(encode(pub.schedule)) != string(encode(got.schedule)) {
			for _, t := range pub.types {
				errs = append(errs, fail("invalidResource", fmt.Sprintf("The deprecation schedule for image '%s' of type '%s' is already published and can not be changed in draft.", pub.number, upperFirst(t))))
			}
		}
	}

	// New images: at most one per image type, each with a SKU.
	skuTypes := map[string]bool{}
	for _, s := range asList(m["skus"]) {
		t, _ := asMap(s)["imageType"].(string)
		skuTypes[t] = true
	}
	fresh := map[string][]string{}
	for _, v := range posted {
		if v.state == "deleted" {
			continue
		}
		for _, t := range v.types {
			if !skuTypes[t] {
				errs = append(errs, fail("businessValidationError", fmt.Sprintf("Image type '%s' of image '%s' has no SKU in plan '%s'.", t, v.number, external)))
			}
			if !seen[v.number] {
				fresh[t] = append(fresh[t], v.number)
			}
		}
	}
	for _, t := range imageTypes() {
		if n := fresh[t]; len(n) > 1 {
			errs = append(errs, fail("businessValidationError", fmt.Sprintf("%s Plan '%s' has %d new images of type '%s': %s.", OneNewImageText, external, len(n), t, strings.Join(n, ", "))))
		}
	}
	if len(errs) > 0 {
		return errs, judged{}
	}
	delete(m, "validations") // read-only: the service makes its own
	return nil, judged{id: want, raw: encode(m)}
}

// schemaProblems are m's violations of the technical configuration's
// schema (2022-03-01-preview2 and later), each as a path and what is wrong.
func schemaProblems(m map[string]any) []string {
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	for _, k := range []string{"product", "plan"} {
		if reference(m[k]) == "" {
			add("%s: required (a durable id or {\"externalId\": …})", k)
		}
	}
	skus, isList := m["skus"].([]any)
	if !isList || len(skus) < 1 || len(skus) > 2 {
		add("skus: 1 to 2 items required")
	}
	for i, s := range skus {
		sku := asMap(s)
		if t, _ := sku["imageType"].(string); !slices.Contains(imageTypes(), t) {
			add("skus[%d].imageType: %v is not one of %s", i, sku["imageType"], strings.Join(imageTypes(), ", "))
		}
		if id, _ := sku["skuId"].(string); !matches(skuPattern, id) {
			add("skus[%d].skuId: %v does not match %s", i, sku["skuId"], skuPattern)
		}
	}
	list, isList := m["vmImageVersions"].([]any)
	if m["vmImageVersions"] != nil && !isList {
		add("vmImageVersions: an array required")
	}
	numbers := map[string]bool{}
	for i, raw := range list {
		v := asMap(raw)
		p := fmt.Sprintf("vmImageVersions[%d]", i)
		n, _ := v["versionNumber"].(string)
		switch {
		case !matches(versionPattern, n) || len(n) > 32:
			add("%s.versionNumber: %q does not match %s (at most 32 characters)", p, fmt.Sprint(v["versionNumber"]), versionPattern)
		case numbers[n]:
			add("%s.versionNumber: %s is listed more than once", p, n)
		}
		numbers[n] = true
		if s, there := v["lifecycleState"]; there && !slices.Contains([]any{"generallyAvailable", "deprecated", "deleted"}, s) {
			add("%s.lifecycleState: %v is not one of generallyAvailable, deprecated, deleted", p, s)
		}
		images, _ := v["vmImages"].([]any)
		if len(images) < 1 || len(images) > 2 {
			add("%s.vmImages: 1 to 2 items required", p)
		}
		types := map[string]bool{}
		for j, im := range images {
			ip := fmt.Sprintf("%s.vmImages[%d]", p, j)
			t, _ := asMap(im)["imageType"].(string)
			switch {
			case !slices.Contains(imageTypes(), t):
				add("%s.imageType: %v is not one of %s", ip, asMap(im)["imageType"], strings.Join(imageTypes(), ", "))
			case types[t]:
				add("%s.imageType: %s is listed more than once", ip, t)
			}
			types[t] = true
			out = append(out, sourceProblems(ip+".source", asMap(im)["source"])...)
		}
	}
	return out
}

// sourceProblems checks the source's oneOf: a gallery image (sharedImage
// with tenantId and resourceId, no disks) or SAS URIs (osDisk, data disks
// 0–16 at LUNs 0–15, no sharedImage).
func sourceProblems(p string, v any) []string {
	src, isMap := v.(map[string]any)
	if !isMap {
		return []string{p + ": required"}
	}
	var out []string
	switch src["sourceType"] {
	case "sharedImageGallery":
		shared := asMap(src["sharedImage"])
		for _, k := range []string{"tenantId", "resourceId"} {
			if s, _ := shared[k].(string); s == "" {
				out = append(out, p+".sharedImage."+k+": required")
			}
		}
		for _, k := range []string{"osDisk", "dataDisks"} {
			if _, there := src[k]; there {
				out = append(out, p+"."+k+": not allowed with sourceType sharedImageGallery")
			}
		}
	case "sasUri":
		if u, _ := asMap(src["osDisk"])["uri"].(string); u == "" {
			out = append(out, p+".osDisk.uri: required")
		}
		if _, there := src["sharedImage"]; there {
			out = append(out, p+".sharedImage: not allowed with sourceType sasUri")
		}
		disks, _ := src["dataDisks"].([]any)
		if len(disks) > 16 {
			out = append(out, fmt.Sprintf("%s.dataDisks: %d items, at most 16", p, len(disks)))
		}
		luns := map[string]bool{}
		for k, d := range disks {
			lun := fmt.Sprint(asMap(d)["lunNumber"])
			if n, ok := asMap(d)["lunNumber"].(json.Number); !ok || !slices.Contains(lunNumbers(), n.String()) || luns[lun] {
				out = append(out, fmt.Sprintf("%s.dataDisks[%d].lunNumber: %s is not a free LUN from 0 to 15", p, k, lun))
			}
			luns[lun] = true
			if u, _ := asMap(d)["uri"].(string); u == "" {
				out = append(out, fmt.Sprintf("%s.dataDisks[%d].uri: required", p, k))
			}
		}
	default:
		out = append(out, fmt.Sprintf("%s.sourceType: %v is not one of sharedImageGallery, sasUri", p, src["sourceType"]))
	}
	return out
}

func lunNumbers() []string {
	out := make([]string, 16)
	for i := range out {
		out[i] = fmt.Sprint(i)
	}
	return out
}

// reference is a product or plan reference as a string: a durable id, or
// the externalId (or resourceName) of an object; "" when it is neither.
func reference(v any) string {
	switch r := v.(type) {
	case string:
		return r
	case map[string]any:
		for _, k := range []string{"externalId", "resourceName"} {
			if s, _ := r[k].(string); s != "" {
				return s
			}
		}
	}
	return ""
}

// resolvePlan finds the plan a reference names: its GUID and external id.
func resolvePlan(ref string) (guid, external string) {
	for _, p := range []string{PlanGen2, PlanDual, PlanReuse} {
		g := planGUID(p)
		if strings.EqualFold(ref, "plan/"+ProductID+"/"+g) || ref == p {
			return g, p
		}
	}
	return "", ""
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func asList(v any) []any         { l, _ := v.([]any); return l }

// versions decodes a vmImageVersions list; the schema was checked.
func versions(v any) []version {
	var out []version
	for _, raw := range asList(v) {
		m := asMap(raw)
		ver := version{images: map[string]any{}, schedule: m["deprecationSchedule"]}
		ver.number, _ = m["versionNumber"].(string)
		ver.state, _ = m["lifecycleState"].(string)
		for _, im := range asList(m["vmImages"]) {
			t, _ := asMap(im)["imageType"].(string)
			ver.types = append(ver.types, t)
			ver.images[t] = asMap(im)["source"]
		}
		out = append(out, ver)
	}
	return out
}

// sameSource compares two sources as the service would: ARM ids and
// tenants without case, SAS URIs exactly, data disks by LUN.
func sameSource(a, b any) bool { return string(encode(canonical(a))) == string(encode(canonical(b))) }

func canonical(v any) any {
	src := asMap(v)
	if src["sourceType"] == "sharedImageGallery" {
		shared := asMap(src["sharedImage"])
		return []any{"gallery", strings.ToLower(fmt.Sprint(shared["tenantId"])), strings.ToLower(fmt.Sprint(shared["resourceId"]))}
	}
	disks := []any{}
	for _, d := range asList(src["dataDisks"]) {
		disks = append(disks, []any{fmt.Sprint(asMap(d)["lunNumber"]), asMap(d)["uri"]})
	}
	slices.SortFunc(disks, func(x, y any) int { return strings.Compare(fmt.Sprint(x), fmt.Sprint(y)) })
	return []any{fmt.Sprint(src["sourceType"]), asMap(src["osDisk"])["uri"], disks}
}

// sameSKUs compares two skus lists as sets of image type and SKU id.
func sameSKUs(a, b any) bool {
	set := func(v any) []string {
		var out []string
		for _, s := range asList(v) {
			out = append(out, fmt.Sprint(asMap(s)["imageType"], "=", asMap(s)["skuId"]))
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(set(a), set(b))
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// upperFirst spells an image type as the service's messages do: X64Gen1.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// store puts the judged technical configurations into the draft.
func (st *imageState) store(ok []judged) {
	tree := st.trees["draft"]
	for _, j := range ok {
		if i := index(tree, j.id); i >= 0 {
			tree[i] = j.raw
		} else {
			tree = append(tree, j.raw)
		}
	}
	st.trees["draft"] = tree
}

// follow arranges for a publish, once it succeeds, to make its target's
// tree what the source target held when it was submitted: preview the
// draft, live the preview; the tree then names the publish's submission.
func (st *imageState) follow(p *publish) {
	if p.submission == "" || (p.target != "preview" && p.target != "live") {
		return
	}
	from := "draft"
	if p.target == "live" {
		from = "preview"
	}
	snap := slices.Clone(st.trees[from])
	if i := slices.IndexFunc(snap, func(r json.RawMessage) bool { return strings.HasPrefix(resourceID(r), "submission/") }); i >= 0 {
		snap[i] = encode(treeSubmission(p.submission, p.target))
	}
	target := p.target
	p.landed = func() { st.trees[target] = snap }
}

// applyTechConfigs judges the technical configurations a configure job
// carries: refused, the job fails validation and makes no submission;
// accepted, the draft holds them at once, unless the scenario refuses the
// publish or WithTechnicalConfigurationDropped. The server's mu must be held.
func (s *Server) applyTechConfigs(p *publish, techs []json.RawMessage) {
	errs, ok := s.image.judge(techs)
	if len(errs) > 0 {
		p.outcome, p.submission, p.failures = rejects, "", errs
		return
	}
	if p.outcome == rejects || s.image.drop {
		return
	}
	s.image.store(ok)
	for _, j := range ok {
		v, _ := decode(j.raw)
		p.resources = append(p.resources, v)
	}
}
