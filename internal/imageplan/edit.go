package imageplan

import (
	"encoding/json"
	"strings"
)

// The $schema hosts: resources moved from the retired CDN host to
// schema.mp.microsoft.com; reads may still carry the old one, writes naming
// it are refused ("Schema https://product-ingestion.azureedge.net/… could not
// be accessed").
const (
	legacySchemaHost = "product-ingestion.azureedge.net"
	schemaHost       = "schema.mp.microsoft.com"
	schemaBase       = "https://" + schemaHost + "/schema/"
)

// DefaultSchemaVersion is the configure and submission schema revision the
// documents name when the caller gives none.
const DefaultSchemaVersion = "2022-03-01-preview2"

// appendVersion is tc with entry appended to its vmImageVersions and nothing
// else changed, but for what a write must not carry: the read-only
// validations, and a $schema on the retired host.
func appendVersion(tc resource, entry []byte) ([]byte, error) {
	o := tc.obj.clone()
	o.remove("validations")
	if s, ok := o.str("$schema"); ok {
		if moved := movedSchema(s); moved != s {
			b, err := marshal(moved)
			if err != nil {
				return nil, err
			}
			o.set("$schema", b)
		}
	}
	var elems []json.RawMessage
	if raw, ok := o.get("vmImageVersions"); ok {
		var err error
		if elems, _, err = parseArray(raw); err != nil {
			return nil, errorf("technical configuration %s: vmImageVersions: %w", tc.id, err)
		}
	}
	o.set("vmImageVersions", arrayBytes(append(elems, entry)))
	return o.bytes(), nil
}

// movedSchema is a $schema URL on the retired host moved to the current one,
// same path; any other URL as is.
func movedSchema(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	host, path, _ := strings.Cut(rest, "/")
	if !strings.EqualFold(host, legacySchemaHost) || !(strings.EqualFold(scheme, "https") || strings.EqualFold(scheme, "http")) {
		return s
	}
	return "https://" + schemaHost + "/" + path
}

// configureDocument is {"$schema": …/configure/<v>, "resources": [...]}.
func configureDocument(schemaVersion string, resources ...[]byte) ([]byte, error) {
	if schemaVersion == "" {
		schemaVersion = DefaultSchemaVersion
	}
	doc := &object{}
	s, err := marshal(schemaBase + "configure/" + schemaVersion)
	if err != nil {
		return nil, err
	}
	doc.set("$schema", s)
	elems := make([]json.RawMessage, len(resources))
	for i, r := range resources {
		elems[i] = r
	}
	doc.set("resources", arrayBytes(elems))
	return doc.bytes(), nil
}

// submissionJSON is the resource that publishes the draft to preview. Its
// shape is the one internal/start sends for start: publish (and cloudpub
// sends): the draft submission's id with the target set to preview. Without
// an id it is the docs' "method 1" resource, {product, target}, which
// azure-img-utils sends: it too publishes every draft change.
type submissionJSON struct {
	Schema  string `json:"$schema"`
	ID      string `json:"id,omitempty"`
	Product string `json:"product"`
	Target  struct {
		TargetType string `json:"targetType"`
	} `json:"target"`
}

// AddImageDocument is the configure document for start: add-image: the
// technical configuration alone, to the draft.
func (c *Change) AddImageDocument(schemaVersion string) ([]byte, error) {
	if c.Outcome != Add {
		return nil, errorf("version %s of plan %s needs no technical configuration sent (%s)", c.Release.Version, c.Release.PlanID, c.Outcome)
	}
	return configureDocument(schemaVersion, c.TechConfig)
}

// PublishDocument is the configure document for start: publish: the
// technical configuration with the new version (Add; none for InDraft) and
// the draft submission with target preview, in one job. submissionID is the
// draft submission's id from GET submission/{p}; "" takes the draft tree's,
// and if the tree has none the resource goes without an id.
func (c *Change) PublishDocument(schemaVersion, submissionID string) ([]byte, error) {
	if c.Outcome != Add && c.Outcome != InDraft {
		return nil, errorf("version %s of plan %s is already in %s: there is nothing to publish", c.Release.Version, c.Release.PlanID, c.Where)
	}
	if c.Product == "" {
		return nil, errorf("the draft tree names no product (no product resource, and the technical configuration names none): cannot build the submission")
	}
	if schemaVersion == "" {
		schemaVersion = DefaultSchemaVersion
	}
	if submissionID == "" {
		submissionID = c.DraftSubmission
	}
	sub := submissionJSON{Schema: schemaBase + "submission/" + schemaVersion, ID: submissionID, Product: c.Product}
	sub.Target.TargetType = Preview
	sb, err := marshal(sub)
	if err != nil {
		return nil, err
	}
	if c.Outcome == InDraft {
		return configureDocument(schemaVersion, sb)
	}
	return configureDocument(schemaVersion, c.TechConfig, sb)
}
