// Package htmltext turns the API's messageHtml into one line of plain text.
package htmltext

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// MaxLen bounds the text kept from one message; longer text ends in "…".
const MaxLen = 4000

// Text renders HTML as plain text on one line: tags dropped, entities decoded,
// script and style bodies skipped, a link's address kept beside its text,
// control characters removed and white space collapsed.
func Text(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return clean(s)
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside <script>/<style>, whose bodies are not text
	var href []string
	for {
		switch z.Next() {
		case html.ErrorToken:
			return clean(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			switch tag {
			case "script", "style":
				skip++
			case "br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6":
				b.WriteByte(' ')
			case "a":
				href = append(href, linkTarget(z, hasAttr))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				if skip > 0 {
					skip--
				}
			case "a":
				if n := len(href); n > 0 {
					if h := href[n-1]; h != "" && !strings.Contains(b.String(), h) {
						b.WriteString(" (" + h + ")")
					}
					href = href[:n-1]
				}
			case "p", "div", "li", "tr", "td", "th":
				b.WriteByte(' ')
			}
		}
		if b.Len() > 4*MaxLen {
			return clean(b.String())
		}
	}
}

// linkTarget returns an http(s) href of the current <a>, or "".
func linkTarget(z *html.Tokenizer, more bool) string {
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		if string(k) == "href" {
			h := strings.TrimSpace(string(v))
			if strings.HasPrefix(h, "https://") || strings.HasPrefix(h, "http://") {
				return h
			}
			return ""
		}
	}
	return ""
}

// clean collapses white space, drops control and format characters, and
// bounds the length to MaxLen runes, spaces included, plus "…".
func clean(s string) string {
	var b strings.Builder
	b.Grow(min(len(s), MaxLen))
	n := 0
	cut := false
	put := func(r rune) bool {
		if n >= MaxLen {
			cut = r != ' '
			b.WriteString("…")
			return false
		}
		b.WriteRune(r)
		n++
		return true
	}
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar:
			continue
		}
		if space {
			if !put(' ') {
				break
			}
			space = false
		}
		if !put(r) {
			break
		}
	}
	out := b.String()
	if cut {
		// The limit fell inside a word: cut before it instead. A secret the
		// server echoed has no spaces, and half of one would no longer
		// match its mask when the reporter scrubs the text.
		kept := strings.TrimSuffix(out, "…")
		if sp := strings.LastIndexByte(kept, ' '); sp >= len(kept)/2 {
			out = kept[:sp] + "…"
		}
	}
	return out
}
