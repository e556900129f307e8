package htmltext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func FuzzText(f *testing.F) {
	for _, s := range []string{"<b>x</b>", "a<script>b</script>c", "<a href='https://x'>y</a>", "&#0;&#x1b;&lt;", "\u202e\r\n\t", "<<<>>>", "<a href=\"javascript:x\">"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Text(in)
		if !utf8.ValidString(out) {
			t.Fatalf("Text(%q) = %q is not valid UTF-8", in, out)
		}
		if n := utf8.RuneCountInString(out); n > MaxLen+1 {
			t.Fatalf("Text(%q) has %d runes", in, n)
		}
		for _, r := range out {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("Text(%q) = %q keeps %U", in, out, r)
			}
		}
		if strings.HasPrefix(out, " ") || strings.HasSuffix(out, " ") || strings.Contains(out, "  ") {
			t.Fatalf("Text(%q) = %q: white space not collapsed", in, out)
		}
	})
}
