package config

import (
	"strings"
	"testing"
)

func FuzzParseLocation(f *testing.F) {
	for _, s := range []string{
		"/api/publishers/contoso/offers/contoso-vm/operations/" + guid + "?api-version=2017-10-31",
		"https://cloudpartner.azure.com/api/publishers/contoso/offers/contoso-vm/operations/" + guid,
		"/api/publishers/contoso/offers/%2e%2e/operations/" + guid, "//evil/api", "http://[::1", "%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		loc, err := ParseLocation(v)
		if err != nil {
			return
		}
		for _, seg := range []string{loc.Publisher, loc.Offer} {
			if !isID(seg) || isDots(seg) {
				t.Fatalf("ParseLocation(%q) accepted segment %q", v, seg)
			}
		}
		if !IsGUID(loc.Operation) {
			t.Fatalf("ParseLocation(%q) accepted operation %q", v, loc.Operation)
		}
	})
}

// FuzzLoad throws arbitrary values at the inputs a user types: Load must not
// panic, and what it accepts must hold the Config's promises.
func FuzzLoad(f *testing.F) {
	f.Add("contoso", "contoso-vm", guid, "60m", "15s", "5m", "true", "warning", "https://cloudpartner.azure.com")
	f.Add("c", "", "/api/publishers/c/offers/o/operations/"+guid, "1h", "1ms", "1ms", "FALSE", "none", "http://127.0.0.1:1")
	f.Fuzz(func(t *testing.T, pub, offer, op, timeout, initial, max, stop, annotate, api string) {
		in := map[string]string{
			"publisher-id": pub, "offer-id": offer, "operation-id": op, "timeout": timeout, "initial-interval": initial,
			"max-interval": max, "stop-at-signoff": stop, "annotate": annotate, "api-url": api, "access-token": "fuzz-token",
		}
		c, err := Load(env(in))
		if err != nil {
			if strings.Contains(err.Error(), "\x00") {
				t.Fatalf("error carries a NUL: %q", err)
			}
			return
		}
		if c.Timeout <= 0 || c.InitialInterval <= 0 || c.MaxInterval < c.InitialInterval {
			t.Fatalf("accepted durations %v %v %v", c.Timeout, c.InitialInterval, c.MaxInterval)
		}
		if c.APIURL.Scheme != "https" && !isLoopback(c.APIURL.Hostname()) {
			t.Fatalf("accepted api-url %s", c.APIURL)
		}
		if checkID("publisher-id", c.PublisherID) != nil || len(c.Targets) == 0 || len(c.Targets) > MaxTargets {
			t.Fatalf("accepted publisher %q, %d targets", c.PublisherID, len(c.Targets))
		}
		for _, tg := range c.Targets {
			if checkID("offer-id", tg.OfferID) != nil || (tg.OperationID != "" && !IsGUID(tg.OperationID)) {
				t.Fatalf("accepted target %+v", tg)
			}
		}
	})
}

// FuzzResourceLines: the walk of a configure document never fails or hangs,
// and every line it gives lies in the document, on a line holding a {.
func FuzzResourceLines(f *testing.F) {
	for _, s := range []string{
		`{"resources":[{"id":"a"},{"$schema":"https://x/schema/listing/v","resourceName":"b"}]}`,
		"{\n\"resources\": [\n {\"id\": \"a\", \"x\": [1, {\"id\": \"b\"}]},\n 5, [], {}\n]}",
		`{"resources":{"id":"a"}}`, `[]`, `{"resources":[{"id":`, `"x"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		lines := strings.Split(doc, "\n")
		for name, line := range resourceLines([]byte(doc)) {
			if line < 1 || line > len(lines) || !strings.Contains(lines[line-1], "{") {
				t.Fatalf("%q at line %d of %q", name, line, doc)
			}
		}
	})
}
