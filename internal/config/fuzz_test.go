package config

import (
	"fmt"
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

// FuzzLoadImage throws arbitrary values at the image inputs: Load must not
// panic, what it accepts must hold the Config's promises, and no error may
// show the SAS URIs' queries.
func FuzzLoadImage(f *testing.F) {
	f.Add("add-image", "contoso-plan", "", galleryID, "", "", "x64Gen2", "product-ingestion")
	f.Add("publish", "contoso-plan", "1.2.3", "", osSAS, dataSAS(0)+"\n"+dataSAS(1), "", "cpp")
	f.Add("add-image", "p", "1.0.0", "", "https://a/b.vhd?sig=Abcdefgh12&x#y", "%zz?sig=Abcdefgh12", "X64GEN1,arm64gen2", "cpp")
	f.Fuzz(func(t *testing.T, start, plan, version, gallery, osDisk, dataDisks, types, api string) {
		in := cppImage(map[string]string{"start": start, "plan-id": plan, "image-version": version, "gallery-image-version-id": gallery,
			"os-disk-sas-uri": osDisk, "data-disk-sas-uris": dataDisks, "image-types": types, "api": api, "notification-emails": "a@contoso.com"})
		if strings.EqualFold(strings.TrimSpace(api), "product-ingestion") {
			in["external-id"], in["offer-id"], in["notification-emails"] = "contoso-vm", "", ""
		}
		c, err := Load(env(in))
		if err != nil {
			for _, uri := range append(lines(osDisk), lines(dataDisks)...) {
				if _, query, ok := strings.Cut(uri, "?"); ok && len(query) >= 8 && strings.Contains(err.Error(), "?"+query) {
					t.Fatalf("error shows a SAS query %q: %v", query, err)
				}
			}
			// What errors may show: the other inputs, and SAS URIs before their
			// query; a signature that is also part of one may be echoed as that.
			var others string
			for _, v := range []string{start, plan, version, gallery, types, api} {
				others += v + "\n" + fmt.Sprintf("%q", v) + "\n"
			}
			for _, uri := range append(lines(osDisk), lines(dataDisks)...) {
				if i := strings.IndexAny(uri, "?&#"); i >= 0 {
					uri = uri[:i]
				}
				others += uri + "\n"
			}
			for _, s := range Secrets(env(in)) {
				if strings.Contains(err.Error(), s) && !strings.Contains(others, s) {
					t.Fatalf("error shows a signature %q: %v", s, err)
				}
			}
			return
		}
		if !c.HasImage() {
			if c.PlanID != "" || c.ImageVersion != "" || c.ImageTypes != nil {
				t.Fatalf("no image, but plan %q version %q types %q", c.PlanID, c.ImageVersion, c.ImageTypes)
			}
			return
		}
		if (c.Gallery != nil) == (c.OSDiskSAS != "") || (c.Gallery != nil && (c.API != APIProductIngestion || c.GalleryTenantID == "")) {
			t.Fatalf("sources: gallery %+v sas %q api %s tenant %q", c.Gallery, c.OSDiskSAS, c.API, c.GalleryTenantID)
		}
		if !isID(c.PlanID) || !IsImageVersion(c.ImageVersion) || len(c.DataDiskSAS) > MaxDataDisks || len(c.Targets) != 1 {
			t.Fatalf("accepted plan %q version %q, %d data disks, %d targets", c.PlanID, c.ImageVersion, len(c.DataDiskSAS), len(c.Targets))
		}
		if c.Start != StartAddImage && c.Start != StartPublish {
			t.Fatalf("an image with start %q", c.Start)
		}
		masked := strings.Join(Secrets(env(in)), "\n")
		var sas []string
		if c.OSDiskSAS != "" {
			sas = append([]string{c.OSDiskSAS}, c.DataDiskSAS...)
		}
		for _, uri := range sas {
			if len(uri) < 8 || !strings.EqualFold(uri[:8], "https://") || len(sasSignatures(uri)) == 0 || !strings.Contains(masked, sasSignatures(uri)[0]) {
				t.Fatalf("accepted SAS URI %q whose signature is not masked (%q)", uri, masked)
			}
		}
		if c.Gallery != nil && !strings.EqualFold(c.Gallery.ID, strings.TrimSuffix(gallery, "/")) && !strings.EqualFold(c.Gallery.ID, strings.TrimSuffix(strings.TrimSpace(gallery), "/")) {
			t.Fatalf("gallery id %q from %q", c.Gallery.ID, gallery)
		}
		seen := map[string]bool{}
		for _, ty := range c.ImageTypes {
			if seen[ty] || (ty != ImageTypeX64Gen1 && ty != ImageTypeX64Gen2 && ty != ImageTypeARM64Gen2) {
				t.Fatalf("image types %q", c.ImageTypes)
			}
			seen[ty] = true
		}
	})
}
