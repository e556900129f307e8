package htmltext

import (
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"Step completed.": "Step completed.",
		"No virtual machine image was found for the plan <b>contoso</b>.": "No virtual machine image was found for the plan contoso.",
		"Fix &lt;plan&gt; &amp; retry":                                    "Fix <plan> & retry",
		"line one<br>line two<br/>line three":                             "line one line two line three",
		"<p>First</p><p>Second</p>":                                       "First Second",
		"See <a href=\"https://learn.microsoft.com/x\">the docs</a>.":     "See the docs (https://learn.microsoft.com/x).",
		"<a href=\"https://a.example/\">https://a.example/</a>":           "https://a.example/",
		"<a href=\"javascript:alert(1)\">click</a>":                       "click",
		"bad<script>alert('x')</script>ok":                                "badok",
		"<img src=x onerror=alert(1)>image":                               "image",
		"<style>p{color:red}</style>styled":                               "styled",
		"new\nline\r\nand\ttab":                                           "new line and tab",
		"control\x00\x07\x1b[31mchars":                                    "control[31mchars", // ESC gone: no terminal escape survives
		"zero\u200bwidth\u202eoverride":                                   "zerowidthoverride",
		"  spaced   out  ":                                                "spaced out",
		"unclosed <b>bold":                                                "unclosed bold",
		"::error::injected":                                               "::error::injected",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTextIsBounded(t *testing.T) {
	got := Text(strings.Repeat("<b>x</b>", 10*MaxLen))
	if n := len([]rune(got)); n != MaxLen+1 || !strings.HasSuffix(got, "…") {
		t.Fatalf("length %d; want %d runes ending in …", n, MaxLen+1)
	}
}

func TestBoundCountsSpaces(t *testing.T) {
	// Found by FuzzText: collapsed spaces were not counted toward MaxLen.
	got := Text("&& " + strings.Repeat("M x ", MaxLen))
	if n := len([]rune(got)); n != MaxLen+1 {
		t.Fatalf("length %d; want %d", n, MaxLen+1)
	}
}
