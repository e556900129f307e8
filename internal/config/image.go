package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// The image types a plan's SKUs carry, in Partner Center's spelling.
const (
	ImageTypeX64Gen1   = "x64Gen1"
	ImageTypeX64Gen2   = "x64Gen2"
	ImageTypeARM64Gen2 = "arm64Gen2"
)

// IfVersionExists says what to do when image-version is already in the plan.
type IfVersionExists string

const (
	// VersionSkipIfIdentical adds nothing when the version holds the same
	// source, and refuses one that holds another.
	VersionSkipIfIdentical IfVersionExists = "skip-if-identical"
	// VersionFail refuses any existing version.
	VersionFail IfVersionExists = "fail"
)

// MaxDataDisks is how many data disks a VM image may have (LUN 0 to 15).
const MaxDataDisks = 16

// imageInputs mean something only when an image version is added.
var imageInputs = []string{"plan-id", "image-version", "gallery-image-version-id", "gallery-tenant-id", "os-disk-sas-uri", "data-disk-sas-uris", "image-types"}

// HasImage reports whether the start adds an image version to a plan.
func (c Config) HasImage() bool { return c.Gallery != nil || c.OSDiskSAS != "" }

// setImageStart reads if-version-exists and allow-draft-changes, and refuses
// any image input unless start is one that adds an image. It runs before the
// targets are read: a forgotten start is the first thing to say.
func (c *Config) setImageStart(in func(string) string, given func(string) bool) error {
	switch v := IfVersionExists(strings.ToLower(in("if-version-exists"))); v {
	case VersionSkipIfIdentical, VersionFail:
		c.IfVersionExists = v
	default:
		return fmt.Errorf("if-version-exists %q must be skip-if-identical or fail", shown(in("if-version-exists")))
	}
	var err error
	if c.AllowDraftChanges, err = parseBool("allow-draft-changes", in("allow-draft-changes")); err != nil {
		return err
	}
	if c.Start == StartPublish || c.Start == StartAddImage {
		return nil
	}
	name := imageInput(c, given)
	switch {
	case name == "":
		return nil
	case c.Start == StartGoLive:
		return fmt.Errorf("%s is for start: add-image or publish; start: go-live takes no image: add the version and publish it to preview first, then go live", name)
	case c.Start == StartConfigure:
		return fmt.Errorf("%s is for start: add-image or publish; start: configure sends configure-file as it is", name)
	}
	return fmt.Errorf("%s is for start: add-image (the image version to the plan's draft) or start: publish (added and published to preview); start is empty, so nothing would be sent", name)
}

// imageInput names the first image input given, or a value of
// if-version-exists or allow-draft-changes that would change something
// (their defaults change nothing anywhere); "" if none.
func imageInput(c *Config, given func(string) bool) string {
	for _, n := range imageInputs {
		if given(n) {
			return n
		}
	}
	switch {
	case c.IfVersionExists == VersionFail:
		return "if-version-exists: fail"
	case c.AllowDraftChanges:
		return "allow-draft-changes: true"
	}
	return ""
}

// setImage reads the image inputs of start: add-image or publish: the plan,
// the source (a gallery image version, or SAS URIs of the VHDs), the version
// and the image types. Only their shape is checked: the SAS rules and the
// gallery version itself are the starter's to check.
func (c *Config) setImage(in func(string) string, given func(string) bool) error {
	var err error
	if c.ARMURL, err = parseBase("arm-url", in("arm-url")); err != nil {
		return err
	}
	if c.Start != StartPublish && c.Start != StartAddImage {
		return nil // setImageStart refused every image input
	}
	gallery, osDisk, dataDisks := in("gallery-image-version-id"), in("os-disk-sas-uri"), lines(in("data-disk-sas-uris"))
	switch {
	case gallery == "" && osDisk == "" && len(dataDisks) == 0:
		if c.Start == StartAddImage {
			return errors.New("start: add-image needs an image source: gallery-image-version-id (api: product-ingestion) or os-disk-sas-uri")
		}
		if name := imageInput(c, given); name != "" {
			return fmt.Errorf("%s goes with an image source (gallery-image-version-id or os-disk-sas-uri); start: publish without one publishes the draft as it is", name)
		}
		return nil
	case gallery != "" && osDisk != "":
		return errors.New("gallery-image-version-id and os-disk-sas-uri are both given: give one image source")
	case gallery != "" && len(dataDisks) > 0:
		return errors.New("data-disk-sas-uris is for os-disk-sas-uri: a gallery image version holds its data disks")
	case gallery == "" && osDisk == "":
		return errors.New("data-disk-sas-uris needs os-disk-sas-uri: the data disks go with the OS disk's SAS URI")
	case gallery != "" && c.API == APICPP:
		return errors.New("gallery-image-version-id is for api: product-ingestion: CPP offers take no gallery image; give os-disk-sas-uri, the SAS URI of the VHD")
	}

	plans := lines(in("plan-id"))
	switch {
	case len(plans) == 0:
		return errors.New("plan-id is required with an image source: the Plan ID (external id) of the plan to add the version to")
	case len(plans) > 1:
		return fmt.Errorf("plan-id holds %d lines: one step adds an image version to one plan; use a step per plan", len(plans))
	case !isID(plans[0]) || isDots(plans[0]):
		return fmt.Errorf("plan-id %q may only hold letters, digits, '.', '-' and '_' (at most 100, starting with a letter or digit): give the plan's Plan ID", shown(plans[0]))
	}
	c.PlanID = plans[0]
	if len(c.Targets) > 1 {
		name := "offer-id"
		if c.API == APIProductIngestion {
			name = "external-id"
			if c.Targets[0].ProductID != "" {
				name = "product-id"
			}
		}
		return fmt.Errorf("%s lists %d offers: one step adds an image version to one plan of one offer; use a step per offer", name, len(c.Targets))
	}
	if c.API == APIProductIngestion {
		// Only for image-urns: product-ingestion does not know the publisher id.
		if v := in("publisher-id"); v != "" {
			if err := checkID("publisher-id", v); err != nil {
				return err
			}
			c.PublisherID = v
		}
	}

	if gallery != "" {
		if err := c.setGallery(gallery, in); err != nil {
			return err
		}
	} else {
		if err := c.setSAS(osDisk, dataDisks, in, given); err != nil {
			return err
		}
	}
	if c.ImageTypes, err = parseImageTypes(in("image-types")); err != nil {
		return err
	}
	if c.AllowDraftChanges && (c.API == APICPP || c.Start == StartAddImage) {
		return errors.New("allow-draft-changes is for start: publish with api: product-ingestion: it lets the publish ship the draft's other unpublished changes with the image")
	}
	return nil
}

func (c *Config) setGallery(id string, in func(string) string) error {
	g, err := ParseGalleryImageVersionID(id)
	if err != nil {
		return fmt.Errorf("gallery-image-version-id %q is not the resource id of a gallery image version (%s): %w", shown(id), galleryForm, err)
	}
	c.Gallery = &g
	c.GalleryTenantID = in("gallery-tenant-id")
	if c.GalleryTenantID == "" {
		c.GalleryTenantID = in("tenant-id")
	}
	switch {
	case c.GalleryTenantID == "":
		return errors.New("gallery-tenant-id is required with gallery-image-version-id and access-token: the tenant (GUID or domain) of the gallery's subscription; with tenant-id it defaults to that")
	case !isTenant(c.GalleryTenantID) || strings.Contains(c.GalleryTenantID, ".."):
		// Not echoed, as tenant-id is not: a secret pasted into the wrong input must not reach the log.
		return errors.New("gallery-tenant-id is neither a GUID nor a domain such as contoso.onmicrosoft.com")
	}
	c.ImageVersion = in("image-version")
	if c.ImageVersion == "" {
		if !IsImageVersion(g.Version) {
			return fmt.Errorf("image-version is required: the gallery version's name %q is not a version X.Y.Z (such as 1.0.0) to publish the image as", g.Version)
		}
		c.ImageVersion = g.Version
	}
	return checkImageVersion(c.ImageVersion)
}

func (c *Config) setSAS(osDisk string, dataDisks []string, in func(string) string, given func(string) bool) error {
	if given("gallery-tenant-id") {
		return errors.New("gallery-tenant-id is for gallery-image-version-id; a SAS URI needs no tenant")
	}
	if n := len(lines(osDisk)); n > 1 {
		return fmt.Errorf("os-disk-sas-uri holds %d lines: give the OS disk's one SAS URI (data disks go in data-disk-sas-uris)", n)
	}
	if err := checkSASURI("os-disk-sas-uri", osDisk); err != nil {
		return err
	}
	if len(dataDisks) > MaxDataDisks {
		return fmt.Errorf("data-disk-sas-uris has %d lines: a VM image has at most %d data disks (LUN 0 to %d)", len(dataDisks), MaxDataDisks, MaxDataDisks-1)
	}
	for i, d := range dataDisks {
		if err := checkSASURI(fmt.Sprintf("data-disk-sas-uris line %d (LUN %d)", i+1, i), d); err != nil {
			return err
		}
	}
	c.OSDiskSAS, c.DataDiskSAS = osDisk, dataDisks
	if c.ImageVersion = in("image-version"); c.ImageVersion == "" {
		return errors.New("image-version is required with os-disk-sas-uri: the version number to publish the image as (X.Y.Z, such as 1.0.0)")
	}
	return checkImageVersion(c.ImageVersion)
}

// checkImageVersion holds image-version to Partner Center's versionNumber.
func checkImageVersion(v string) error {
	if !IsImageVersion(v) {
		return fmt.Errorf("image-version %q is not a version X.Y.Z: three numbers joined by dots, at most %d characters, such as 1.0.0", shown(v), maxImageVersion)
	}
	return nil
}

// maxImageVersion is the longest versionNumber the schema allows.
const maxImageVersion = 32

// IsImageVersion reports a VM image version number, ^[0-9]+\.[0-9]+\.[0-9]+$ and
// at most 32 bytes (the technical configuration schema's). Leading zeros are
// allowed, as the schema allows them.
func IsImageVersion(s string) bool {
	if len(s) > maxImageVersion {
		return false
	}
	parts := strings.Split(s, ".")
	return len(parts) == 3 && isDigits(parts[0]) && isDigits(parts[1]) && isDigits(parts[2])
}

// parseImageTypes reads image-types: comma- or line-separated, any case in,
// Partner Center's spelling out, none twice. Empty: derived from the plan.
func parseImageTypes(v string) ([]string, error) {
	var out []string
	for _, item := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		canon := ""
		for _, t := range []string{ImageTypeX64Gen1, ImageTypeX64Gen2, ImageTypeARM64Gen2} {
			if strings.EqualFold(item, t) {
				canon = t
			}
		}
		if canon == "" {
			return nil, fmt.Errorf("image-types: %q is not an image type: give x64Gen1, x64Gen2 or arm64Gen2, comma- or line-separated", shown(item))
		}
		for _, o := range out {
			if o == canon {
				return nil, fmt.Errorf("image-types lists %s twice", canon)
			}
		}
		out = append(out, canon)
	}
	return out, nil
}

// checkSASURI checks the shape of a SAS URI only: an absolute https URL with
// a query that holds a signature. The error names the input and shows at
// most the URL without its query: the query is the credential.
func checkSASURI(name, v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return fmt.Errorf("%s is not a URL: give the blob's SAS URI, https://…/….vhd?sv=…&sig=…", name)
	}
	// The URL without its query, cut after an & as well (shown): a signature
	// written after an & without a ? must not be shown either.
	bare := shown((&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}).String())
	for _, sig := range sasSignatures(v) {
		if strings.Contains(bare, sig) {
			// A signature outside a query (…/x.vhd&sig=…): name the input only.
			bare = "(not shown: it holds the signature)"
		}
	}
	switch {
	case u.User != nil:
		return fmt.Errorf("%s must not carry user info: give the blob's SAS URI", name)
	case u.Scheme != "https" || u.Host == "":
		return fmt.Errorf("%s %s is not an absolute https URL: give the blob's SAS URI, https://…/….vhd?sv=…&sig=…", name, bare)
	case u.Fragment != "" || strings.Contains(v, "#"):
		return fmt.Errorf("%s %s must not carry a fragment (#…)", name, bare)
	case u.RawQuery == "":
		return fmt.Errorf("%s %s has no query: give the whole SAS URI, with its SAS token (sv=…&sig=…) after the ?", name, bare)
	}
	if sig := sasSignatures(v); len(sig) == 0 || tooShort(sig[0]) {
		return fmt.Errorf("%s %s has no signature (sig) of %d characters or more in its query: give the whole SAS URI, as the storage account or Azure CLI made it", name, bare, MinSecretLen)
	}
	return nil
}

// sasSignatures finds the sig values of a SAS URI, leniently: after a ? or
// &, "sig=" in any case, up to the next & or # (or white space). A
// malformed URI's signature is found too, so that it is masked before
// anything could echo it. Each is returned as written and, when it differs,
// percent-decoded.
func sasSignatures(v string) []string {
	var out []string
	for i := 0; i+4 <= len(v); i++ {
		if (v[i] != '?' && v[i] != '&') || i+5 > len(v) || !strings.EqualFold(v[i+1:i+5], "sig=") {
			continue
		}
		rest := v[i+5:]
		if end := strings.IndexAny(rest, "&# \t\r\n"); end >= 0 {
			rest = rest[:end]
		}
		if rest == "" {
			continue
		}
		out = append(out, rest)
		if dec, err := url.QueryUnescape(rest); err == nil && dec != rest {
			out = append(out, dec)
		}
	}
	return out
}

// GalleryImageVersion is the Azure Resource Manager id of an Azure Compute
// Gallery image version, taken apart. Values are as given: ARM compares ids
// without case.
type GalleryImageVersion struct {
	// ID is the id as given, without a trailing slash: Partner Center's
	// sharedImage.resourceId.
	ID                                                   string
	Subscription, ResourceGroup, Gallery, Image, Version string
}

// ImageDefinitionID is the id of the version's image definition, whose
// hyperVGeneration and architecture say which image types it can be.
func (g GalleryImageVersion) ImageDefinitionID() string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/galleries/%s/images/%s", g.Subscription, g.ResourceGroup, g.Gallery, g.Image)
}

const galleryForm = "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Compute/galleries/{gallery}/images/{image}/versions/{version}"

// ParseGalleryImageVersionID reads a gallery image version's ARM id. The
// fixed segments match without case, as ARM's do; the subscription must be
// a GUID; every name a plain path segment (it goes into the ARM request's
// path). One trailing slash is dropped.
func ParseGalleryImageVersionID(v string) (GalleryImageVersion, error) {
	var g GalleryImageVersion
	switch {
	case strings.ContainsAny(v, "?#"):
		return g, errors.New("it carries a query or a fragment")
	case strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }):
		return g, errors.New("it contains white space, a control character or a backslash")
	case !strings.HasPrefix(v, "/"):
		return g, errors.New("it does not start with /subscriptions/")
	}
	id := v
	if len(id) > 1 {
		id = strings.TrimSuffix(id, "/")
	}
	var parts []string
	if rest := id[1:]; rest != "" {
		parts = strings.Split(rest, "/")
	}
	keys := []string{"subscriptions", "resourceGroups", "providers", "galleries", "images", "versions"}
	what := []string{"subscription", "resource group", "provider", "gallery", "image definition", "version"}
	for i, key := range keys {
		switch {
		case len(parts) <= 2*i:
			return g, fmt.Errorf("it ends before /%s/", key)
		case !strings.EqualFold(parts[2*i], key):
			return g, fmt.Errorf("it has %q where %s belongs", parts[2*i], key)
		case len(parts) == 2*i+1 || parts[2*i+1] == "":
			return g, fmt.Errorf("it has no %s name after /%s/", what[i], key)
		}
		name := parts[2*i+1]
		if key == "providers" {
			if !strings.EqualFold(name, "Microsoft.Compute") {
				return g, fmt.Errorf("its provider is %q, not Microsoft.Compute", name)
			}
			continue
		}
		if isDots(name) || len(name) > 256 || strings.Contains(name, "%") {
			return g, fmt.Errorf("%s name %q is not a plain name", what[i], name)
		}
	}
	if len(parts) > 2*len(keys) {
		return g, fmt.Errorf("it goes on past the version: /%s", strings.Join(parts[2*len(keys):], "/"))
	}
	if !IsGUID(parts[1]) {
		return g, fmt.Errorf("subscription %q is not a GUID", parts[1])
	}
	return GalleryImageVersion{ID: id, Subscription: parts[1], ResourceGroup: parts[3], Gallery: parts[7], Image: parts[9], Version: parts[11]}, nil
}
