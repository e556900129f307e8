package config

import (
	"fmt"
	"strings"
	"testing"
)

const (
	galleryID = "/subscriptions/" + guid + "/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/contoso_gallery/images/contoso-vm/versions/1.2.3"
	// rawSig is the signature as a SAS URI carries it, decodedSig the same
	// percent-decoded; tests look for both, and for the query, in errors.
	rawSig     = "Xq7%2Bv9KpL2mN0rT4wY6zA8bC1dE3fG5hJ%3D"
	decodedSig = "Xq7+v9KpL2mN0rT4wY6zA8bC1dE3fG5hJ="
	sasQuery   = "sv=2022-11-02&sr=b&st=2026-11-01T00%3A00%3A00Z&se=2027-01-31T00%3A00%3A00Z&sp=rl&sig=" + rawSig
	osSAS      = "https://contosoimages.blob.core.windows.net/vhds/contoso-vm-1.2.3.vhd?" + sasQuery
)

func dataSAS(lun int) string {
	return fmt.Sprintf("https://contosoimages.blob.core.windows.net/vhds/data%d.vhd?sv=2022-11-02&sp=rl&sig=DataSig%dSecretValue%%3D", lun, lun)
}

// cppImage: api cpp, start add-image with a SAS source.
func cppImage(ch map[string]string) map[string]string {
	m := with(map[string]string{"operation-id": "<unset>", "start": "add-image", "plan-id": "contoso-plan", "os-disk-sas-uri": osSAS, "image-version": "1.2.3"})
	for k, v := range ch {
		if v == "<unset>" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

// ingestImage: api product-ingestion, start add-image with a gallery source.
func ingestImage(ch map[string]string) map[string]string {
	m := with(map[string]string{"api": "product-ingestion", "publisher-id": "<unset>", "offer-id": "<unset>", "operation-id": "<unset>",
		"external-id": "contoso-vm", "start": "add-image", "plan-id": "contoso-plan", "gallery-image-version-id": galleryID})
	for k, v := range ch {
		if v == "<unset>" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func TestImageGallery(t *testing.T) {
	c, err := Load(env(ingestImage(nil)))
	if err != nil {
		t.Fatal(err)
	}
	want := GalleryImageVersion{ID: galleryID, Subscription: guid, ResourceGroup: "rg-images", Gallery: "contoso_gallery", Image: "contoso-vm", Version: "1.2.3"}
	if !c.HasImage() || c.Gallery == nil || *c.Gallery != want || c.PlanID != "contoso-plan" || c.ImageVersion != "1.2.3" {
		t.Errorf("gallery %+v plan %q version %q", c.Gallery, c.PlanID, c.ImageVersion)
	}
	if c.GalleryTenantID != "contoso.onmicrosoft.com" || c.OSDiskSAS != "" || c.DataDiskSAS != nil || c.ImageTypes != nil {
		t.Errorf("tenant %q (want tenant-id's), sas %q %q, types %q", c.GalleryTenantID, c.OSDiskSAS, c.DataDiskSAS, c.ImageTypes)
	}
	if c.IfVersionExists != VersionSkipIfIdentical || c.AllowDraftChanges || c.ARMURL.String() != "https://management.azure.com" || c.PublisherID != "" {
		t.Errorf("defaults: if-version-exists %q allow-draft-changes %v arm-url %s publisher %q", c.IfVersionExists, c.AllowDraftChanges, c.ARMURL, c.PublisherID)
	}
	if c.SubmissionTarget != "preview" || c.Start != StartAddImage {
		t.Errorf("start %q target %q", c.Start, c.SubmissionTarget)
	}

	c, err = Load(env(ingestImage(map[string]string{
		"start": "publish", "image-version": "2.0.0", "gallery-tenant-id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
		"image-types": "X64GEN2,\nx64gen1", "if-version-exists": "FAIL", "allow-draft-changes": "true",
		"arm-url": "http://127.0.0.1:9/", "publisher-id": "contoso", "product-id": guid, "external-id": "<unset>",
	})))
	if err != nil {
		t.Fatal(err)
	}
	if c.ImageVersion != "2.0.0" || c.GalleryTenantID != "72f988bf-86f1-41af-91ab-2d7cd011db47" || fmt.Sprint(c.ImageTypes) != "[x64Gen2 x64Gen1]" ||
		c.IfVersionExists != VersionFail || !c.AllowDraftChanges || c.ARMURL.String() != "http://127.0.0.1:9" || c.PublisherID != "contoso" {
		t.Errorf("given: %+v", c)
	}
	// With access-token there is no tenant-id to default to.
	c, err = Load(env(ingestImage(map[string]string{"tenant-id": "<unset>", "client-id": "<unset>", "client-secret": "<unset>", "access-token": "tok-12345678", "gallery-tenant-id": "fabrikam.com"})))
	if err != nil || c.GalleryTenantID != "fabrikam.com" {
		t.Errorf("access-token: tenant %q, %v", c.GalleryTenantID, err)
	}
}

func TestImageSAS(t *testing.T) {
	c, err := Load(env(cppImage(map[string]string{"data-disk-sas-uris": "\n" + dataSAS(0) + "\n\n" + dataSAS(1) + "\n"})))
	if err != nil {
		t.Fatal(err)
	}
	if !c.HasImage() || c.Gallery != nil || c.OSDiskSAS != osSAS || fmt.Sprint(c.DataDiskSAS) != fmt.Sprint([]string{dataSAS(0), dataSAS(1)}) || c.ImageVersion != "1.2.3" || c.PlanID != "contoso-plan" {
		t.Errorf("sas: %+v", c)
	}
	if c.NotificationEmails != "" || c.PublisherID != "contoso" || c.Targets[0].OfferID != "contoso-vm" {
		t.Errorf("cpp add-image: emails %q publisher %q targets %+v", c.NotificationEmails, c.PublisherID, c.Targets)
	}
	// cpp publish with a source: the offer PUT, then the publish, which
	// needs notification-emails as any cpp publish.
	c, err = Load(env(cppImage(map[string]string{"start": "publish", "notification-emails": "release@contoso.com"})))
	if err != nil || c.Start != StartPublish || !c.HasImage() {
		t.Errorf("cpp publish: %v", err)
	}
	// product-ingestion takes SAS sources too, and 16 data disks.
	var disks []string
	for i := range MaxDataDisks {
		disks = append(disks, dataSAS(i))
	}
	c, err = Load(env(ingestImage(map[string]string{"gallery-image-version-id": "<unset>", "os-disk-sas-uri": osSAS, "image-version": "1.2.3", "data-disk-sas-uris": strings.Join(disks, "\n")})))
	if err != nil || len(c.DataDiskSAS) != MaxDataDisks || c.GalleryTenantID != "" {
		t.Errorf("ingestion SAS: %d disks, tenant %q, %v", len(c.DataDiskSAS), c.GalleryTenantID, err)
	}
	// The defaults of if-version-exists and allow-draft-changes, given
	// explicitly, change nothing, so they go with any start.
	for _, start := range []string{"", "go-live", "publish"} {
		in := with(map[string]string{"operation-id": "<unset>", "start": start, "if-version-exists": "skip-if-identical", "allow-draft-changes": "false", "notification-emails": "a@contoso.com"})
		if start != "publish" {
			delete(in, "notification-emails")
		}
		if start == "" {
			in["operation-id"] = guid
		}
		if c, err := Load(env(in)); err != nil || c.HasImage() {
			t.Errorf("start %q with the defaults given: %v", start, err)
		}
	}
	// No image at all: as before.
	if c, err := Load(env(base())); err != nil || c.HasImage() || c.ARMURL == nil || c.IfVersionExists != VersionSkipIfIdentical {
		t.Errorf("no image: HasImage %v arm-url %v if-version-exists %q, %v", c.HasImage(), c.ARMURL, c.IfVersionExists, err)
	}
}

// TestImageRefusals: every rule, with the exact text a user reads; none
// shows a SAS query or signature.
func TestImageRefusals(t *testing.T) {
	var disks []string
	for i := range MaxDataDisks + 1 {
		disks = append(disks, dataSAS(i))
	}
	noCreds := map[string]string{"tenant-id": "<unset>", "client-id": "<unset>", "client-secret": "<unset>", "access-token": "tok-12345678"}
	both := func(a, b map[string]string) map[string]string {
		for k, v := range b {
			a[k] = v
		}
		return a
	}
	for name, tc := range map[string]struct {
		in   map[string]string
		want string
	}{
		// start decides whether image inputs mean anything.
		"plan-id without start": {with(map[string]string{"plan-id": "contoso-plan"}),
			"plan-id is for start: add-image (the image version to the plan's draft) or start: publish (added and published to preview); start is empty, so nothing would be sent"},
		"SAS without start, ingestion without since": {ingestImage(map[string]string{"start": "<unset>", "gallery-image-version-id": "<unset>", "plan-id": "<unset>", "os-disk-sas-uri": osSAS}),
			"os-disk-sas-uri is for start: add-image (the image version to the plan's draft) or start: publish (added and published to preview); start is empty, so nothing would be sent"},
		"gallery with go-live": {ingestImage(map[string]string{"start": "go-live"}),
			"plan-id is for start: add-image or publish; start: go-live takes no image: add the version and publish it to preview first, then go live"},
		"image-types with configure": {ingestImage(map[string]string{"start": "configure", "plan-id": "<unset>", "gallery-image-version-id": "<unset>", "image-types": "x64Gen2"}),
			"image-types is for start: add-image or publish; start: configure sends configure-file as it is"},
		"if-version-exists fail without start": {with(map[string]string{"if-version-exists": "fail"}),
			"if-version-exists: fail is for start: add-image (the image version to the plan's draft) or start: publish (added and published to preview); start is empty, so nothing would be sent"},
		"allow-draft-changes without start": {with(map[string]string{"allow-draft-changes": "true"}),
			"allow-draft-changes: true is for start: add-image (the image version to the plan's draft) or start: publish (added and published to preview); start is empty, so nothing would be sent"},
		"add-image without a source": {cppImage(map[string]string{"os-disk-sas-uri": "<unset>"}),
			"start: add-image needs an image source: gallery-image-version-id (api: product-ingestion) or os-disk-sas-uri"},
		"publish, plan-id without a source": {ingestImage(map[string]string{"start": "publish", "gallery-image-version-id": "<unset>"}),
			"plan-id goes with an image source (gallery-image-version-id or os-disk-sas-uri); start: publish without one publishes the draft as it is"},
		"publish, allow-draft-changes without a source": {ingestImage(map[string]string{"start": "publish", "gallery-image-version-id": "<unset>", "plan-id": "<unset>", "allow-draft-changes": "true"}),
			"allow-draft-changes: true goes with an image source (gallery-image-version-id or os-disk-sas-uri); start: publish without one publishes the draft as it is"},
		"unknown start": {cppImage(map[string]string{"start": "add"}),
			`start "add" must be publish, add-image, go-live or configure (or empty, to only watch)`},
		"add-image with notification-emails": {cppImage(map[string]string{"notification-emails": "a@contoso.com"}),
			"notification-emails is for start: publish; start: add-image only updates the offer's draft and publishes nothing"},
		"add-image with configure-file": {ingestImage(map[string]string{"configure-file": "c.json"}),
			"configure-file is for start: configure; start: add-image builds its own request"},
		"add-image without the product": {ingestImage(map[string]string{"external-id": "<unset>"}),
			"with api: product-ingestion, give job-id, product-id or external-id"},

		// The source.
		"two sources": {ingestImage(map[string]string{"os-disk-sas-uri": osSAS}),
			"gallery-image-version-id and os-disk-sas-uri are both given: give one image source"},
		"gallery with data disks": {ingestImage(map[string]string{"data-disk-sas-uris": dataSAS(0)}),
			"data-disk-sas-uris is for os-disk-sas-uri: a gallery image version holds its data disks"},
		"data disks alone": {cppImage(map[string]string{"os-disk-sas-uri": "<unset>", "data-disk-sas-uris": dataSAS(0)}),
			"data-disk-sas-uris needs os-disk-sas-uri: the data disks go with the OS disk's SAS URI"},
		"gallery with cpp": {cppImage(map[string]string{"os-disk-sas-uri": "<unset>", "gallery-image-version-id": galleryID}),
			"gallery-image-version-id is for api: product-ingestion: CPP offers take no gallery image; give os-disk-sas-uri, the SAS URI of the VHD"},
		"gallery id malformed": {ingestImage(map[string]string{"gallery-image-version-id": "/subscriptions/" + guid + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/def"}),
			`gallery-image-version-id "/subscriptions/` + guid + `/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/def" is not the resource id of a gallery image version (/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Compute/galleries/{gallery}/images/{image}/versions/{version}): it ends before /versions/`},
		"gallery id is a SAS": {ingestImage(map[string]string{"gallery-image-version-id": osSAS}),
			`gallery-image-version-id "https://contosoimages.blob.core.windows.net/vhds/contoso-vm-1.2.3.vhd?…" is not the resource id of a gallery image version (/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Compute/galleries/{gallery}/images/{image}/versions/{version}): it carries a query or a fragment`},
		"gallery version not X.Y.Z": {ingestImage(map[string]string{"gallery-image-version-id": strings.TrimSuffix(galleryID, "1.2.3") + "latest"}),
			`image-version is required: the gallery version's name "latest" is not a version X.Y.Z (such as 1.0.0) to publish the image as`},
		"gallery, no tenant with access-token": {ingestImage(noCreds),
			"gallery-tenant-id is required with gallery-image-version-id and access-token: the tenant (GUID or domain) of the gallery's subscription; with tenant-id it defaults to that"},
		"gallery-tenant-id not a tenant": {ingestImage(map[string]string{"gallery-tenant-id": "s3cret/value"}),
			"gallery-tenant-id is neither a GUID nor a domain such as contoso.onmicrosoft.com"},
		"gallery-tenant-id with SAS": {cppImage(map[string]string{"gallery-tenant-id": "contoso.com"}),
			"gallery-tenant-id is for gallery-image-version-id; a SAS URI needs no tenant"},
		"SAS without image-version": {cppImage(map[string]string{"image-version": "<unset>"}),
			"image-version is required with os-disk-sas-uri: the version number to publish the image as (X.Y.Z, such as 1.0.0)"},
		"SAS over two lines": {cppImage(map[string]string{"os-disk-sas-uri": osSAS + "\n" + dataSAS(0)}),
			"os-disk-sas-uri holds 2 lines: give the OS disk's one SAS URI (data disks go in data-disk-sas-uris)"},
		"SAS over http": {cppImage(map[string]string{"os-disk-sas-uri": "http://contosoimages.blob.core.windows.net/vhds/os.vhd?" + sasQuery}),
			"os-disk-sas-uri http://contosoimages.blob.core.windows.net/vhds/os.vhd is not an absolute https URL: give the blob's SAS URI, https://…/….vhd?sv=…&sig=…"},
		"SAS relative": {cppImage(map[string]string{"os-disk-sas-uri": "vhds/os.vhd?" + sasQuery}),
			"os-disk-sas-uri vhds/os.vhd is not an absolute https URL: give the blob's SAS URI, https://…/….vhd?sv=…&sig=…"},
		"SAS not a URL": {cppImage(map[string]string{"os-disk-sas-uri": "https://contoso images/%zz?" + sasQuery}),
			"os-disk-sas-uri is not a URL: give the blob's SAS URI, https://…/….vhd?sv=…&sig=…"},
		"SAS with user info": {cppImage(map[string]string{"os-disk-sas-uri": "https://me:" + rawSig + "@contosoimages.blob.core.windows.net/vhds/os.vhd?" + sasQuery}),
			"os-disk-sas-uri must not carry user info: give the blob's SAS URI"},
		"SAS with a fragment": {cppImage(map[string]string{"os-disk-sas-uri": osSAS + "#sig=" + rawSig}),
			"os-disk-sas-uri https://contosoimages.blob.core.windows.net/vhds/contoso-vm-1.2.3.vhd must not carry a fragment (#…)"},
		"SAS with its sig in the path": {cppImage(map[string]string{"os-disk-sas-uri": "https://contosoimages.blob.core.windows.net/vhds/os.vhd&sig=" + rawSig}),
			"os-disk-sas-uri https://contosoimages.blob.core.windows.net/vhds/os.vhd&… has no query: give the whole SAS URI, with its SAS token (sv=…&sig=…) after the ?"},
		"SAS whose path holds its sig": {cppImage(map[string]string{"os-disk-sas-uri": "http://contosoimages.blob.core.windows.net/SecretSig12/os.vhd?sig=SecretSig12"}),
			"os-disk-sas-uri (not shown: it holds the signature) is not an absolute https URL: give the blob's SAS URI, https://…/….vhd?sv=…&sig=…"},
		"SAS without a query": {cppImage(map[string]string{"os-disk-sas-uri": "https://contosoimages.blob.core.windows.net/vhds/os.vhd?"}),
			"os-disk-sas-uri https://contosoimages.blob.core.windows.net/vhds/os.vhd has no query: give the whole SAS URI, with its SAS token (sv=…&sig=…) after the ?"},
		"SAS without sig": {cppImage(map[string]string{"os-disk-sas-uri": "https://contosoimages.blob.core.windows.net/vhds/os.vhd?sv=2022-11-02&sp=rl"}),
			"os-disk-sas-uri https://contosoimages.blob.core.windows.net/vhds/os.vhd has no signature (sig) of 8 characters or more in its query: give the whole SAS URI, as the storage account or Azure CLI made it"},
		"SAS with a short sig": {cppImage(map[string]string{"os-disk-sas-uri": "https://contosoimages.blob.core.windows.net/vhds/os.vhd?sp=rl&sig=abc"}),
			"os-disk-sas-uri https://contosoimages.blob.core.windows.net/vhds/os.vhd has no signature (sig) of 8 characters or more in its query: give the whole SAS URI, as the storage account or Azure CLI made it"},
		"data disk without query": {cppImage(map[string]string{"data-disk-sas-uris": dataSAS(0) + "\nhttps://contosoimages.blob.core.windows.net/vhds/data1.vhd"}),
			"data-disk-sas-uris line 2 (LUN 1) https://contosoimages.blob.core.windows.net/vhds/data1.vhd has no query: give the whole SAS URI, with its SAS token (sv=…&sig=…) after the ?"},
		"17 data disks": {cppImage(map[string]string{"data-disk-sas-uris": strings.Join(disks, "\n")}),
			"data-disk-sas-uris has 17 lines: a VM image has at most 16 data disks (LUN 0 to 15)"},

		// The plan, the offer, the version, the types.
		"no plan-id": {cppImage(map[string]string{"plan-id": "<unset>"}),
			"plan-id is required with an image source: the Plan ID (external id) of the plan to add the version to"},
		"two plans": {cppImage(map[string]string{"plan-id": "plan-a\nplan-b"}),
			"plan-id holds 2 lines: one step adds an image version to one plan; use a step per plan"},
		"plan-id is a SAS": {cppImage(map[string]string{"plan-id": osSAS}),
			`plan-id "https://contosoimages.blob.core.windows.net/vhds/contoso-vm-1.2.3.vhd?…" may only hold letters, digits, '.', '-' and '_' (at most 100, starting with a letter or digit): give the plan's Plan ID`},
		"two offers": {cppImage(map[string]string{"offer-id": "contoso-vm\ncontoso-app"}),
			"offer-id lists 2 offers: one step adds an image version to one plan of one offer; use a step per offer"},
		"two products": {ingestImage(map[string]string{"external-id": "contoso-vm\ncontoso-app"}),
			"external-id lists 2 offers: one step adds an image version to one plan of one offer; use a step per offer"},
		"two product ids": {ingestImage(map[string]string{"external-id": "<unset>", "product-id": guid + "\n11111111-2222-4333-8444-555555555555"}),
			"product-id lists 2 offers: one step adds an image version to one plan of one offer; use a step per offer"},
		"ingestion publisher-id bad": {ingestImage(map[string]string{"publisher-id": "con/toso"}),
			`publisher-id "con/toso" may only hold letters, digits, '.', '-' and '_' (at most 100, starting with a letter or digit)`},
		"image-version two parts": {cppImage(map[string]string{"image-version": "1.2"}),
			`image-version "1.2" is not a version X.Y.Z: three numbers joined by dots, at most 32 characters, such as 1.0.0`},
		"image-version too long": {cppImage(map[string]string{"image-version": "1.0." + strings.Repeat("0", 29)}),
			`image-version "1.0.` + strings.Repeat("0", 29) + `" is not a version X.Y.Z: three numbers joined by dots, at most 32 characters, such as 1.0.0`},
		"image-version with v": {ingestImage(map[string]string{"image-version": "v1.2.3"}),
			`image-version "v1.2.3" is not a version X.Y.Z: three numbers joined by dots, at most 32 characters, such as 1.0.0`},
		"image-version is a SAS": {cppImage(map[string]string{"image-version": osSAS}),
			`image-version "https://contosoimages.blob.core.windows.net/vhds/contoso-vm-1.2.3.vhd?…" is not a version X.Y.Z: three numbers joined by dots, at most 32 characters, such as 1.0.0`},
		"image-types unknown": {cppImage(map[string]string{"image-types": "x64Gen2,gen1"}),
			`image-types: "gen1" is not an image type: give x64Gen1, x64Gen2 or arm64Gen2, comma- or line-separated`},
		"image-types twice": {cppImage(map[string]string{"image-types": "x64Gen2\nX64GEN2"}),
			"image-types lists x64Gen2 twice"},
		"if-version-exists unknown": {cppImage(map[string]string{"if-version-exists": "overwrite"}),
			`if-version-exists "overwrite" must be skip-if-identical or fail`},
		"allow-draft-changes not a bool": {ingestImage(map[string]string{"allow-draft-changes": "yes"}),
			`allow-draft-changes "yes" must be true or false`},
		"allow-draft-changes with add-image": {ingestImage(map[string]string{"allow-draft-changes": "true"}),
			"allow-draft-changes is for start: publish with api: product-ingestion: it lets the publish ship the draft's other unpublished changes with the image"},
		"allow-draft-changes with cpp": {cppImage(map[string]string{"start": "publish", "notification-emails": "a@contoso.com", "allow-draft-changes": "true"}),
			"allow-draft-changes is for start: publish with api: product-ingestion: it lets the publish ship the draft's other unpublished changes with the image"},
		"arm-url plain http": {ingestImage(map[string]string{"arm-url": "http://management.azure.com"}),
			`arm-url "http://management.azure.com" uses plain http: only https is allowed (http only for loopback hosts)`},
		"arm-url without an image": {with(map[string]string{"arm-url": "management.azure.com"}),
			`arm-url "management.azure.com" is not an absolute URL`},
		"SAS and bad credentials": {both(cppImage(nil), map[string]string{"client-id": "my-app"}),
			"client-id is not a GUID: use the app's Application (client) ID"},
	} {
		_, err := Load(env(tc.in))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", name, err, tc.want)
		}
		if err != nil {
			assertNoSAS(t, name, err.Error())
		}
	}
}

// assertNoSAS fails when text shows a SAS query or signature.
func assertNoSAS(t *testing.T, name, text string) {
	t.Helper()
	for _, leak := range []string{rawSig, decodedSig, "DataSig", "sig=" + rawSig[:4], "sv=2022", "sp=rl", "se=2027"} {
		if strings.Contains(text, leak) {
			t.Errorf("%s: %q shows the SAS query (%s)", name, text, leak)
		}
	}
}

// TestSASNeverInErrors: whatever input a SAS URI lands in (a paste into the
// wrong one included), and however malformed it is, no error shows its query.
func TestSASNeverInErrors(t *testing.T) {
	bad := []string{
		osSAS + " trailing", "https://contoso images/os.vhd?" + sasQuery, "ftp://contosoimages/os.vhd?" + sasQuery,
		"https://contosoimages.blob.core.windows.net/os.vhd#?" + sasQuery, "//contosoimages/os.vhd?" + sasQuery,
		"https://contosoimages.blob.core.windows.net/vhds/os.vhd?sig=" + rawSig + "%zz", "?" + sasQuery, osSAS,
		"https://contosoimages.blob.core.windows.net/vhds/os.vhd&" + sasQuery, "&sig=" + rawSig,
	}
	for _, v := range bad {
		for _, input := range Inputs() {
			input := input.Name
			for _, in := range []map[string]string{cppImage(map[string]string{input: v}), ingestImage(map[string]string{input: v})} {
				if _, err := Load(env(in)); err != nil {
					assertNoSAS(t, input+"="+v, err.Error())
				}
			}
		}
	}
}

func TestSecretsMaskSASSignatures(t *testing.T) {
	in := cppImage(map[string]string{"data-disk-sas-uris": dataSAS(0) + "\n" + dataSAS(1)})
	got := fmt.Sprint(Secrets(env(in)))
	want := fmt.Sprint([]string{rawSig, decodedSig, "DataSig0SecretValue%3D", "DataSig0SecretValue=", "DataSig1SecretValue%3D", "DataSig1SecretValue=", "s3cret-value"})
	if got != want {
		t.Errorf("secrets = %s\n want %s", got, want)
	}
	// Leniently: a malformed URI's signature is masked before Load refuses
	// it; SIG= in any case; never the whole URI; never a signature too short
	// to be one (masking it would blank out ordinary text).
	for _, tc := range []struct{ uri, want string }{
		{"https://contoso images/%zz?x=1&SIG=Malformed12345&y", "[Malformed12345 s3cret-value]"},
		{"not a url at all ?sig=AnotherSig99#frag", "[AnotherSig99 s3cret-value]"},
		{"https://a/b.vhd?sig=short&sv=1", "[s3cret-value]"},
		{"https://a/b.vhd?sv=1&sp=rl", "[s3cret-value]"},
		{"https://a/b.vhd?xsig=NotTheSig1234", "[s3cret-value]"},
		{"https://a/b.vhd?sig=&sig=Second12345", "[Second12345 s3cret-value]"},
	} {
		if got := fmt.Sprint(Secrets(env(cppImage(map[string]string{"os-disk-sas-uri": tc.uri})))); got != tc.want {
			t.Errorf("%s: secrets = %s; want %s", tc.uri, got, tc.want)
		}
	}
	for _, in := range Inputs() {
		if in.SAS && in.Secret {
			t.Errorf("input %s is Secret and SAS: masked whole, the blob's URL would be hidden too", in.Name)
		}
	}
}

func TestParseGalleryImageVersionID(t *testing.T) {
	want := GalleryImageVersion{ID: galleryID, Subscription: guid, ResourceGroup: "rg-images", Gallery: "contoso_gallery", Image: "contoso-vm", Version: "1.2.3"}
	g, err := ParseGalleryImageVersionID(galleryID)
	if err != nil || g != want {
		t.Fatalf("%+v, %v", g, err)
	}
	if got := g.ImageDefinitionID(); got != strings.TrimSuffix(galleryID, "/versions/1.2.3") {
		t.Errorf("ImageDefinitionID = %s", got)
	}
	// ARM's segment names match without case; values keep theirs.
	lower := "/SUBSCRIPTIONS/" + strings.ToUpper(guid) + "/resourcegroups/RG.Images(1)/PROVIDERS/microsoft.compute/Galleries/G/IMAGES/Def/Versions/0.0.1"
	g, err = ParseGalleryImageVersionID(lower)
	if err != nil || g.ID != lower || g.Subscription != strings.ToUpper(guid) || g.ResourceGroup != "RG.Images(1)" || g.Image != "Def" || g.Version != "0.0.1" {
		t.Errorf("case variants: %+v, %v", g, err)
	}
	if g.ImageDefinitionID() != "/subscriptions/"+strings.ToUpper(guid)+"/resourceGroups/RG.Images(1)/providers/Microsoft.Compute/galleries/G/images/Def" {
		t.Errorf("ImageDefinitionID = %s", g.ImageDefinitionID())
	}
	// One trailing slash is dropped.
	if g, err := ParseGalleryImageVersionID(galleryID + "/"); err != nil || g != want {
		t.Errorf("trailing slash: %+v, %v", g, err)
	}
	prefix := "/subscriptions/" + guid + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g"
	for _, tc := range []struct{ id, want string }{
		{galleryID + "//", "it goes on past the version: /"},
		{galleryID + "/extra", "it goes on past the version: /extra"},
		{strings.TrimPrefix(galleryID, "/"), "it does not start with /subscriptions/"},
		{"", "it does not start with /subscriptions/"},
		{"/", "it ends before /subscriptions/"},
		{"/subscriptions", "it has no subscription name after /subscriptions/"},
		{"/subscriptions/" + guid, "it ends before /resourceGroups/"},
		{"/subscriptions//resourceGroups/rg", "it has no subscription name after /subscriptions/"},
		{"/subscriptions/" + guid + "/resourceGroups/rg/providers/Microsoft.Storage/galleries/g/images/i/versions/1.0.0", `its provider is "Microsoft.Storage", not Microsoft.Compute`},
		{"/subscriptions/" + guid + "/resourceGroups/rg/providers/Microsoft.Compute/images/i/versions/1.0.0", `it has "images" where galleries belongs`},
		{prefix, "it ends before /images/"},
		{prefix + "/images/def", "it ends before /versions/"},
		{prefix + "/images/def/versions", "it has no version name after /versions/"},
		{prefix + "/images/def/versions/", "it has no version name after /versions/"},
		{prefix + "/images/def/version/1.0.0", `it has "version" where versions belongs`},
		{prefix + "/images/../versions/1.0.0", `image definition name ".." is not a plain name`},
		{prefix + "/images/d%2Fe/versions/1.0.0", `image definition name "d%2Fe" is not a plain name`},
		{"/subscriptions/contoso/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0", `subscription "contoso" is not a GUID`},
		{prefix + "/images/def/versions/1.0.0?api-version=2024-03-03", "it carries a query or a fragment"},
		{prefix + "/images/my def/versions/1.0.0", "it contains white space, a control character or a backslash"},
		{prefix + `/images/def\versions/1.0.0`, "it contains white space, a control character or a backslash"},
		{prefix + "/images/" + strings.Repeat("a", 257) + "/versions/1.0.0", `image definition name "` + strings.Repeat("a", 257) + `" is not a plain name`},
	} {
		if _, err := ParseGalleryImageVersionID(tc.id); err == nil || err.Error() != tc.want {
			t.Errorf("%q: %v; want %s", tc.id, err, tc.want)
		}
	}
}

// TestImageVersion: X.Y.Z, digits only, at most 32 characters; leading zeros
// are allowed because the technical configuration schema allows them.
func TestImageVersion(t *testing.T) {
	for v, ok := range map[string]bool{
		"1.0.0": true, "0.0.0": true, "01.002.0003": true, "2026.11.21": true,
		"1.0." + strings.Repeat("0", 28): true, "1.0." + strings.Repeat("0", 29): false,
		"": false, "1.0": false, "1.0.0.0": false, "1..0": false, ".1.0": false, "1.0.": false,
		"v1.0.0": false, "1.0.0-rc1": false, "1.0.0 ": false, "1,0,0": false, "１.0.0": false, "+1.0.0": false,
	} {
		if IsImageVersion(v) != ok {
			t.Errorf("IsImageVersion(%q) = %v", v, !ok)
		}
	}
}

func TestParseImageTypes(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "[]",
		"x64gen2":                   "[x64Gen2]",
		" X64GEN1 , x64Gen2 ":       "[x64Gen1 x64Gen2]",
		"arm64gen2\r\nx64Gen2\n":    "[arm64Gen2 x64Gen2]",
		",x64Gen2,,\n,":             "[x64Gen2]",
		"x64Gen1,x64Gen2,arm64Gen2": "[x64Gen1 x64Gen2 arm64Gen2]",
		"x64Gen2, x64gen2":          "error: image-types lists x64Gen2 twice",
		"x64 Gen2":                  `error: image-types: "x64 Gen2" is not an image type: give x64Gen1, x64Gen2 or arm64Gen2, comma- or line-separated`,
		"x64Gen2;x64Gen1":           `error: image-types: "x64Gen2;x64Gen1" is not an image type: give x64Gen1, x64Gen2 or arm64Gen2, comma- or line-separated`,
	} {
		types, err := parseImageTypes(in)
		got := fmt.Sprint(types)
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != want {
			t.Errorf("parseImageTypes(%q) = %s; want %s", in, got, want)
		}
	}
}
