package imagesource

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/arm"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
)

// GalleryImageVersionID is a Compute Gallery image version's resource id,
// in its parts.
type GalleryImageVersionID struct {
	Subscription, ResourceGroup, Gallery, Image, Version string
}

// galleryIDShape is the id as the inputs' docs spell it.
const galleryIDShape = "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Compute/galleries/{gallery}/images/{definition}/versions/{version}"

// ParseGalleryImageVersionID reads input gallery-image-version-id with the
// inputs' own parser (config validated it already; one parser, one set of
// rules), and names one image version: Major.Minor.Patch, not "latest".
// The error names the input and says what is wrong.
func ParseGalleryImageVersionID(s string) (GalleryImageVersionID, error) {
	g, err := config.ParseGalleryImageVersionID(strings.TrimSpace(s))
	if err == nil && !config.IsImageVersion(g.Version) {
		err = fmt.Errorf("the version %q is not Major.Minor.Patch (such as 1.0.0): name one image version", clip(g.Version))
	}
	if err != nil {
		return GalleryImageVersionID{}, fail(RuleGalleryID, fmt.Sprintf("gallery-image-version-id %q is not a Compute Gallery image version id (%s): %v", clip(s), galleryIDShape, err))
	}
	return GalleryImageVersionID{Subscription: g.Subscription, ResourceGroup: g.ResourceGroup, Gallery: g.Gallery, Image: g.Image, Version: g.Version}, nil
}

// String is the id with ARM's spelling of the segment names.
func (id GalleryImageVersionID) String() string {
	return id.ImageDefinitionID() + "/versions/" + id.Version
}

// ImageDefinitionID is the id of the version's image definition.
func (id GalleryImageVersionID) ImageDefinitionID() string {
	return "/subscriptions/" + id.Subscription + "/resourceGroups/" + id.ResourceGroup +
		"/providers/Microsoft.Compute/galleries/" + id.Gallery + "/images/" + id.Image
}

// Name is the short name messages use: gallery/definition/version, as the
// Azure portal shows it.
func (id GalleryImageVersionID) Name() string {
	return id.Gallery + "/" + id.Image + "/" + id.Version
}

// Matches reports whether resourceID names the same image version,
// compared without case as ARM compares ids.
func (id GalleryImageVersionID) Matches(resourceID string) bool {
	other, err := ParseGalleryImageVersionID(resourceID)
	if err != nil {
		return false
	}
	return strings.EqualFold(id.String(), other.String())
}

// The image types Partner Center takes (technical configuration imageType),
// spelled as the inputs spell them (config).
const (
	X64Gen1   = config.ImageTypeX64Gen1
	X64Gen2   = config.ImageTypeX64Gen2
	Arm64Gen2 = config.ImageTypeARM64Gen2
)

// imageTypes maps each image type to the definition it needs.
var imageTypes = []struct{ name, arch, gen string }{
	{X64Gen1, "x64", "V1"},
	{X64Gen2, "x64", "V2"},
	{Arm64Gen2, "Arm64", "V2"},
}

// ImageTypeOf is the image type a definition makes its versions: from
// hyperVGeneration (V1, V2; ARM's default V1 when absent) and architecture
// (x64, Arm64; x64 when absent), compared without case.
func ImageTypeOf(id GalleryImageVersionID, d arm.GalleryImageDefinition) (string, error) {
	arch, gen := definitionKind(d)
	for _, t := range imageTypes {
		if strings.EqualFold(arch, t.arch) && strings.EqualFold(gen, t.gen) {
			return t.name, nil
		}
	}
	def := "image definition " + id.Gallery + "/" + id.Image
	switch {
	case !strings.EqualFold(gen, "V1") && !strings.EqualFold(gen, "V2"):
		return "", fail(RuleImageType, fmt.Sprintf("%s has hyperVGeneration %q, which no Partner Center image type takes (x64Gen1 is V1; x64Gen2 and arm64Gen2 are V2)", def, clip(gen)))
	case !strings.EqualFold(arch, "x64") && !strings.EqualFold(arch, "Arm64"):
		return "", fail(RuleImageType, fmt.Sprintf("%s has architecture %q, which no Partner Center image type takes (x64 or Arm64)", def, clip(arch)))
	}
	return "", fail(RuleImageType, fmt.Sprintf("%s is Arm64 Gen1, which no Partner Center image type takes (arm64Gen2 is Gen2)", def))
}

func definitionKind(d arm.GalleryImageDefinition) (arch, gen string) {
	arch, gen = d.Architecture, d.HyperVGeneration
	if arch == "" {
		arch = "x64"
	}
	if gen == "" {
		gen = "V1"
	}
	return arch, gen
}

// CheckVersion checks that the version finished building: Partner Center
// copies only a version ARM reports Succeeded.
func CheckVersion(id GalleryImageVersionID, v arm.GalleryImageVersion) error {
	state := v.ProvisioningState
	if strings.EqualFold(state, "Succeeded") {
		return nil
	}
	name := "gallery image version " + id.Name()
	var msg string
	switch strings.ToLower(state) {
	case "creating":
		msg = "is Creating, not Succeeded; wait for the build to finish"
	case "updating", "migrating":
		msg = "is " + strings.ToUpper(state[:1]) + strings.ToLower(state[1:]) + ", not Succeeded; wait for the update to finish"
	case "failed":
		msg = "is Failed, not Succeeded: its build failed; build a new image version"
	case "deleting":
		msg = "is Deleting, not Succeeded: it is being deleted; choose another version"
	case "":
		msg = "has no provisioningState in Azure Resource Manager's answer, so it is not known to be Succeeded; wait for the build to finish"
	default:
		msg = fmt.Sprintf("is %q, not Succeeded; publish a version Azure reports Succeeded", clip(state))
	}
	return fail(RuleProvisioningState, name+" "+msg)
}

// CheckDefinition checks that the definition makes its versions each image
// type requested (canonical names, or any case of them), and returns the
// type it makes, which is the default when none is requested.
func CheckDefinition(id GalleryImageVersionID, d arm.GalleryImageDefinition, requested []string) (string, error) {
	have, err := ImageTypeOf(id, d)
	if err != nil {
		return "", err
	}
	hasKind := kindOf(have)
	for _, r := range requested {
		want, ok := canonical(r)
		if !ok {
			return "", fail(RuleImageType, fmt.Sprintf("image type %q is not %s, %s or %s", clip(r), X64Gen1, X64Gen2, Arm64Gen2))
		}
		if want == have {
			continue
		}
		wantKind := kindOf(want)
		var differs []string
		if wantKind.arch != hasKind.arch {
			differs = append(differs, hasKind.arch)
		}
		if wantKind.gen != hasKind.gen {
			differs = append(differs, genName(hasKind.gen))
		}
		return "", fail(RuleImageType, fmt.Sprintf("gallery image version %s is %s but image type %s was requested: its image definition %s makes it %s; request %s, or publish a version of an %s %s image definition",
			id.Name(), strings.Join(differs, " "), want, id.Image, have, have, wantKind.arch, genName(wantKind.gen)))
	}
	return have, nil
}

func kindOf(imageType string) struct{ name, arch, gen string } {
	for _, t := range imageTypes {
		if t.name == imageType {
			return t
		}
	}
	return struct{ name, arch, gen string }{}
}

func canonical(imageType string) (string, bool) {
	for _, t := range imageTypes {
		if strings.EqualFold(strings.TrimSpace(imageType), t.name) {
			return t.name, true
		}
	}
	return "", false
}

func genName(hyperV string) string { return "Gen" + strings.TrimPrefix(hyperV, "V") }

// GalleryReader reads what the gallery check needs; *arm.Client is one.
type GalleryReader interface {
	GalleryImageVersion(ctx context.Context, id string) (arm.GalleryImageVersion, error)
	GalleryImageDefinition(ctx context.Context, id string) (arm.GalleryImageDefinition, error)
}

// GalleryCheck is a gallery source that passed, or whose check was skipped.
type GalleryCheck struct {
	// Skipped: ARM refused the app (HTTP 401 or 403). Not a failure:
	// Warning says what went unchecked and which role would allow it.
	Skipped bool
	Warning string
	// ImageType is the type the definition makes the version ("" when the
	// definition went unread): the default when none was requested.
	ImageType string
}

// CheckGallery reads the version and its definition from ARM and checks
// them: CheckVersion, then CheckDefinition for each requested image type.
// A refusal to read (401/403) skips what is left, with a warning; any
// other failure to read is an error wrapping the call's (*apihttp.Error:
// Transient says whether to try again).
func CheckGallery(ctx context.Context, r GalleryReader, id GalleryImageVersionID, requested []string) (GalleryCheck, error) {
	v, err := r.GalleryImageVersion(ctx, id.String())
	if err != nil {
		if w, ok := SkipWarning(id, err, "its state, generation and architecture"); ok {
			return GalleryCheck{Skipped: true, Warning: w}, nil
		}
		return GalleryCheck{}, fmt.Errorf("reading gallery image version %s from Azure Resource Manager: %w", id.Name(), err)
	}
	if err := CheckVersion(id, v); err != nil {
		return GalleryCheck{}, err
	}
	d, err := r.GalleryImageDefinition(ctx, id.ImageDefinitionID())
	if err != nil {
		if w, ok := SkipWarning(id, err, "its generation and architecture"); ok {
			return GalleryCheck{Skipped: true, Warning: w}, nil
		}
		return GalleryCheck{}, fmt.Errorf("reading image definition %s/%s from Azure Resource Manager: %w", id.Gallery, id.Image, err)
	}
	t, err := CheckDefinition(id, d, requested)
	if err != nil {
		return GalleryCheck{}, err
	}
	return GalleryCheck{ImageType: t}, nil
}

// SkipWarning is the warning for a read ARM refused (HTTP 401 or 403),
// naming what went unchecked and the role that would allow it; ok is false
// for any other error. Registering Microsoft.PartnerCenterIngestion lets
// Partner Center read the gallery, not the app: only a role does that.
func SkipWarning(id GalleryImageVersionID, err error, unchecked string) (warning string, ok bool) {
	var why string
	switch apihttp.StatusOf(err) {
	case http.StatusUnauthorized:
		why = "HTTP 401: the token was refused; check gallery-tenant-id"
	case http.StatusForbidden:
		why = "HTTP 403: the app may not read the gallery"
	default:
		return "", false
	}
	return fmt.Sprintf("gallery image version %s was not checked: Azure Resource Manager answered %s, so %s are left to Partner Center. "+
		"To have them checked, grant the app Reader on gallery %s (resource group %s, subscription %s); Owner includes it. "+
		"Partner Center itself needs Owner on the gallery, or Microsoft.PartnerCenterIngestion registered in subscription %s (az provider register --namespace Microsoft.PartnerCenterIngestion --subscription %s)",
		id.Name(), why, unchecked, id.Gallery, id.ResourceGroup, id.Subscription, id.Subscription, id.Subscription), true
}

// clip bounds text quoted in a message.
func clip(s string) string {
	const limit = 300
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
