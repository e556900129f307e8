package imagesource

import (
	"net/url"
	"strings"
)

// RedactedQuery is what Redact puts in place of a SAS query.
const RedactedQuery = "REDACTED"

// Redact is uri with its query (the SAS) replaced by RedactedQuery, for
// what is shown: a dry run's document, a log line. It works on any string,
// URL or not; a "sig=" before the "?" is cut too.
func Redact(uri string) string {
	kept, _, cut := strings.Cut(uri, "?")
	if i := indexFold(kept, "sig="); i >= 0 {
		kept, cut = kept[:i], true
	}
	if !cut {
		return uri
	}
	return kept + "?" + RedactedQuery
}

// Signature is the value of the SAS's sig parameter, decoded; "" when
// there is none. It is the secret a runner must mask (::add-mask::).
func Signature(uri string) string {
	s := Secrets(uri)
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// Secrets is every form the SAS's signature can take in what is shown:
// decoded first, then as written in the URI when that differs (percent
// escapes). Mask them all. The parameter name is matched without case.
func Secrets(uri string) []string {
	_, query, ok := strings.Cut(uri, "?")
	if !ok {
		return nil
	}
	query, _, _ = strings.Cut(query, "#")
	var out []string
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		if s != "" {
			out = append(out, s)
		}
	}
	for _, part := range strings.FieldsFunc(query, func(r rune) bool { return r == '&' || r == ';' }) {
		key, raw, _ := strings.Cut(part, "=")
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
		if !strings.EqualFold(key, "sig") {
			continue
		}
		if v, err := url.QueryUnescape(raw); err == nil {
			add(v)
		}
		add(raw)
	}
	return out
}

// indexFold is strings.Index ignoring ASCII case; byte offsets stay those
// of s (strings.ToLower may change the length of other letters).
func indexFold(s, sub string) int {
	lower := func(x string) string {
		b := []byte(x)
		for i, c := range b {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		return string(b)
	}
	return strings.Index(lower(s), lower(sub))
}
