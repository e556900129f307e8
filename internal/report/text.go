package report

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/marketplace-gate/marketplace-gate/internal/htmltext"
)

// inert makes server text safe to print on one line of a workflow log: HTML
// rendered to text, control characters and newlines gone, and the legacy
// "##[command]" form (which the runner honours anywhere in a line) broken
// with a zero-width joiner so it shows the same but is no command.
func inert(s string) string {
	s = htmltext.Text(strings.ToValidUTF8(s, ""))
	return redactSAS(strings.ReplaceAll(s, "##[", "#\u2060#["))
}

// sasRedacted replaces a SAS query string in server text.
const sasRedacted = "?REDACTED"

// redactSAS replaces the query string of every URL in s that carries a SAS
// signature (sig=) with "?REDACTED", keeping the path, so a reader sees
// which blob: a server that quotes a SAS URI in a message (a copy that
// failed, a validation error) must not show it. Every signature is masked
// too; this hides the rest of the query. Text without "sig=" is returned
// as it is, at the cost of one search.
func redactSAS(s string) string {
	lower := strings.ToLower(s)
	if !strings.Contains(lower, "sig=") {
		return s
	}
	var b strings.Builder
	from := 0
	for {
		i := strings.Index(lower[from:], "sig=")
		if i < 0 {
			break
		}
		i += from
		// The query this sig= belongs to starts at the last ? of its word.
		start := strings.LastIndexFunc(s[:i], unicode.IsSpace) + 1
		q := strings.LastIndexByte(s[start:i], '?')
		end := i + strings.IndexFunc(s[i:], func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(`"'<>)]}`, r) })
		if end < i {
			end = len(s)
		}
		if q < 0 {
			q = i - start // a bare SAS token: from sig= on
		}
		b.WriteString(s[from : start+q])
		b.WriteString(sasRedacted)
		from = end
	}
	b.WriteString(s[from:])
	return b.String()
}

// inertPath is a path of the user's made safe for one log line as inert
// makes server text, but kept as written: a path is not HTML.
func inertPath(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	return strings.ReplaceAll(s, "##[", "#\u2060#[")
}

// mdSpecials are the characters that Markdown or HTML could give meaning to.
const mdSpecials = "&<>\"'`*_{}[]()#+-!|~:@="

// mdEscaper turns every one of mdSpecials into a numeric entity. Entities
// are shown as the character but never parsed as markup, and an entity pipe
// does not split a table cell.
var mdEscaper = func() *strings.Replacer {
	var pairs []string
	for _, c := range mdSpecials {
		pairs = append(pairs, string(c), fmt.Sprintf("&#%d;", c))
	}
	return strings.NewReplacer(pairs...)
}()

// md escapes text for a Markdown table cell or list item: no tag, image,
// script, link, emphasis or table break survives.
func md(s string) string { return mdEscaper.Replace(s) }

// mdCut is md(s) within n bytes (n >= 3): escaping can make text six times
// longer, so it is cut as written, at a character (never inside an entity),
// ending in "…".
func mdCut(s string, n int) string {
	e := md(s)
	if len(e) <= n {
		return e
	}
	var b strings.Builder
	for _, c := range s {
		piece := string(c)
		if strings.ContainsRune(mdSpecials, c) {
			piece = fmt.Sprintf("&#%d;", c)
		}
		if b.Len()+len(piece) > n-len("…") {
			break
		}
		b.WriteString(piece)
	}
	return b.String() + "…"
}

// code renders an id as inline code when it can be one (no backtick, and no
// pipe, which splits a table cell even in code), else escaped; within n bytes.
func code(s string, n int) string {
	if len(s)+2 <= n && !strings.ContainsAny(s, "`|\r\n") {
		return "`" + s + "`"
	}
	return mdCut(inert(s), n)
}

// safeURL returns u when it is an absolute http(s) URL, re-encoded so that
// characters with meaning in Markdown cannot close the link; "" otherwise.
func safeURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return ""
	}
	return urlEscaper.Replace(u.String())
}

// urlEscaper percent-encodes what url.URL.String leaves but Markdown reads.
var urlEscaper = strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E", "\"", "%22", "'", "%27", "`", "%60", "|", "%7C", "[", "%5B", "]", "%5D")

// level normalises a message level to error, warning or information.
func level(l string) string {
	switch strings.ToLower(strings.TrimSpace(l)) {
	case "error", "err", "critical", "fatal":
		return "error"
	case "warning", "warn":
		return "warning"
	}
	return "information"
}

// units is the length of s in UTF-16 code units, as the runner counts it.
func units(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Len(r)
	}
	return n
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// cutUnits shortens s to at most n UTF-16 units (n > 0), cutting at a rune
// and ending in "…"; s is returned as is when it fits.
func cutUnits(s string, n int) string {
	used, end := 0, 0 // end: the longest s[:end] that fits with the ellipsis
	for i, r := range s {
		if used <= n-1 {
			end = i
		}
		if used += utf16Len(r); used > n {
			return s[:end] + "…"
		}
	}
	return s
}
