package imagesource

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCheckSAS: the SAS check and its helpers never panic, every failure
// is an *Error, and nothing they return shows the SAS: not the query, not
// the signature in any form, not "sig=" (unless the URI's public part, before
// the "?", holds it).
func FuzzCheckSAS(f *testing.F) {
	for _, s := range []string{
		blob + "?" + good,
		blob + "?" + q("sp", "rwdl"),
		blob + "?" + q("st", "2026-11-10T12:16:00Z"),
		blob + "?" + q("se", "2026-11-13T13:00:00Z"),
		blob + "?" + q("se", "2026-12-31"),
		blob + "&sig=" + sig,
		"https://acct.blob.core.windows.net/vhds/os.vhd%3Fsig%3D" + sig,
		"https://acct.blob.core.windows.net/v hds/os.vhd?" + good,
		"http://[::1]:80/a.vhd?sig=x;y",
		"?sig=abcdefgh", "", "https:", "https://a/%zz.vhd?sig=1",
	} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, uri string, lun uint8) {
		disk := OSDisk()
		if lun%2 == 1 {
			disk = DataDisk(int(lun / 2))
		}
		err := CheckSAS(uri, disk, policy())
		var msg string
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Rule == "" {
				t.Fatalf("%T %v", err, err)
			}
			msg = e.Msg
			if !utf8.ValidString(msg) {
				t.Fatalf("message is not UTF-8: %q", msg)
			}
		}
		redacted := Redact(uri)
		if indexFold(redacted, "sig=") >= 0 {
			t.Fatalf("Redact(%q) = %q", uri, redacted)
		}
		if indexFold(msg, "sig=") >= 0 {
			t.Fatalf("message shows sig=: %s", msg)
		}
		public, query, _ := strings.Cut(uri, "?")
		publicDecoded, _ := url.PathUnescape(public)
		secrets := Secrets(uri)
		_ = Signature(uri)
		shown := func(s string) bool {
			return len(s) >= 8 && !strings.Contains(public, s) && !strings.Contains(publicDecoded, s) && !otherValue(query, s)
		}
		for _, s := range append(secrets, query) {
			if shown(s) && strings.Contains(msg, s) {
				t.Fatalf("message shows %q: %s", s, msg)
			}
			if shown(s) && strings.Contains(redacted, s) {
				t.Fatalf("Redact shows %q: %s", s, redacted)
			}
		}
	})
}

// otherValue reports whether s is also the value of a parameter other than
// sig: the check may show a start or expiry time, which is no secret even
// when a signature happens to equal it.
func otherValue(query, s string) bool {
	for _, part := range strings.FieldsFunc(query, func(r rune) bool { return r == '&' || r == ';' }) {
		k, v, _ := strings.Cut(part, "=")
		if strings.EqualFold(k, "sig") {
			continue
		}
		if dv, err := url.QueryUnescape(v); v == s || (err == nil && dv == s) {
			return true
		}
	}
	return false
}

// FuzzParseGalleryImageVersionID: never panics; an id it takes prints as
// an id it takes again, the same.
func FuzzParseGalleryImageVersionID(f *testing.F) {
	f.Add(galID)
	f.Add(defID)
	f.Add(galID + "//")
	f.Add("/SUBSCRIPTIONS/s/resourcegroups/r/providers/microsoft.compute/galleries/g/images/i/versions/1.0.0/")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseGalleryImageVersionID(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Rule != RuleGalleryID {
				t.Fatalf("%T %v", err, err)
			}
			return
		}
		again, err := ParseGalleryImageVersionID(id.String())
		if err != nil || again != id || !id.Matches(s) {
			t.Fatalf("%q → %s → %+v, %v", s, id, again, err)
		}
	})
}
