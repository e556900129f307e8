package simulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// The product's resources as Partner Center holds them, per target (draft,
// preview, live), from vm-image-release.md §1.1–1.3: plans, their technical
// configurations with SKUs and image versions, and the quirks of the real
// trees — $schema on the retired host for some resources, read-only
// validations, a number past float64's precision, a float written 1111.0,
// a null.

// The plans of the product (external ids, Partner Center's Plan IDs) and
// their durable ids.
const (
	// PlanGen2 has one SKU (SKUGen2, x64Gen2) and the versions
	// DeprecatedVersion and PublishedVersion from a Compute Gallery, in
	// draft, preview and live; its technical configuration is read with its
	// $schema on the retired host.
	PlanGen2 = "contoso-gen2"
	// PlanDual has two SKUs (SKUDualGen2 x64Gen2, SKUDualGen1 x64Gen1) and
	// PublishedVersion from SAS URIs, published.
	PlanDual = "contoso-dual"
	// PlanReuse reuses PlanGen2's technical configuration (basePlan).
	PlanReuse = "contoso-reuse"

	planGen2GUID  = "3f1c9a2e-7b4d-4e6f-9a81-2c3d4e5f6a7b"
	planDualGUID  = "5a2b8c4d-1e3f-4a5b-8c6d-7e8f9a0b1c2d"
	planReuseGUID = "7c3d9e5f-2a4b-4c6d-9e8f-0a1b2c3d4e5f"

	PlanGen2ID  = "plan/" + ProductID + "/" + planGen2GUID
	PlanDualID  = "plan/" + ProductID + "/" + planDualGUID
	PlanReuseID = "plan/" + ProductID + "/" + planReuseGUID

	techConfigPrefix       = "virtual-machine-plan-technical-configuration/"
	PlanGen2TechConfigID   = techConfigPrefix + ProductID + "/" + planGen2GUID
	PlanDualTechConfigID   = techConfigPrefix + ProductID + "/" + planDualGUID
	PlanReuseTechConfigID  = techConfigPrefix + ProductID + "/" + planReuseGUID
	PropertyID             = "property/" + ProductID + "/public/main"
	ListingID              = "listing/" + ProductID + "/public/main/default/en-us"
	PlanGen2AvailabilityID = "price-and-availability-plan/" + ProductID + "/" + planGen2GUID

	SKUGen2     = "contoso-gen2"
	SKUDualGen2 = "contoso-dual"
	SKUDualGen1 = "contoso-dual-gen1"
	SKUReuse    = "contoso-reuse"

	// DeprecatedVersion is PlanGen2's oldest version: deprecated, with a
	// deprecation schedule that is published and cannot change.
	DeprecatedVersion = "0.9.0"
	// PublishedVersion is live (and in preview and draft) in PlanGen2 and
	// PlanDual.
	PublishedVersion = "1.0.0"
	// NewVersion is in no tree: GalleryVersionNew is its image.
	NewVersion = "1.1.0"

	// BigNumber is an unknown field of PlanGen2's technical configuration,
	// past float64's precision: a client that decodes into float64 and
	// re-encodes changes it.
	BigNumber = "1152921504606846977"

	// DraftListingTitle is the listing's title in the draft under
	// WithDraftChanges: someone's unpublished edit in Partner Center.
	DraftListingTitle = "Contoso VM (renamed in Partner Center, not yet published)"
)

// The SAS URIs of PlanDual's published version, and their signatures (the
// sig value as the URI spells it), which a client must mask.
const (
	SigDualGen2     = "q3Zx8mPnR2vK7tYw1LbC5dFgH9jS0aE4uI6oU%2BeWxQs%3D"
	SigDualGen1     = "Tn4Kp7Xw2Rz9Lm5Qb8Vc1Hd6Fg3Js0Ye%2FuIoPaSdWeRt%3D"
	SigDualGen1Data = "Mb2Nv5Cx8Zl1Kj4Hg7Fd0Sa3Qw6Er9Ty%2BuIoPlKjHgFd%3D"

	sasQuery        = "?sv=2022-11-02&sr=b&st=2026-10-01T00%3A00%3A00Z&se=2026-12-31T00%3A00%3A00Z&sp=rl&sig="
	blobBase        = "https://contosoimages.blob.core.windows.net/vhds/"
	DualGen2SAS     = blobBase + "contoso-dual-1.0.0-gen2.vhd" + sasQuery + SigDualGen2
	DualGen1SAS     = blobBase + "contoso-dual-1.0.0-gen1.vhd" + sasQuery + SigDualGen1
	DualGen1DataSAS = blobBase + "contoso-dual-1.0.0-gen1-lun0.vhd" + sasQuery + SigDualGen1Data
)

// The tree's $schema hosts: the current one, and the retired one Partner
// Center still returns on some resources but refuses on write.
const (
	retiredSchemaBase = "https://product-ingestion.azureedge.net/schema/"
	retiredHost       = "product-ingestion.azureedge.net"
)

// The targets of a resource tree, draft first.
func targets() []string { return []string{"draft", "preview", "live"} }

// Image is one image of a version: its image type and source, a Compute
// Gallery image version (Gallery; Tenant, default the app's) or SAS URIs
// (OSDisk, DataDisks in LUN order).
type Image struct {
	Type      string
	Gallery   string
	Tenant    string
	OSDisk    string
	DataDisks []string
}

// ImageVersion is one entry of a technical configuration's vmImageVersions.
type ImageVersion struct {
	Number         string
	LifecycleState string
	Images         []Image
}

// imageState is the product's resource trees and what configure received;
// the server's mu guards it.
type imageState struct {
	trees map[string][]json.RawMessage // target → resources, in order
	// bodies are the configure documents received, as sent.
	bodies [][]byte
	// drop (WithTechnicalConfigurationDropped) makes jobs succeed without
	// changing the draft.
	drop bool
}

func newImageState() *imageState {
	st := &imageState{trees: map[string][]json.RawMessage{}}
	subs := map[string]string{"draft": DraftSubmissionID, "preview": HistoryPreviewID, "live": HistoryLiveID}
	for _, t := range targets() {
		st.trees[t] = initialTree(t, subs[t])
	}
	return st
}

// encode marshals v as the service writes it: & and < stay as they are, so
// a SAS URI reads as it was sent.
func encode(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSpace(b.Bytes())
}

// decode reads JSON keeping numbers as written (json.Number).
func decode(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errTrailing
	}
	return v, nil
}

type jsonError string

func (e jsonError) Error() string { return string(e) }

const errTrailing = jsonError("data after the JSON value")

func gallerySource(id string) map[string]any {
	return map[string]any{"sourceType": "sharedImageGallery", "sharedImage": map[string]any{"tenantId": Tenant, "resourceId": id}}
}

func sasSource(os string, data ...string) map[string]any {
	disks := []any{}
	for i, u := range data {
		disks = append(disks, map[string]any{"lunNumber": i, "uri": u})
	}
	return map[string]any{"sourceType": "sasUri", "osDisk": map[string]any{"uri": os}, "dataDisks": disks}
}

// wireVersion is v as a vmImageVersions entry.
func wireVersion(v ImageVersion) map[string]any {
	images := []any{}
	for _, im := range v.Images {
		src := sasSource(im.OSDisk, im.DataDisks...)
		if im.Gallery != "" {
			src = gallerySource(im.Gallery)
			if im.Tenant != "" {
				src["sharedImage"].(map[string]any)["tenantId"] = im.Tenant
			}
		}
		images = append(images, map[string]any{"imageType": im.Type, "source": src})
	}
	state := v.LifecycleState
	if state == "" {
		state = "generallyAvailable"
	}
	return map[string]any{"versionNumber": v.Number, "lifecycleState": state, "vmImages": images}
}

func planResource(host, guid, external, alias string) map[string]any {
	return map[string]any{
		"$schema": host + "plan/2022-03-01-preview2", "id": "plan/" + ProductID + "/" + guid,
		"product": "product/" + ProductID, "identity": map[string]any{"externalId": external},
		"alias": alias, "azureRegions": []any{"azureGlobal"},
	}
}

func techConfig(host, version, guid string, skus []any, versions []any) map[string]any {
	return map[string]any{
		"$schema": host + "virtual-machine-plan-technical-configuration/" + version,
		"id":      techConfigPrefix + ProductID + "/" + guid, "product": "product/" + ProductID, "plan": "plan/" + ProductID + "/" + guid,
		"operatingSystem":    map[string]any{"family": "linux", "type": "ubuntu", "friendlyName": "Contoso Linux 24.04"},
		"recommendedVmSizes": []any{"standard_d2s_v5", "standard_d4s_v5"}, "openPorts": []any{},
		"vmProperties": map[string]any{
			"supportsExtensions": true, "supportsBackup": false, "supportsAcceleratedNetworking": true,
			"isNetworkVirtualAppliance": false, "supportsNVMe": false, "supportsCloudInit": true,
			"supportsAadLogin": false, "supportsHibernation": false, "supportsRemoteConnection": true,
			"requiresCustomArmTemplate": false,
		},
		"skus": skus, "vmImageVersions": versions,
	}
}

// initialTree is target's tree at the start: the three targets hold the
// same resources but for their submission.
func initialTree(target, submissionID string) []json.RawMessage {
	gen2 := techConfig(retiredSchemaBase, "2022-03-01-preview3", planGen2GUID,
		[]any{map[string]any{"imageType": "x64Gen2", "skuId": SKUGen2, "securityType": []any{"trusted"}}},
		[]any{
			func() map[string]any {
				v := wireVersion(ImageVersion{Number: DeprecatedVersion, LifecycleState: "deprecated", Images: []Image{{Type: "x64Gen2", Gallery: GalleryVersionDeprecated}}})
				v["deprecationSchedule"] = map[string]any{"date": "2027-01-31", "dateOffset": "P90D", "reason": "endOfSupport", "alternative": map[string]any{"plan": PlanGen2ID}}
				return v
			}(),
			func() map[string]any {
				v := wireVersion(ImageVersion{Number: PublishedVersion, Images: []Image{{Type: "x64Gen2", Gallery: GalleryVersionPublished}}})
				v["deprecationSchedule"] = nil
				return v
			}(),
		})
	gen2["internalId"] = json.Number(BigNumber)
	gen2["validations"] = []any{map[string]any{"level": "informational", "code": "recommendedVmSizes", "message": "Standard_D2s_v5 is recommended for this image."}}

	dual := techConfig(schemaBase, "2022-03-01-preview5", planDualGUID,
		[]any{map[string]any{"imageType": "x64Gen2", "skuId": SKUDualGen2}, map[string]any{"imageType": "x64Gen1", "skuId": SKUDualGen1}},
		[]any{wireVersion(ImageVersion{Number: PublishedVersion, Images: []Image{
			{Type: "x64Gen1", OSDisk: DualGen1SAS, DataDisks: []string{DualGen1DataSAS}},
			{Type: "x64Gen2", OSDisk: DualGen2SAS},
		}})})
	dual["validations"] = []any{}

	reuse := techConfig(schemaBase, "2022-03-01-preview5", planReuseGUID,
		[]any{map[string]any{"imageType": "x64Gen2", "skuId": SKUReuse}}, []any{})
	reuse["basePlan"] = PlanGen2ID
	reuse["reuseTechnicalConfigurationState"] = "enable"

	resources := []any{
		map[string]any{"$schema": retiredSchemaBase + "product/2022-03-01-preview3", "id": "product/" + ProductID,
			"identity": map[string]any{"externalId": Offer}, "type": "azureVirtualMachine", "alias": "Contoso VM"},
		map[string]any{"$schema": schemaBase + "property/2022-03-01-preview2", "id": PropertyID, "product": "product/" + ProductID,
			"kind": "azureVM", "termsOfUseUrl": "https://contoso.com/terms", "termsConditions": "custom",
			"categories": map[string]any{"compute": []any{"operating-systems"}}, "validations": []any{}},
		map[string]any{"$schema": retiredSchemaBase + "listing/2022-03-01-preview3", "id": ListingID, "product": "product/" + ProductID,
			"kind": "azureVM", "title": "Contoso VM", "description": "Contoso's hardened Linux image.",
			"searchResultSummary": "Contoso Linux", "shortDescription": "Hardened Linux", "languageId": "en-us",
			"validations": []any{map[string]any{"level": "warning", "code": "listingScreenshots", "message": "Add at least one screenshot."}}},
		planResource(retiredSchemaBase, planGen2GUID, PlanGen2, "Contoso VM Gen2"),
		planResource(schemaBase, planDualGUID, PlanDual, "Contoso VM Gen1 and Gen2"),
		planResource(schemaBase, planReuseGUID, PlanReuse, "Contoso VM (reuses Gen2)"),
		gen2, dual, reuse,
		map[string]any{"$schema": schemaBase + "price-and-availability-plan/2022-03-01-preview4", "id": PlanGen2AvailabilityID,
			"product": "product/" + ProductID, "plan": PlanGen2ID, "visibility": "visible", "markets": []any{"us"},
			"pricing": map[string]any{"licenseModel": "payAsYouGo", "corePricing": map[string]any{"priceInputOption": "perCore", "pricePerCore": json.Number("1111.0")}},
			"trial":   nil, "softwareReservation": []any{}, "audience": "public", "privateAudiences": []any{}},
		treeSubmission(submissionID, target),
	}
	out := make([]json.RawMessage, 0, len(resources))
	for _, r := range resources {
		out = append(out, encode(r))
	}
	return out
}

func treeSubmission(id, target string) map[string]any {
	return map[string]any{"$schema": schemaBase + "submission/" + IngestionVersion, "id": id, "product": "product/" + ProductID,
		"target": map[string]any{"targetType": target}, "lifecycleState": "generallyAvailable"}
}

// resourceID is a raw resource's id, "" when it has none.
func resourceID(raw json.RawMessage) string {
	var r struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(raw, &r)
	return r.ID
}

// index is where the resource with id is in tree, -1 when it is not.
func index(tree []json.RawMessage, id string) int {
	return slices.IndexFunc(tree, func(r json.RawMessage) bool { return resourceID(r) == id })
}

// edit decodes the resource with id in target's tree, lets f change it and
// stores it back.
func (st *imageState) edit(target, id string, f func(map[string]any)) {
	tree := st.trees[target]
	i := index(tree, id)
	if i < 0 {
		return
	}
	v, _ := decode(tree[i])
	m, _ := v.(map[string]any)
	if m == nil {
		return
	}
	f(m)
	tree[i] = encode(m)
}

// object is the resource with id in target's tree, decoded; nil when absent.
func (st *imageState) object(target, id string) map[string]any {
	tree := st.trees[target]
	if i := index(tree, id); i >= 0 {
		v, _ := decode(tree[i])
		m, _ := v.(map[string]any)
		return m
	}
	return nil
}

// planGUID is the durable plan GUID of the plan with external id plan, ""
// when the product has none.
func planGUID(plan string) string {
	for _, p := range [][2]string{{PlanGen2, planGen2GUID}, {PlanDual, planDualGUID}, {PlanReuse, planReuseGUID}} {
		if p[0] == plan {
			return p[1]
		}
	}
	return ""
}

// WithImageVersion adds v to plan's technical configuration in target and
// in every target that follows from it: a live version is also in preview
// and draft, a preview one in the draft; a draft one is unpublished.
func WithImageVersion(target, plan string, v ImageVersion) Option {
	return func(s *Server) {
		id := techConfigPrefix + ProductID + "/" + planGUID(plan)
		for _, t := range targets()[:slices.Index(targets(), target)+1] {
			s.image.edit(t, id, func(m map[string]any) {
				list, _ := m["vmImageVersions"].([]any)
				m["vmImageVersions"] = append(list, wireVersion(v))
			})
		}
	}
}

// WithDraftChanges gives the draft someone else's unpublished edit: the
// listing's title (ListingID) differs from preview's and live's.
func WithDraftChanges() Option {
	return func(s *Server) {
		s.image.edit("draft", ListingID, func(m map[string]any) { m["title"] = DraftListingTitle })
	}
}

// WithTechnicalConfigurationDropped makes configure jobs that carry a
// technical configuration succeed without changing the draft, so a client
// that reads the tree back finds its version missing.
func WithTechnicalConfigurationDropped() Option {
	return func(s *Server) { s.image.drop = true }
}

// TechnicalConfiguration is plan's technical configuration in target's
// tree, as served; nil when there is none.
func (s *Server) TechnicalConfiguration(target, plan string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	tree := s.image.trees[target]
	if i := index(tree, techConfigPrefix+ProductID+"/"+planGUID(plan)); i >= 0 {
		return append(json.RawMessage(nil), tree[i]...)
	}
	return nil
}

// Versions lists the image versions of plan's technical configuration in
// target's tree, in order.
func (s *Server) Versions(target, plan string) []ImageVersion {
	raw := s.TechnicalConfiguration(target, plan)
	var tc struct {
		Versions []struct {
			Number   string `json:"versionNumber"`
			State    string `json:"lifecycleState"`
			VMImages []struct {
				Type   string `json:"imageType"`
				Source struct {
					Shared struct {
						Tenant   string `json:"tenantId"`
						Resource string `json:"resourceId"`
					} `json:"sharedImage"`
					OSDisk struct {
						URI string `json:"uri"`
					} `json:"osDisk"`
					DataDisks []struct {
						LUN int    `json:"lunNumber"`
						URI string `json:"uri"`
					} `json:"dataDisks"`
				} `json:"source"`
			} `json:"vmImages"`
		} `json:"vmImageVersions"`
	}
	if raw == nil || json.Unmarshal(raw, &tc) != nil {
		return nil
	}
	var out []ImageVersion
	for _, v := range tc.Versions {
		iv := ImageVersion{Number: v.Number, LifecycleState: v.State}
		for _, im := range v.VMImages {
			disks := im.Source.DataDisks
			sort.SliceStable(disks, func(i, j int) bool { return disks[i].LUN < disks[j].LUN })
			img := Image{Type: im.Type, Gallery: im.Source.Shared.Resource, Tenant: im.Source.Shared.Tenant, OSDisk: im.Source.OSDisk.URI}
			for _, d := range disks {
				img.DataDisks = append(img.DataDisks, d.URI)
			}
			iv.Images = append(iv.Images, img)
		}
		out = append(out, iv)
	}
	return out
}

// ConfigureBodies are the configure documents received, as sent, oldest
// first: refused ones too.
func (s *Server) ConfigureBodies() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][]byte, 0, len(s.image.bodies))
	for _, b := range s.image.bodies {
		out = append(out, append([]byte(nil), b...))
	}
	return out
}

// Signatures are the SAS signatures (sig values) of every SAS URI the
// simulator serves at the start, in trees and offers: none may reach a log.
func Signatures() []string {
	return []string{SigDualGen2, SigDualGen1, SigDualGen1Data, SigCPPGen2, SigCPPGen2Data, SigCPPGen1}
}

// resourceTree answers GET resource-tree/product/{product}?targetType=…
// (default draft).
func (s *Server) resourceTree(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.PathValue("product"), ProductID) {
		apiError(w, http.StatusNotFound, "notFound", "The product was not found.")
		return
	}
	target := strings.ToLower(r.URL.Query().Get("targetType"))
	if target == "" {
		target = "draft"
	}
	if !slices.Contains(targets(), target) {
		badRequest(w, http.StatusBadRequest, "invalidRequest", "The targetType "+r.URL.Query().Get("targetType")+" is not valid: use draft, preview or live.")
		return
	}
	s.mu.Lock()
	tree := slices.Clone(s.image.trees[target])
	s.mu.Unlock()
	var b bytes.Buffer
	b.WriteString(`{"$schema":"` + schemaBase + `resource-tree/2022-03-01-preview2","root":"product/` + ProductID + `","target":{"targetType":"` + target + `"},"resources":[`)
	for i, res := range tree {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(res)
	}
	b.WriteString("]}\n")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
}

// durableTechConfig answers GET virtual-machine-plan-technical-configuration/{product}/{plan}:
// the draft's only, as the docs say of reads by durable id.
func (s *Server) durableTechConfig(w http.ResponseWriter, r *http.Request) {
	id := techConfigPrefix + r.PathValue("product") + "/" + r.PathValue("plan")
	s.mu.Lock()
	tree := s.image.trees["draft"]
	var raw json.RawMessage
	if i := index(tree, id); i >= 0 {
		raw = slices.Clone(tree[i])
	}
	s.mu.Unlock()
	if raw == nil {
		apiError(w, http.StatusNotFound, "notFound", "The resource "+id+" was not found.")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(raw, '\n'))
}
