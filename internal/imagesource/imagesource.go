// Package imagesource checks the source of a VM image version before
// anything is sent to Partner Center: a SAS URI per disk, or a Compute
// Gallery image version as Azure Resource Manager describes it. Partner
// Center reports a bad source hours later, at certification; these checks
// say at once which rule failed and what to do. No function here prints,
// and no message holds a SAS query string or signature.
package imagesource

// Rule names a check a source failed.
type Rule string

// The rules, SAS first, then the gallery's.
const (
	RuleURL         Rule = "url"         // empty, not a URL, no host
	RuleWhiteSpace  Rule = "white-space" // white space anywhere, or in the VHD name
	RuleHTTPS       Rule = "https"
	RuleVHD         Rule = "vhd" // the path names a .vhd blob
	RuleQuery       Rule = "query"
	RuleSignature   Rule = "signature"
	RulePermissions Rule = "permissions"
	RuleStart       Rule = "start"
	RuleExpiry      Rule = "expiry"
	RuleDataDisks   Rule = "data-disks"

	RuleGalleryID         Rule = "gallery-id"
	RuleProvisioningState Rule = "provisioning-state"
	RuleImageType         Rule = "image-type"
)

// Error is a source that failed a check. Its message says what is wrong and
// what to do, in words fit to show as is.
type Error struct {
	Rule Rule
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

func fail(rule Rule, msg string) *Error { return &Error{Rule: rule, Msg: msg} }
