package imageplan

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestSameSAS(t *testing.T) {
	base := "https://acct.blob.core.windows.net/vhds/img.vhd"
	q := "?sp=rl&sr=b&st=2026-01-01T00:00:00Z&se=2026-03-01T00:00:00Z&sv=2022-11-02&sig=AAAA"
	for _, tc := range []struct {
		name string
		a, b string
		same bool
	}{
		{"identical", base + q, base + q, true},
		{"st, se, sv, sig differ", base + q, base + "?sp=rl&sr=b&st=2027-01-01&se=2027-03-01&sv=2024-01-01&sig=BBBB", true},
		{"parameter order", base + q, base + "?sig=CCCC&sr=b&sp=rl", true},
		{"host case", base + q, "HTTPS://ACCT.Blob.Core.Windows.Net/vhds/img.vhd" + q, true},
		{"path case", base + q, "https://acct.blob.core.windows.net/vhds/IMG.vhd" + q, false},
		{"other blob", base + q, "https://acct.blob.core.windows.net/vhds/img2.vhd" + q, false},
		{"other account", base + q, "https://acct2.blob.core.windows.net/vhds/img.vhd" + q, false},
		{"other permissions", base + q, base + "?sp=r&sr=b&sig=AAAA", false},
		{"other resource type", base + q, base + "?sp=rl&sr=c&sig=AAAA", false},
		{"a parameter more", base + q, base + q + "&spr=https", false},
		{"parameter name case", base + "?SP=rl&sr=b", base + "?sp=rl&sr=b", true},
		{"no query", base, base, true},
		{"query vs none", base + q, base, false},
		{"only volatile vs none", base + "?sig=x&se=y", base, true},
		{"bad escapes compared raw", base + "?sp=%zz", base + "?sp=%zz", true},
		{"bad escapes differ", base + "?sp=%zz", base + "?sp=%zy", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SameSAS(tc.a, tc.b); got != tc.same {
				t.Fatalf("SameSAS = %v", got)
			}
			if got := SameSAS(tc.b, tc.a); got != tc.same {
				t.Fatalf("SameSAS reversed = %v", got)
			}
		})
	}
}

func TestRedactText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{sasA, "https://acct.blob.core.windows.net/vhds/img-a.vhd?REDACTED"},
		{"blob " + sasA + " and HTTP://x/y?sig=zzz.", "blob https://acct.blob.core.windows.net/vhds/img-a.vhd?REDACTED and HTTP://x/y?REDACTED"},
		{`"uri":"` + sasA + `"`, `"uri":"https://acct.blob.core.windows.net/vhds/img-a.vhd?REDACTED"`},
		{"token sv=1&sig=abcdef&se=2", "token sv=1&sig=REDACTED&se=2"},
		{"no URL here", "no URL here"},
		{"https://x/plain", "https://x/plain"},
	} {
		if got := RedactText(tc.in); got != tc.want {
			t.Errorf("RedactText(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
		// Redacting twice changes nothing: a message built from redacted parts
		// stays as it is.
		if got := RedactText(tc.want); got != tc.want {
			t.Errorf("RedactText(%q) = %q", tc.want, got)
		}
	}
}

// TestRedact: the dry-run copy names each blob and shows no query string;
// all else stays as read.
func TestRedact(t *testing.T) {
	doc := `{"$schema":"s","resources":[{"id":"x","n":1152921505687312000123,"z":null,` +
		`"source":{"osDisk":{"uri":"` + sasA + `"},"dataDisks":[{"lunNumber":0,"uri":"` + disk0 + `"}]},"esc":"a\u0026b","link":"https://example.com/p"}]}`
	got, err := Redact([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"$schema":"s","resources":[{"id":"x","n":1152921505687312000123,"z":null,` +
		`"source":{"osDisk":{"uri":"https://acct.blob.core.windows.net/vhds/img-a.vhd?REDACTED"},"dataDisks":[{"lunNumber":0,"uri":"https://acct.blob.core.windows.net/vhds/data-0.vhd?REDACTED"}]},"esc":"a\u0026b","link":"https://example.com/p"}]}`
	if string(got) != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
	if _, err := Redact([]byte(`{"a":`)); err == nil {
		t.Fatal("no error for a cut document")
	} else {
		noSecret(t, "error", err.Error())
	}
	// A JSON-escaped SAS (\u0026, \/) is redacted as decoded.
	escaped := `["https:\/\/a.blob.core.windows.net\/c\/d.vhd?sp=rl\u0026sig=SECRETescapedAAAAAAA"]`
	got, err = Redact([]byte(escaped))
	if err != nil || string(got) != `["https://a.blob.core.windows.net/c/d.vhd?REDACTED"]` {
		t.Fatalf("%s, %v", got, err)
	}
}

func TestFindSASAndSignatures(t *testing.T) {
	doc := `{"a":"` + sasA + `","b":["` + sasA + `",{"c":"` + disk0 + `"}],"d":"https://x/y?sp=rl","e":"sig=short"}`
	refs := FindSAS([]byte(doc))
	// Once each, in document order; a bare SAS token counts.
	if len(refs) != 3 || refs[0].URI != sasA || refs[0].Sig != sigA || refs[1].Sig != "SECRETdisk0AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" || refs[2].Sig != "short" {
		t.Fatalf("%+v", refs)
	}
	// Too short to be a signature: masking it would blank the word everywhere.
	sigs := Signatures([]byte(doc))
	want := []string{sigA, strings.TrimSuffix(sigA, "%3D") + "=", "SECRETdisk0AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
	if strings.Join(sigs, " ") != strings.Join(want, " ") {
		t.Fatalf("\n got %q\nwant %q", sigs, want)
	}
	// A body cut short, or not JSON at all, still gives its signatures; the
	// escaped form too.
	cut := `{"x":"https://a/b.vhd?sp=rl\u0026sig=SECRETcutAAAAAAAAAAAA&se=1`
	if got := Signatures([]byte(cut)); len(got) != 1 || got[0] != "SECRETcutAAAAAAAAAAAA" {
		t.Fatalf("%q", got)
	}
	if got := Signatures([]byte("<html>https://a/b.vhd?SIG=SECRETplainAAAAAA</html>")); len(got) != 1 || got[0] != "SECRETplainAAAAAA" {
		t.Fatalf("%q", got)
	}
}

// TestRedactError: the text loses the SAS query, the error stays reachable.
func TestRedactError(t *testing.T) {
	inner := errors.New("PUT failed for https://a.blob.core.windows.net/v/x.vhd?sv=1&sig=Secret123456")
	err := RedactError(fmt.Errorf("wrapped: %w", inner))
	if strings.Contains(err.Error(), "Secret123456") || !strings.Contains(err.Error(), "x.vhd?"+Redacted) || !errors.Is(err, inner) {
		t.Errorf("%v (is inner: %v)", err, errors.Is(err, inner))
	}
	plain := errors.New("no URI here")
	if RedactError(plain) != plain || RedactError(nil) != nil {
		t.Error("an error without a SAS query, or nil, is returned as it is")
	}
}
