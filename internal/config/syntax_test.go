package config

import (
	"regexp"
	"strings"
	"testing"
)

// FuzzSyntax holds each hand-written matcher to the regular expression it
// replaced.
func FuzzSyntax(f *testing.F) {
	matchers := []struct {
		name   string
		re     *regexp.Regexp
		maxLen int // 0: the expression says it all
		fn     func(string) bool
	}{
		{"isID", regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`), 0, isID},
		{"IsGUID", regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`), 0, IsGUID},
		{"isTenant", regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$`), 0, isTenant},
		{"isVersion", regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}(-preview[0-9]*)?$`), 0, isVersion},
		// The technical configuration schema's versionNumber: the pattern, 1 to 32 characters.
		{"IsImageVersion", regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`), 32, IsImageVersion},
	}
	for _, s := range []string{
		"", "a", "contoso-vm", "contoso_vm.2", "-a", ".a", "a/b", "a b", "é", "a\n",
		"72f988bf-86f1-41af-91ab-2d7cd011db47", "72F988BF-86F1-41AF-91AB-2D7CD011DB47",
		"72f988bf-86f1-41af-91ab-2d7cd011db4", "72f988bf_86f1-41af-91ab-2d7cd011db47",
		"1.0.0", "01.2.3", "1.0", "1.0.0.0", "1..0", "1.0.0\n", "1.0." + strings.Repeat("9", 28), "1.0." + strings.Repeat("9", 29),
		"contoso.onmicrosoft.com", "2017-10-31", "2022-03-01-preview2", "2022-03-01-preview",
		"2022-03-01-", "2022-3-01", "2022-03-01\n", "２０２２-03-01",
		strings.Repeat("a", 100), strings.Repeat("a", 101), strings.Repeat("a", 253), strings.Repeat("a", 254),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range matchers {
			if got, want := m.fn(s), m.re.MatchString(s) && (m.maxLen == 0 || len(s) <= m.maxLen); got != want {
				t.Errorf("%s(%q) = %v; the regular expression says %v", m.name, s, got, want)
			}
		}
	})
}
