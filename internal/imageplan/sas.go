package imageplan

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// Redacted replaces a URI's query string wherever this package shows one.
// Plain letters: the reporter renders HTML to text, so "<redacted>" would
// vanish and leave a bare "?" that reads as a URI without a query.
const Redacted = "REDACTED"

// sasVolatile are the SAS parameters that change each time a SAS is made for
// the same blob with the same rights (start, expiry, service version,
// signature); cloudpub's is_sas_eq ignores the same four.
var sasVolatile = map[string]bool{"st": true, "se": true, "sv": true, "sig": true}

// SameSAS reports whether two SAS URIs name the same blob with the same
// rights: the same URL before "?" (scheme and host compared without case, as
// DNS does; the path exactly, as blob names are case-sensitive) and the same
// query parameters other than st, se, sv and sig.
func SameSAS(a, b string) bool {
	abase, aq, _ := strings.Cut(a, "?")
	bbase, bq, _ := strings.Cut(b, "?")
	if !sameBase(abase, bbase) {
		return false
	}
	ap, aok := sasParams(aq)
	bp, bok := sasParams(bq)
	if !aok || !bok {
		return aq == bq
	}
	if len(ap) != len(bp) {
		return false
	}
	for k, v := range ap {
		if w, ok := bp[k]; !ok || !slices.Equal(v, w) {
			return false
		}
	}
	return true
}

func sameBase(a, b string) bool {
	if a == b {
		return true
	}
	as, arest, aok := strings.Cut(a, "://")
	bs, brest, bok := strings.Cut(b, "://")
	if !aok || !bok || !strings.EqualFold(as, bs) {
		return false
	}
	ahost, apath, _ := strings.Cut(arest, "/")
	bhost, bpath, _ := strings.Cut(brest, "/")
	return strings.EqualFold(ahost, bhost) && apath == bpath
}

// sasParams are a query's parameters without the volatile ones, names in
// lower case; false when the query does not parse.
func sasParams(q string) (map[string][]string, bool) {
	vals, err := url.ParseQuery(q)
	if err != nil {
		return nil, false
	}
	out := map[string][]string{}
	for k, v := range vals {
		k = strings.ToLower(k)
		if sasVolatile[k] {
			continue
		}
		out[k] = append(out[k], v...)
	}
	for _, v := range out {
		slices.Sort(v)
	}
	return out, true
}

// RedactText is s with the query string of every http(s) URL in it replaced
// by "?REDACTED" (the path stays, so a reader sees which blob), and any
// other "sig=" value replaced too. Use it on any text that may hold a URI
// before it is logged, annotated or put in an error.
func RedactText(s string) string {
	var b strings.Builder
	rest := s
	for {
		i := indexURL(rest)
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		rest = rest[i:]
		end := strings.IndexFunc(rest, urlEnd)
		if end < 0 {
			end = len(rest)
		}
		u := rest[:end]
		if q := strings.IndexByte(u, '?'); q >= 0 {
			if strings.HasPrefix(rest[q+1:], Redacted) {
				end = q + 1 + len(Redacted) // already redacted: as is
			}
			u = u[:q] + "?" + Redacted
		}
		b.WriteString(u)
		rest = rest[end:]
	}
	return redactSig(b.String())
}

// indexURL is where the first http:// or https:// starts in s (any case).
func indexURL(s string) int {
	l := strings.ToLower(s)
	i, j := strings.Index(l, "http://"), strings.Index(l, "https://")
	switch {
	case i < 0:
		return j
	case j < 0:
		return i
	}
	return min(i, j)
}

// urlEnd is a character that ends a URL in running text.
func urlEnd(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '"', '\'', '<', '>', '`', ')', ']', '}':
		return true
	}
	return false
}

// redactSig replaces the value of every sig= (a SAS token outside a URL, or
// one a URL scan missed) with REDACTED.
func redactSig(s string) string {
	l := strings.ToLower(s)
	var b strings.Builder
	last := 0
	for i := 0; ; {
		j := strings.Index(l[i:], "sig=")
		if j < 0 {
			break
		}
		start := i + j + len("sig=")
		end := start
		for end < len(s) && !sigEnd(s[end]) {
			end++
		}
		if s[start:end] != Redacted && end > start {
			b.WriteString(s[last:start])
			b.WriteString(Redacted)
			last = end
		}
		i = max(end, start)
	}
	b.WriteString(s[last:])
	return b.String()
}

// sigEnd is a byte that ends a sig value in text or in raw JSON.
func sigEnd(c byte) bool {
	switch c {
	case '&', '"', '\'', '\\', ' ', '\t', '\n', '\r', '#', '<', '>', ')', ']', '}', ',', ';':
		return true
	}
	return false
}

// Redact is a copy of a JSON document with every string passed through
// RedactText, for printing (dry-run): keys, key order, numbers and nulls as
// read, written compact. The copy is for people only: never send it.
func Redact(doc []byte) ([]byte, error) {
	out, err := redactValue(bytes.TrimSpace(doc))
	if err != nil {
		return nil, errorf("redacting the document: %w", err)
	}
	return out, nil
}

func redactValue(raw []byte) ([]byte, error) {
	if len(raw) == 0 {
		return nil, errNotJSON
	}
	switch raw[0] {
	case '{':
		o, err := parseObject(raw)
		if err != nil {
			return nil, err
		}
		o = o.clone()
		for i, m := range o.members {
			v, err := redactValue(bytes.TrimSpace(m.value))
			if err != nil {
				return nil, err
			}
			o.members[i].value = v
		}
		return o.bytes(), nil
	case '[':
		elems, _, err := parseArray(raw)
		if err != nil {
			return nil, err
		}
		for i, e := range elems {
			if elems[i], err = redactValue(bytes.TrimSpace(e)); err != nil {
				return nil, err
			}
		}
		return arrayBytes(elems), nil
	case '"':
		s, ok := asString(raw)
		if !ok {
			return nil, errNotJSON
		}
		if r := RedactText(s); r != s {
			return marshal(r)
		}
		return raw, nil
	}
	if !json.Valid(raw) {
		return nil, errNotJSON
	}
	return raw, nil
}

var errNotJSON = &redactedError{msg: "not valid JSON"}

// SASRef is one SAS URI found in a document, and its signature.
type SASRef struct {
	URI string // the whole URI: a secret, for masking only
	Sig string // the sig parameter's value as written in the URI
}

// FindSAS lists every string of a JSON document (a resource tree, an offer, a
// configure document) that carries a sig parameter, in document order, once
// each. Earlier versions' SAS URIs are secrets as much as the new one: the
// caller masks each Sig (see Signatures) as soon as the body is read.
func FindSAS(doc []byte) []SASRef {
	var out []SASRef
	seen := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := dec.Token()
		if err != nil {
			break // the text scan in Signatures covers what does not parse
		}
		s, ok := tok.(string)
		if !ok || seen[s] {
			continue
		}
		if sig := sigOf(s); sig != "" {
			seen[s] = true
			out = append(out, SASRef{URI: s, Sig: sig})
		}
	}
	return out
}

// sigOf is the raw value of s's sig parameter, "" when it has none.
func sigOf(s string) string {
	_, q, ok := strings.Cut(s, "?")
	if !ok {
		q = s // a bare SAS token
	}
	for _, p := range strings.Split(q, "&") {
		if k, v, ok := strings.Cut(p, "="); ok && strings.EqualFold(k, "sig") && v != "" {
			return v
		}
	}
	return ""
}

// minSig is the shortest value Signatures gives: a real signature is an
// HMAC-SHA256 in base64 (43 characters and more), and masking a short
// value would blank that text everywhere in the log.
const minSig = 8

// Signatures is every SAS signature in body, whatever body is (JSON or not,
// whole or cut short), for ::add-mask::. Each is given as written and, when
// it differs, percent-decoded: a log may show either.
func Signatures(body []byte) []string {
	var out []string
	seen := map[string]bool{}
	add := func(v string) {
		if len(v) < minSig || seen[v] {
			return
		}
		seen[v] = true
		out = append(out, v)
		if d, err := url.QueryUnescape(v); err == nil && d != v && !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	for _, r := range FindSAS(body) {
		add(r.Sig)
	}
	// The text scan catches what the JSON walk cannot: a body that does not
	// parse, or a token outside a string.
	l := bytes.ToLower(body)
	for i := 0; ; {
		j := bytes.Index(l[i:], []byte("sig="))
		if j < 0 {
			break
		}
		start := i + j + len("sig=")
		end := start
		for end < len(body) && !sigEnd(body[end]) {
			end++
		}
		add(string(body[start:end]))
		i = start
	}
	return out
}
