package imagesource

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)

func policy() SASPolicy { return SASPolicy{Now: func() time.Time { return now }} }

const (
	blob   = "https://acct.blob.core.windows.net/vhds/os.vhd"
	sig    = "Zm9vYmFyU0VDUkVUc2lnbmF0dXJl%2Bx%3D"
	sigDec = "Zm9vYmFyU0VDUkVUc2lnbmF0dXJl+x="
	good   = "sv=2021-08-06&sr=b&st=2026-11-09T00%3A00%3A00Z&se=2026-12-31T00%3A00%3A00Z&sp=rl&sig=" + sig
)

// q is the good query with key set to value ("" drops it).
func q(key, value string) string {
	var parts []string
	found := false
	for _, p := range strings.Split(good, "&") {
		k, _, _ := strings.Cut(p, "=")
		if k == key {
			found = true
			if value != "" {
				parts = append(parts, k+"="+value)
			}
			continue
		}
		parts = append(parts, p)
	}
	if !found && value != "" {
		parts = append(parts, key+"="+value)
	}
	return strings.Join(parts, "&")
}

const (
	osLabel   = "SAS for the OS disk (os-disk-sas-uri, blob /vhds/os.vhd) "
	lun2Label = "SAS for data disk LUN 2 (data-disk-sas-uris, blob /vhds/os.vhd) "
)

func TestCheckSAS(t *testing.T) {
	for _, tc := range []struct {
		name string
		uri  string
		disk Disk
		rule Rule
		msg  string
	}{
		{"good", blob + "?" + good, OSDisk(), "", ""},
		{"good, minutes only", blob + "?" + q("se", "2026-12-31T00:00Z"), OSDisk(), "", ""},
		{"good, offset and fraction", blob + "?" + q("se", "2026-12-31T00:00:00.1234567%2B01:00"), OSDisk(), "", ""},
		{"good, container SAS, upper-case VHD", "https://acct.blob.core.windows.net/vhds/dir/OS.VHD?" + q("sr", "c"), OSDisk(), "", ""},
		{"good, exactly 21 days", blob + "?" + q("se", "2026-12-01T12:00:00Z"), OSDisk(), "", ""},
		{"empty", "  ", OSDisk(), RuleURL,
			"SAS for the OS disk (os-disk-sas-uri) is empty: give the blob's SAS URL"},
		{"not a URL", "acct.blob.core.windows.net/vhds/os.vhd?" + good, OSDisk(), RuleURL,
			"SAS for the OS disk (os-disk-sas-uri) is not a URL: give the blob's SAS URL, https://<account>.blob.core.windows.net/<container>/<name>.vhd?<SAS>"},
		{"bad escape", "https://acct.blob.core.windows.net/vhds/%zz.vhd?" + good, OSDisk(), RuleURL,
			"SAS for the OS disk (os-disk-sas-uri) is not a URL: give the blob's SAS URL, https://<account>.blob.core.windows.net/<container>/<name>.vhd?<SAS>"},
		{"line break", blob + "?" + good + "\n", OSDisk(), RuleWhiteSpace,
			"SAS for the OS disk (os-disk-sas-uri) contains white space: " + whiteSpaceFix},
		{"space in name", "https://acct.blob.core.windows.net/vhds/my os.vhd?" + good, DataDisk(2), RuleWhiteSpace,
			"SAS for data disk LUN 2 (data-disk-sas-uris, blob /vhds/my%20os.vhd) contains white space: " + whiteSpaceFix},
		{"escaped space in name", "https://acct.blob.core.windows.net/vhds/my%20os.vhd?" + good, OSDisk(), RuleWhiteSpace,
			"SAS for the OS disk (os-disk-sas-uri, blob /vhds/my%20os.vhd) contains white space: " + whiteSpaceFix},
		{"space in query", blob + "?" + good + "&x=a b", OSDisk(), RuleWhiteSpace,
			osLabel + "contains white space: " + whiteSpaceFix},
		{"http", "http://acct.blob.core.windows.net/vhds/os.vhd?" + good, OSDisk(), RuleHTTPS,
			osLabel + "does not use https: Partner Center reads the VHD over https only; use the blob's https:// URL"},
		{"not vhd", "https://acct.blob.core.windows.net/vhds/os.vhdx?" + good, OSDisk(), RuleVHD,
			"SAS for the OS disk (os-disk-sas-uri, blob /vhds/os.vhdx) does not name a .vhd blob: the URL's path must end in .vhd; with a container SAS, put the blob's path before the \"?\""},
		{"container only", "https://acct.blob.core.windows.net/vhds?" + q("sr", "c"), OSDisk(), RuleVHD,
			"SAS for the OS disk (os-disk-sas-uri, blob /vhds) does not name a .vhd blob: the URL's path must end in .vhd; with a container SAS, put the blob's path before the \"?\""},
		{"no query", blob, OSDisk(), RuleQuery,
			osLabel + `has no SAS (nothing after "?"): generate one with read and list permissions (sp=rl) and append it`},
		{"malformed query", blob + "?" + good + "&a=%zz", OSDisk(), RuleQuery,
			osLabel + "has a malformed SAS query: copy the SAS URL again"},
		{"semicolon", blob + "?" + strings.ReplaceAll(good, "&", ";"), OSDisk(), RuleQuery,
			osLabel + "has a malformed SAS query: copy the SAS URL again"},
		{"no sig", blob + "?" + q("sig", ""), OSDisk(), RuleSignature,
			osLabel + "has no signature (the sig parameter): copy the whole SAS URL again"},
		{"no sp", blob + "?" + q("sp", ""), OSDisk(), RulePermissions,
			osLabel + "has no permissions (sp): generate the SAS with read and list permissions (sp=rl)"},
		{"stored policy", blob + "?" + q("sp", "") + "&si=readers", OSDisk(), RulePermissions,
			osLabel + "takes its permissions from a stored access policy (si), which cannot be checked here: generate the SAS with read and list permissions in it (sp=rl)"},
		{"two sp", blob + "?" + good + "&sp=r", OSDisk(), RulePermissions,
			osLabel + "has more than one permissions parameter (sp): generate the SAS again with read and list permissions (sp=rl)"},
		{"read only", blob + "?" + q("sp", "r"), OSDisk(), RulePermissions,
			osLabel + "lacks list (l): Partner Center needs read and list: generate the SAS with sp=rl"},
		{"list only", blob + "?" + q("sp", "l"), OSDisk(), RulePermissions,
			osLabel + "lacks read (r): Partner Center needs read and list: generate the SAS with sp=rl"},
		{"upper case", blob + "?" + q("sp", "RL"), OSDisk(), RulePermissions,
			osLabel + "grants more than read and list: 'R' (not a SAS permission), 'L' (not a SAS permission); Partner Center needs read and list only: generate the SAS with sp=rl"},
		{"write delete", blob + "?" + q("sp", "rwdl"), OSDisk(), RulePermissions,
			osLabel + "grants more than read and list: write (w), delete (d); Partner Center needs read and list only: generate the SAS with sp=rl"},
		{"every letter", blob + "?" + q("sp", "racwdxyltfmeopiuu%F0%9F%94%91"), OSDisk(), RulePermissions,
			osLabel + "grants more than read and list: add (a), create (c), write (w), delete (d), delete version (x), permanent delete (y), tags (t), filter by tags (f), move (m), execute (e), change ownership (o), change permissions (process, for an account SAS) (p), set immutability policy (i), update (u), a character that is not a SAS permission; Partner Center needs read and list only: generate the SAS with sp=rl"},
		{"no st", blob + "?" + q("st", ""), OSDisk(), RuleStart,
			osLabel + "has no start time (st): generate the SAS with one, as a full date-time such as 2026-11-09T00:00:00Z"},
		{"st date only", blob + "?" + q("st", "2026-11-09"), OSDisk(), RuleStart,
			osLabel + "has a start time (st) that is a date only: give a full date-time such as 2026-11-09T00:00:00Z"},
		{"st garbage", blob + "?" + q("st", "yesterday"), OSDisk(), RuleStart,
			osLabel + "has a start time (st) that is not a date-time: give a full UTC date-time such as 2026-11-09T00:00:00Z"},
		{"st no zone", blob + "?" + q("st", "2026-11-09T00:00:00"), OSDisk(), RuleStart,
			osLabel + "has a start time (st) that is not a date-time: give a full UTC date-time such as 2026-11-09T00:00:00Z"},
		{"st future", blob + "?" + q("st", "2026-11-10T12:16:00Z"), OSDisk(), RuleStart,
			osLabel + "starts at 2026-11-10T12:16:00Z, after now: Partner Center cannot read it yet; generate the SAS with a start one day before now, such as 2026-11-09T00:00:00Z"},
		{"st within skew", blob + "?" + q("st", "2026-11-10T12:14:00Z"), OSDisk(), "", ""},
		{"no se", blob + "?" + q("se", ""), OSDisk(), RuleExpiry,
			osLabel + "has no expiry time (se): generate the SAS with one, as a full date-time such as 2026-12-08T00:00:00Z"},
		{"se date only", blob + "?" + q("se", "2026-12-31"), DataDisk(2), RuleExpiry,
			lun2Label + "has an expiry time (se) that is a date only: give a full date-time such as 2026-12-08T00:00:00Z"},
		{"expired", blob + "?" + q("se", "2026-11-01T00:00:00Z"), OSDisk(), RuleExpiry,
			osLabel + "expired at 2026-11-01T00:00:00Z: generate a new SAS that expires at least 21 days from now, such as 2026-12-08T00:00:00Z"},
		{"three days", blob + "?" + q("se", "2026-11-13T13:00:00Z"), OSDisk(), RuleExpiry,
			osLabel + "expires in 3 days (at 2026-11-13T13:00:00Z); Partner Center needs at least 21 days: generate a SAS that expires at least 21 days from now, such as 2026-12-08T00:00:00Z"},
		{"hours", blob + "?" + q("se", "2026-11-10T13:00:00%2B00:00"), OSDisk(), RuleExpiry,
			osLabel + "expires in less than a day (at 2026-11-10T13:00:00Z); Partner Center needs at least 21 days: generate a SAS that expires at least 21 days from now, such as 2026-12-08T00:00:00Z"},
		{"a minute short", blob + "?" + q("se", "2026-12-01T11:59:00Z"), OSDisk(), RuleExpiry,
			osLabel + "expires in 20 days (at 2026-12-01T11:59:00Z); Partner Center needs at least 21 days: generate a SAS that expires at least 21 days from now, such as 2026-12-08T00:00:00Z"},
		{"sig in path", "https://acct.blob.core.windows.net/vhds/os.vhd&sig=" + sig, OSDisk(), RuleVHD,
			"SAS for the OS disk (os-disk-sas-uri, blob /vhds/os.vhd…) does not name a .vhd blob: the URL's path must end in .vhd; with a container SAS, put the blob's path before the \"?\""},
		{"escaped question mark", "https://acct.blob.core.windows.net/vhds/os.vhd%3F" + good, OSDisk(), RuleVHD,
			"SAS for the OS disk (os-disk-sas-uri, blob /vhds/os.vhd…) does not name a .vhd blob: the URL's path must end in .vhd; with a container SAS, put the blob's path before the \"?\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckSAS(tc.uri, tc.disk, policy())
			if tc.rule == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%T %v, want *Error", err, err)
			}
			if e.Rule != tc.rule || e.Msg != tc.msg {
				t.Errorf("rule %s, message\n%s\nwant rule %s,\n%s", e.Rule, e.Msg, tc.rule, tc.msg)
			}
			assertNoSecret(t, tc.uri, e.Msg)
		})
	}
}

// assertNoSecret fails if msg shows the SAS query, its signature (in any
// form) or "sig=", unless the public part of uri (before "?") holds it.
func assertNoSecret(t *testing.T, uri, msg string) {
	t.Helper()
	public, query, _ := strings.Cut(uri, "?")
	secrets := append(Secrets(uri), sig, sigDec, "sig=")
	if len(query) >= 8 {
		secrets = append(secrets, query)
	}
	for _, s := range secrets {
		if len(s) >= 4 && strings.Contains(msg, s) && !strings.Contains(public, s) {
			t.Errorf("message shows %q: %s", s, msg)
		}
	}
	if strings.Contains(msg, sig) || strings.Contains(msg, sigDec) || strings.Contains(msg, "sig=") {
		t.Errorf("message shows the signature: %s", msg)
	}
}

func TestCheckSASMinValidity(t *testing.T) {
	p := policy()
	p.MinValidity = 60 * 24 * time.Hour
	err := CheckSAS(blob+"?"+good, OSDisk(), p)
	want := osLabel + "expires in 50 days (at 2026-12-31T00:00:00Z); Partner Center needs at least 60 days: generate a SAS that expires at least 60 days from now, such as 2027-01-16T00:00:00Z"
	if err == nil || err.Error() != want {
		t.Errorf("%v\nwant %s", err, want)
	}
	p.MinValidity = 36 * time.Hour
	if err := CheckSAS(blob+"?"+q("se", "2026-11-11T00:00:00Z"), OSDisk(), p); err == nil || !strings.Contains(err.Error(), "needs at least 36h0m0s") {
		t.Errorf("%v", err)
	}
}

func TestCheckSASDisks(t *testing.T) {
	ok := blob + "?" + good
	if err := CheckSASDisks(ok, []string{ok, ok}, policy()); err != nil {
		t.Fatal(err)
	}
	seventeen := make([]string, 17)
	for i := range seventeen {
		seventeen[i] = ok
	}
	err := CheckSASDisks(ok, seventeen, policy())
	if err == nil || err.Error() != "data-disk-sas-uris has 17 data disks; an image takes at most 16 (LUN 0 to 15)" {
		t.Errorf("17 disks: %v", err)
	}
	if err := CheckSASDisks(ok, seventeen[:16], policy()); err != nil {
		t.Errorf("16 disks: %v", err)
	}
	err = CheckSASDisks(ok, []string{ok, ok, blob + "?" + q("sp", "rl") + "&sp=w"}, policy())
	if err == nil || !strings.HasPrefix(err.Error(), lun2Label) {
		t.Errorf("the third data disk is LUN 2: %v", err)
	}
	if err := CheckSASDisks(blob, nil, policy()); err == nil || !strings.HasPrefix(err.Error(), osLabel) {
		t.Errorf("the OS disk first: %v", err)
	}
}

func TestRedactAndSecrets(t *testing.T) {
	for _, tc := range []struct {
		uri, redacted string
		secrets       []string
	}{
		{blob + "?" + good, blob + "?REDACTED", []string{sigDec, sig}},
		{blob, blob, nil},
		{blob + "?sv=1&SIG=abc&sig=abc", blob + "?REDACTED", []string{"abc"}},
		{blob + "?sig=a%zz", blob + "?REDACTED", []string{"a%zz"}},
		{blob + "?sp=rl#sig=x", blob + "?REDACTED", nil},
		{blob + "&Sig=abc", "https://acct.blob.core.windows.net/vhds/os.vhd&?REDACTED", nil},
		{"not a url ?sig=abc", "not a url ?REDACTED", []string{"abc"}},
		{"", "", nil},
	} {
		if got := Redact(tc.uri); got != tc.redacted {
			t.Errorf("Redact(%q) = %q, want %q", tc.uri, got, tc.redacted)
		}
		got := Secrets(tc.uri)
		if strings.Join(got, "|") != strings.Join(tc.secrets, "|") {
			t.Errorf("Secrets(%q) = %q, want %q", tc.uri, got, tc.secrets)
		}
		want := ""
		if len(tc.secrets) > 0 {
			want = tc.secrets[0]
		}
		if Signature(tc.uri) != want {
			t.Errorf("Signature(%q) = %q", tc.uri, Signature(tc.uri))
		}
	}
}
