package config

import "strings"

// The shapes of ids, written out rather than as regular expressions: the
// regexp package compiled these at every start, which took 0.7 ms and 300 KB
// (the {0,252} repeat of a tenant alone), a fifth of the gate's start-up.
// FuzzSyntax holds each to the regular expression it replaces.

// isID: publisher and offer ids, ^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$. Anything
// else could change a request path, so it is refused, not escaped.
func isID(s string) bool {
	return run(s, 100, func(c byte) bool { return isAlnum(c) || c == '.' || c == '_' || c == '-' })
}

// isTenant: a tenant GUID or domain, ^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$.
func isTenant(s string) bool {
	return run(s, 253, func(c byte) bool { return isAlnum(c) || c == '.' || c == '-' })
}

// run is true when s has 1 to maxLen bytes, starts with a letter or digit,
// and rest accepts every later byte.
func run(s string, maxLen int, rest func(byte) bool) bool {
	if s == "" || len(s) > maxLen || !isAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !rest(s[i]) {
			return false
		}
	}
	return true
}

// IsGUID reports whether s is a GUID such as 5a63deb5-925b-4ee0-938b-7c86fbf287c5.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

// isVersion: an API version, YYYY-MM-DD with an optional -preview and digits.
func isVersion(s string) bool {
	if len(s) < 10 || !isDigits(s[0:4]) || s[4] != '-' || !isDigits(s[5:7]) || s[7] != '-' || !isDigits(s[8:10]) {
		return false
	}
	if s = s[10:]; s == "" {
		return true
	}
	n, ok := strings.CutPrefix(s, "-preview")
	return ok && (n == "" || isDigits(n))
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c)
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isDigits(s string) bool {
	for i := range len(s) {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// shown is a value fit for an error: cut at a ? or #, so that a SAS URI
// pasted into the wrong input never shows its query.
func shown(v string) string {
	if i := strings.IndexAny(v, "?#"); i >= 0 {
		return v[:i] + "?…"
	}
	return v
}
