package imageplan

import (
	"fmt"
	"strings"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
)

// ImageType is a VM image's generation and architecture as Partner Center
// names it in a technical configuration's skus and vmImages.
type ImageType string

// The spellings are the inputs' (config): one list of image types.
const (
	X64Gen1   ImageType = config.ImageTypeX64Gen1
	X64Gen2   ImageType = config.ImageTypeX64Gen2
	Arm64Gen2 ImageType = config.ImageTypeARM64Gen2
)

// imageTypes are the image types there are, in the order messages list them.
var imageTypes = []ImageType{X64Gen1, X64Gen2, Arm64Gen2}

// ParseImageType is the image type s names, in any case.
func ParseImageType(s string) (ImageType, bool) {
	for _, t := range imageTypes {
		if strings.EqualFold(s, string(t)) {
			return t, true
		}
	}
	return "", false
}

// Gallery is an Azure Compute Gallery image version: its ARM resource id and
// the tenant Partner Center reads it as.
type Gallery struct {
	TenantID   string
	ResourceID string
}

// SAS is a VHD source: the OS disk's SAS URI and the data disks' in LUN order
// (DataDisks[i] is LUN i).
type SAS struct {
	OSDisk    string
	DataDisks []string
}

// Source is where the image comes from: exactly one of the two is set.
type Source struct {
	Gallery *Gallery
	SAS     *SAS
}

// IfExists says what to do when the version number is already in the plan.
type IfExists string

const (
	// SkipIfIdentical adds nothing when the version holds the same source, and
	// refuses when it holds another.
	SkipIfIdentical IfExists = "skip-if-identical"
	// Fail refuses whenever the version number is already there.
	Fail IfExists = "fail"
)

// Release is one request to release an image version to one plan.
type Release struct {
	PlanID     string      // the plan's external id (Partner Center's Plan ID; CPP's planId)
	Version    string      // X.Y.Z
	ImageTypes []ImageType // empty: the image type of the plan's only SKU
	Source     Source
	IfExists   IfExists // empty: SkipIfIdentical
}

// maxDataDisks is Partner Center's limit per image (schema: dataDisks 0–16).
const maxDataDisks = 16

// check refuses a request no plan could take. The configuration package
// validates the inputs first; this keeps the package's own promises (a
// version Partner Center accepts, one source) whoever calls it.
func (r Release) check() error {
	if strings.TrimSpace(r.PlanID) == "" {
		return errorf("plan-id is empty: set it to the plan's Plan ID in Partner Center")
	}
	if !config.IsImageVersion(r.Version) {
		return errorf("image-version %q is not X.Y.Z (three numbers joined by dots, at most 32 characters)", r.Version)
	}
	switch r.IfExists {
	case "", SkipIfIdentical, Fail:
	default:
		return errorf("if-version-exists %q is neither %s nor %s", r.IfExists, SkipIfIdentical, Fail)
	}
	for i, t := range r.ImageTypes {
		if _, ok := ParseImageType(string(t)); !ok {
			return errorf("image type %q is not one of x64Gen1, x64Gen2, arm64Gen2", t)
		}
		for _, u := range r.ImageTypes[:i] {
			if strings.EqualFold(string(u), string(t)) {
				return errorf("image-types names %s twice", t)
			}
		}
	}
	switch s := r.Source; {
	case (s.Gallery == nil) == (s.SAS == nil):
		return errorf("the image source must be exactly one of gallery-image-version-id and os-disk-sas-uri")
	case s.Gallery != nil && strings.TrimSpace(s.Gallery.ResourceID) == "":
		return errorf("gallery-image-version-id is empty")
	case s.Gallery != nil && strings.TrimSpace(s.Gallery.TenantID) == "":
		return errorf("the gallery's tenant id is empty: set gallery-tenant-id (or tenant-id)")
	case s.SAS != nil && strings.TrimSpace(s.SAS.OSDisk) == "":
		return errorf("os-disk-sas-uri is empty")
	case s.SAS != nil && len(s.SAS.DataDisks) > maxDataDisks:
		return errorf("data-disk-sas-uris holds %d URIs; Partner Center takes at most %d data disks per image", len(s.SAS.DataDisks), maxDataDisks)
	}
	if s := r.Source.SAS; s != nil {
		for i, d := range s.DataDisks {
			if strings.TrimSpace(d) == "" {
				return errorf("data-disk-sas-uris line %d (LUN %d) is empty", i+1, i)
			}
		}
	}
	return nil
}

// canonical is r's image types spelled as Partner Center spells them.
func canonical(ts []ImageType) []ImageType {
	out := make([]ImageType, len(ts))
	for i, t := range ts {
		out[i], _ = ParseImageType(string(t))
	}
	return out
}

// redactedError is an error whose text never shows a SAS query string, while
// the error it wraps stays reachable for errors.Is/As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// RedactError is err with no SAS query string in its text (RedactText),
// still unwrapping to err for errors.Is/As; err itself when its text has
// none, and nil for nil.
func RedactError(err error) error {
	if err == nil {
		return nil
	}
	if msg := RedactText(err.Error()); msg != err.Error() {
		return &redactedError{msg: msg, err: err}
	}
	return err
}

// errorf builds every error of this package: the message goes through
// RedactText whole, so no value put in it (an id read from a tree, an input)
// can carry a SAS signature into a log or annotation.
func errorf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &redactedError{msg: RedactText(err.Error()), err: unwrapOne(err)}
}

func unwrapOne(err error) error {
	if u, ok := err.(interface{ Unwrap() error }); ok {
		return u.Unwrap()
	}
	return nil
}
