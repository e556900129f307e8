package imagesource

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// DefaultMinValidity is how long a SAS must stay valid by default: Partner
// Center keeps reading the VHD for weeks ("a minimum of three weeks from
// when the SAS URI is created", azure-vm-get-sas-uri.md).
const DefaultMinValidity = 21 * 24 * time.Hour

// MaxDataDisks is how many data disks an image takes (LUN 0 to 15).
const MaxDataDisks = 16

// startSkew is how far in the future a start time may lie and still count
// as now: clocks differ by minutes.
const startSkew = 15 * time.Minute

// SASPolicy is what a SAS is checked against.
type SASPolicy struct {
	// Now is the clock; nil means the system's.
	Now func() time.Time
	// MinValidity is how long the SAS must stay valid from now; 0 means
	// DefaultMinValidity.
	MinValidity time.Duration
}

func (p SASPolicy) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

func (p SASPolicy) minValidity() time.Duration {
	if p.MinValidity <= 0 {
		return DefaultMinValidity
	}
	return p.MinValidity
}

// Disk names the disk a SAS is for: the OS disk, or a data disk by LUN.
type Disk struct {
	Data bool
	LUN  int
}

// OSDisk is the OS disk (input os-disk-sas-uri).
func OSDisk() Disk { return Disk{} }

// DataDisk is the data disk at lun (line lun+1 of data-disk-sas-uris).
func DataDisk(lun int) Disk { return Disk{Data: true, LUN: lun} }

func (d Disk) String() string {
	if d.Data {
		return fmt.Sprintf("data disk LUN %d", d.LUN)
	}
	return "the OS disk"
}

func (d Disk) input() string {
	if d.Data {
		return "data-disk-sas-uris"
	}
	return "os-disk-sas-uri"
}

// CheckSASDisks checks an image's SAS URIs: at most MaxDataDisks data
// disks (in LUN order), then each URI as CheckSAS does. The first failure
// is returned.
func CheckSASDisks(osDisk string, dataDisks []string, p SASPolicy) error {
	if len(dataDisks) > MaxDataDisks {
		return fail(RuleDataDisks, fmt.Sprintf("data-disk-sas-uris has %d data disks; an image takes at most %d (LUN 0 to %d)", len(dataDisks), MaxDataDisks, MaxDataDisks-1))
	}
	if err := CheckSAS(osDisk, OSDisk(), p); err != nil {
		return err
	}
	for lun, uri := range dataDisks {
		if err := CheckSAS(uri, DataDisk(lun), p); err != nil {
			return err
		}
	}
	return nil
}

// CheckSAS checks one disk's SAS URI against what Partner Center needs to
// copy the VHD (azure-vm-get-sas-uri.md, azure-vm-common-sas-uri-issues.md):
// https, a path ending in .vhd, no white space, a signature, read and list
// permissions and nothing more, full start and expiry date-times, a start
// already past and an expiry at least p's MinValidity away. The error, an
// *Error, names the disk and the blob path, never the query.
func CheckSAS(uri string, disk Disk, p SASPolicy) error {
	label := "SAS for " + disk.String() + " (" + disk.input()
	say := func(rule Rule, u *url.URL, format string, args ...any) error {
		l := label
		if b := blobPath(u); b != "" {
			l += ", blob " + b
		}
		return fail(rule, l+") "+fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(uri) == "" {
		return say(RuleURL, nil, "is empty: give the blob's SAS URL")
	}
	u, err := url.Parse(uri)
	if err != nil || u.Opaque != "" || u.Host == "" {
		// url.Parse's error repeats the whole URI, query and all: not shown.
		if strings.ContainsFunc(uri, unicode.IsSpace) {
			return say(RuleWhiteSpace, nil, "contains white space: %s", whiteSpaceFix)
		}
		return say(RuleURL, nil, "is not a URL: give the blob's SAS URL, https://<account>.blob.core.windows.net/<container>/<name>.vhd?<SAS>")
	}
	if strings.ContainsFunc(uri, unicode.IsSpace) || strings.ContainsFunc(u.Path, unicode.IsSpace) {
		return say(RuleWhiteSpace, u, "contains white space: %s", whiteSpaceFix)
	}
	if !strings.EqualFold(u.Scheme, "https") {
		return say(RuleHTTPS, u, "does not use https: Partner Center reads the VHD over https only; use the blob's https:// URL")
	}
	if !strings.HasSuffix(strings.ToLower(u.Path), ".vhd") {
		return say(RuleVHD, u, `does not name a .vhd blob: the URL's path must end in .vhd; with a container SAS, put the blob's path before the "?"`)
	}
	if u.RawQuery == "" {
		return say(RuleQuery, u, `has no SAS (nothing after "?"): generate one with read and list permissions (sp=rl) and append it`)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return say(RuleQuery, u, "has a malformed SAS query: copy the SAS URL again")
	}
	if q.Get("sig") == "" {
		return say(RuleSignature, u, "has no signature (the sig parameter): copy the whole SAS URL again")
	}
	if msg := checkPermissions(q); msg != "" {
		return say(RulePermissions, u, "%s", msg)
	}
	now := p.now()
	minValid := p.minValidity()
	startExample := now.Add(-24 * time.Hour).UTC().Truncate(24 * time.Hour).Format(time.RFC3339)
	expiryExample := now.Add(minValid + 7*24*time.Hour).UTC().Truncate(24 * time.Hour).Format(time.RFC3339)
	start, msg := dateTime(q, "st", "a", "start time", startExample)
	if msg != "" {
		return say(RuleStart, u, "%s", msg)
	}
	if start.After(now.Add(startSkew)) {
		return say(RuleStart, u, "starts at %s, after now: Partner Center cannot read it yet; generate the SAS with a start one day before now, such as %s", start.UTC().Format(time.RFC3339), startExample)
	}
	expiry, msg := dateTime(q, "se", "an", "expiry time", expiryExample)
	if msg != "" {
		return say(RuleExpiry, u, "%s", msg)
	}
	need := validity(minValid)
	switch left := expiry.Sub(now); {
	case left <= 0:
		return say(RuleExpiry, u, "expired at %s: generate a new SAS that expires at least %s from now, such as %s", expiry.UTC().Format(time.RFC3339), need, expiryExample)
	case left < minValid:
		return say(RuleExpiry, u, "expires in %s (at %s); Partner Center needs at least %s: generate a SAS that expires at least %s from now, such as %s", days(left), expiry.UTC().Format(time.RFC3339), need, need, expiryExample)
	}
	return nil
}

const whiteSpaceFix = "Partner Center cannot read a SAS URI or a VHD name with spaces or line breaks; rename the blob without spaces and copy its SAS URL again, on one line"

// permissionNames are the SAS permission letters of Azure Storage: blob
// and container (service and user delegation) SAS, and account SAS
// (Create a service SAS / Create an account SAS; azure-sdk-for-go
// sdk/storage/azblob/sas BlobPermissions, ContainerPermissions and
// AccountPermissions). Only r and l are wanted.
var permissionNames = map[rune]string{
	'r': "read", 'l': "list",
	'a': "add", 'c': "create", 'w': "write", 'd': "delete", 'x': "delete version",
	'y': "permanent delete", 't': "tags", 'f': "filter by tags", 'm': "move",
	'e': "execute", 'o': "change ownership", 'p': "change permissions (process, for an account SAS)",
	'i': "set immutability policy", 'u': "update",
}

// checkPermissions says what is wrong with sp ("" if nothing): anything
// beyond read and list first, then what of them is missing. It names
// letters, never repeating the value itself.
func checkPermissions(q url.Values) string {
	sp, ok := q["sp"]
	if !ok || len(sp) == 0 || sp[0] == "" {
		if q.Get("si") != "" {
			return "takes its permissions from a stored access policy (si), which cannot be checked here: generate the SAS with read and list permissions in it (sp=rl)"
		}
		return "has no permissions (sp): generate the SAS with read and list permissions (sp=rl)"
	}
	if len(sp) > 1 {
		return "has more than one permissions parameter (sp): generate the SAS again with read and list permissions (sp=rl)"
	}
	var extra []string
	seen := map[rune]bool{}
	has := map[rune]bool{}
	for _, r := range sp[0] {
		has[r] = true
		if r == 'r' || r == 'l' || seen[r] {
			continue
		}
		seen[r] = true
		switch name, known := permissionNames[r]; {
		case known:
			extra = append(extra, fmt.Sprintf("%s (%c)", name, r))
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			extra = append(extra, fmt.Sprintf("%q (not a SAS permission)", r))
		default:
			extra = append(extra, "a character that is not a SAS permission")
		}
	}
	if len(extra) > 0 {
		return "grants more than read and list: " + strings.Join(extra, ", ") + "; Partner Center needs read and list only: generate the SAS with sp=rl"
	}
	var missing []string
	if !has['r'] {
		missing = append(missing, "read (r)")
	}
	if !has['l'] {
		missing = append(missing, "list (l)")
	}
	if len(missing) > 0 {
		return "lacks " + strings.Join(missing, " and ") + ": Partner Center needs read and list: generate the SAS with sp=rl"
	}
	return ""
}

// dateTime reads a SAS time parameter, which must hold a time of day as
// well as a date: Partner Center refuses a date alone (the "short date
// format" failure). Azure's ISO 8601 forms with minutes, with or without
// seconds, are taken. It returns a message saying what is wrong, or "".
func dateTime(q url.Values, key, article, what, example string) (time.Time, string) {
	v := q.Get(key)
	if v == "" {
		return time.Time{}, fmt.Sprintf("has no %s (%s): generate the SAS with one, as a full date-time such as %s", what, key, example)
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, ""
		}
	}
	if _, err := time.Parse(time.DateOnly, v); err == nil {
		return time.Time{}, fmt.Sprintf("has %s %s (%s) that is a date only: give a full date-time such as %s", article, what, key, example)
	}
	return time.Time{}, fmt.Sprintf("has %s %s (%s) that is not a date-time: give a full UTC date-time such as %s", article, what, key, example)
}

// days says a duration in whole days, rounded down ("less than a day").
func days(d time.Duration) string {
	switch n := int(d / (24 * time.Hour)); n {
	case 0:
		return "less than a day"
	case 1:
		return "1 day"
	default:
		return fmt.Sprintf("%d days", n)
	}
}

// validity says a required validity: in days when it is whole days.
func validity(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return days(d)
	}
	return d.String()
}

// blobPath is the URL's path as shown in messages: escaped (ASCII, no
// white space), cut before anything that could start a query smuggled into
// the path ("&", "=", ";" or an escaped "?"), and bounded.
func blobPath(u *url.URL) string {
	if u == nil {
		return ""
	}
	p := u.EscapedPath()
	cut := len(p)
	for _, s := range []string{"&", "=", ";", "%3F", "%3f", "%26", "%3D", "%3d"} {
		if i := strings.Index(p, s); i >= 0 && i < cut {
			cut = i
		}
	}
	const limit = 200
	if cut > limit {
		cut = limit
	}
	if cut < len(p) {
		return p[:cut] + "…"
	}
	return p
}
