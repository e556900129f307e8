package imagesource

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/arm"
)

const (
	sub    = "00000000-0000-0000-0000-000000000001"
	galID  = "/subscriptions/" + sub + "/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/gal/images/ubuntu/versions/1.2.3"
	defID  = "/subscriptions/" + sub + "/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/gal/images/ubuntu"
	idHead = "gallery-image-version-id %q is not a Compute Gallery image version id (/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Compute/galleries/{gallery}/images/{definition}/versions/{version}): "
)

// TestParseGalleryImageVersionID: the inputs' parser decides (config), and
// the error names the input; "latest" is no image version.
func TestParseGalleryImageVersionID(t *testing.T) {
	want := GalleryImageVersionID{Subscription: sub, ResourceGroup: "rg-images", Gallery: "gal", Image: "ubuntu", Version: "1.2.3"}
	for _, in := range []string{
		galID,
		galID + "/",
		"  " + galID + "\n",
		"/SUBSCRIPTIONS/" + sub + "/resourcegroups/rg-images/PROVIDERS/microsoft.compute/Galleries/gal/IMAGES/ubuntu/Versions/1.2.3",
	} {
		id, err := ParseGalleryImageVersionID(in)
		if err != nil || id != want {
			t.Errorf("%q: %+v, %v", in, id, err)
		}
		if id.String() != galID || id.ImageDefinitionID() != defID || id.Name() != "gal/ubuntu/1.2.3" {
			t.Errorf("%q: %s | %s | %s", in, id, id.ImageDefinitionID(), id.Name())
		}
	}
	for _, tc := range []struct{ in, reason string }{
		{"", "it does not start with /subscriptions/"},
		{"subscriptions/" + sub, "it does not start with /subscriptions/"},
		{defID, "it ends before /versions/"},
		{defID + "/", "it ends before /versions/"},
		{"/subscriptions/" + sub + "/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/gal", "it ends before /images/"},
		{galID + "//", "it goes on past the version: /"},
		{galID + "/x//y", "it goes on past the version: /x//y"},
		{"/subscriptions/" + sub + "/resourceGroups//providers/Microsoft.Compute/galleries/gal/images/ubuntu/versions/1.2.3", "it has no resource group name after /resourceGroups/"},
		{"/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Storage/galleries/gal/images/ubuntu/versions/1.2.3", `its provider is "Microsoft.Storage", not Microsoft.Compute`},
		{"/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Compute/images/gal/images/ubuntu/versions/1.2.3", `it has "images" where galleries belongs`},
		{"/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/gal/images/ubuntu/versions/latest", `the version "latest" is not Major.Minor.Patch (such as 1.0.0): name one image version`},
		{"/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g al/images/ubuntu/versions/1.2.3", "it contains white space, a control character or a backslash"},
		{"/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/gal/images/ub?x=1/versions/1.2.3", "it carries a query or a fragment"},
		{galID + "/extra/x", "it goes on past the version: /extra/x"},
		{"/subscriptions", "it has no subscription name after /subscriptions/"},
	} {
		_, err := ParseGalleryImageVersionID(tc.in)
		var e *Error
		want := strings.Replace(idHead, "%q", quote(tc.in), 1) + tc.reason
		if !errors.As(err, &e) || e.Rule != RuleGalleryID || e.Msg != want {
			t.Errorf("%q:\n%v\nwant\n%s", tc.in, err, want)
		}
	}
}

func quote(s string) string { return strconv.Quote(s) }

func TestMatchesIgnoresCase(t *testing.T) {
	id, _ := ParseGalleryImageVersionID(galID)
	if !id.Matches(strings.ToUpper(galID)+"/") || id.Matches(strings.Replace(galID, "1.2.3", "1.2.4", 1)) || id.Matches("garbage") {
		t.Error("Matches")
	}
}

// reader is a GalleryReader from fixed answers.
type reader struct {
	version    arm.GalleryImageVersion
	versionErr error
	def        arm.GalleryImageDefinition
	defErr     error
	asked      []string
}

func (r *reader) GalleryImageVersion(_ context.Context, id string) (arm.GalleryImageVersion, error) {
	r.asked = append(r.asked, id)
	return r.version, r.versionErr
}

func (r *reader) GalleryImageDefinition(_ context.Context, id string) (arm.GalleryImageDefinition, error) {
	r.asked = append(r.asked, id)
	return r.def, r.defErr
}

func httpErr(status int) error {
	return &apihttp.Error{Call: "GET gallery image version", StatusCode: status, Hint: arm.Meaning(status)}
}

func TestCheckGallery(t *testing.T) {
	id, err := ParseGalleryImageVersionID(galID)
	if err != nil {
		t.Fatal(err)
	}
	succeeded := arm.GalleryImageVersion{Name: "1.2.3", ProvisioningState: "Succeeded"}
	gen1 := arm.GalleryImageDefinition{Name: "ubuntu", HyperVGeneration: "V1", Architecture: "x64"}
	gen2 := arm.GalleryImageDefinition{Name: "ubuntu", HyperVGeneration: "V2"}
	arm64 := arm.GalleryImageDefinition{Name: "ubuntu", HyperVGeneration: "v2", Architecture: "arm64"}
	warn403 := "gallery image version gal/ubuntu/1.2.3 was not checked: Azure Resource Manager answered HTTP 403: the app may not read the gallery, so its state, generation and architecture are left to Partner Center. " +
		"To have them checked, grant the app Reader on gallery gal (resource group rg-images, subscription " + sub + "); Owner includes it. " +
		"Partner Center itself needs Owner on the gallery, or Microsoft.PartnerCenterIngestion registered in subscription " + sub + " (az provider register --namespace Microsoft.PartnerCenterIngestion --subscription " + sub + ")"
	for _, tc := range []struct {
		name      string
		r         reader
		requested []string
		want      GalleryCheck
		rule      Rule
		msg       string
	}{
		{"gen2 default", reader{version: succeeded, def: gen2}, nil, GalleryCheck{ImageType: X64Gen2}, "", ""},
		{"gen1 no architecture", reader{version: succeeded, def: arm.GalleryImageDefinition{HyperVGeneration: "V1"}}, []string{"x64Gen1"}, GalleryCheck{ImageType: X64Gen1}, "", ""},
		{"no generation is V1", reader{version: succeeded, def: arm.GalleryImageDefinition{}}, nil, GalleryCheck{ImageType: X64Gen1}, "", ""},
		{"arm64, any case", reader{version: succeeded, def: arm64}, []string{"ARM64GEN2"}, GalleryCheck{ImageType: Arm64Gen2}, "", ""},
		{"state any case", reader{version: arm.GalleryImageVersion{ProvisioningState: "succeeded"}, def: gen2}, []string{X64Gen2}, GalleryCheck{ImageType: X64Gen2}, "", ""},
		{"creating", reader{version: arm.GalleryImageVersion{ProvisioningState: "Creating"}, def: gen2}, nil, GalleryCheck{}, RuleProvisioningState,
			"gallery image version gal/ubuntu/1.2.3 is Creating, not Succeeded; wait for the build to finish"},
		{"updating", reader{version: arm.GalleryImageVersion{ProvisioningState: "updating"}}, nil, GalleryCheck{}, RuleProvisioningState,
			"gallery image version gal/ubuntu/1.2.3 is Updating, not Succeeded; wait for the update to finish"},
		{"migrating", reader{version: arm.GalleryImageVersion{ProvisioningState: "Migrating"}}, nil, GalleryCheck{}, RuleProvisioningState,
			"gallery image version gal/ubuntu/1.2.3 is Migrating, not Succeeded; wait for the update to finish"},
		{"failed", reader{version: arm.GalleryImageVersion{ProvisioningState: "Failed"}}, nil, GalleryCheck{}, RuleProvisioningState,
			"gallery image version gal/ubuntu/1.2.3 is Failed, not Succeeded: its build failed; build a new image version"},
		{"deleting", reader{version: arm.GalleryImageVersion{ProvisioningState: "Deleting"}}, nil, GalleryCheck{}, RuleProvisioningState,
			"gallery image version gal/ubuntu/1.2.3 is Deleting, not Succeeded: it is being deleted; choose another version"},
		{"no state", reader{version: arm.GalleryImageVersion{}}, nil, GalleryCheck{}, RuleProvisioningState,
			"gallery image version gal/ubuntu/1.2.3 has no provisioningState in Azure Resource Manager's answer, so it is not known to be Succeeded; wait for the build to finish"},
		{"odd state", reader{version: arm.GalleryImageVersion{ProvisioningState: "Paused"}}, nil, GalleryCheck{}, RuleProvisioningState,
			`gallery image version gal/ubuntu/1.2.3 is "Paused", not Succeeded; publish a version Azure reports Succeeded`},
		{"gen1 for gen2", reader{version: succeeded, def: gen1}, []string{X64Gen2}, GalleryCheck{}, RuleImageType,
			"gallery image version gal/ubuntu/1.2.3 is Gen1 but image type x64Gen2 was requested: its image definition ubuntu makes it x64Gen1; request x64Gen1, or publish a version of an x64 Gen2 image definition"},
		{"gen2 for gen1", reader{version: succeeded, def: gen2}, []string{X64Gen1}, GalleryCheck{}, RuleImageType,
			"gallery image version gal/ubuntu/1.2.3 is Gen2 but image type x64Gen1 was requested: its image definition ubuntu makes it x64Gen2; request x64Gen2, or publish a version of an x64 Gen1 image definition"},
		{"x64 for arm64", reader{version: succeeded, def: gen2}, []string{Arm64Gen2}, GalleryCheck{}, RuleImageType,
			"gallery image version gal/ubuntu/1.2.3 is x64 but image type arm64Gen2 was requested: its image definition ubuntu makes it x64Gen2; request x64Gen2, or publish a version of an Arm64 Gen2 image definition"},
		{"x64 gen1 for arm64", reader{version: succeeded, def: gen1}, []string{Arm64Gen2}, GalleryCheck{}, RuleImageType,
			"gallery image version gal/ubuntu/1.2.3 is x64 Gen1 but image type arm64Gen2 was requested: its image definition ubuntu makes it x64Gen1; request x64Gen1, or publish a version of an Arm64 Gen2 image definition"},
		{"arm64 for x64", reader{version: succeeded, def: arm64}, []string{X64Gen2}, GalleryCheck{}, RuleImageType,
			"gallery image version gal/ubuntu/1.2.3 is Arm64 but image type x64Gen2 was requested: its image definition ubuntu makes it arm64Gen2; request arm64Gen2, or publish a version of an x64 Gen2 image definition"},
		{"two types", reader{version: succeeded, def: gen2}, []string{X64Gen2, X64Gen1}, GalleryCheck{}, RuleImageType,
			"gallery image version gal/ubuntu/1.2.3 is Gen2 but image type x64Gen1 was requested: its image definition ubuntu makes it x64Gen2; request x64Gen2, or publish a version of an x64 Gen1 image definition"},
		{"unknown type", reader{version: succeeded, def: gen2}, []string{"x86Gen2"}, GalleryCheck{}, RuleImageType,
			`image type "x86Gen2" is not x64Gen1, x64Gen2 or arm64Gen2`},
		{"V3", reader{version: succeeded, def: arm.GalleryImageDefinition{HyperVGeneration: "V3"}}, nil, GalleryCheck{}, RuleImageType,
			`image definition gal/ubuntu has hyperVGeneration "V3", which no Partner Center image type takes (x64Gen1 is V1; x64Gen2 and arm64Gen2 are V2)`},
		{"riscv", reader{version: succeeded, def: arm.GalleryImageDefinition{HyperVGeneration: "V2", Architecture: "RiscV"}}, nil, GalleryCheck{}, RuleImageType,
			`image definition gal/ubuntu has architecture "RiscV", which no Partner Center image type takes (x64 or Arm64)`},
		{"arm64 gen1", reader{version: succeeded, def: arm.GalleryImageDefinition{HyperVGeneration: "V1", Architecture: "Arm64"}}, nil, GalleryCheck{}, RuleImageType,
			"image definition gal/ubuntu is Arm64 Gen1, which no Partner Center image type takes (arm64Gen2 is Gen2)"},
		{"403 skips", reader{versionErr: httpErr(http.StatusForbidden)}, []string{X64Gen2}, GalleryCheck{Skipped: true, Warning: warn403}, "", ""},
		{"401 skips", reader{versionErr: httpErr(http.StatusUnauthorized)}, nil, GalleryCheck{Skipped: true, Warning: strings.Replace(warn403, "HTTP 403: the app may not read the gallery", "HTTP 401: the token was refused; check gallery-tenant-id", 1)}, "", ""},
		{"403 on the definition", reader{version: succeeded, defErr: httpErr(http.StatusForbidden)}, nil,
			GalleryCheck{Skipped: true, Warning: strings.Replace(warn403, "so its state, generation", "so its generation", 1)}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			got, err := CheckGallery(context.Background(), &r, id, tc.requested)
			if tc.rule == "" {
				if err != nil || got != tc.want {
					t.Fatalf("%+v, %v\nwant %+v", got, err, tc.want)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Rule != tc.rule || e.Msg != tc.msg {
				t.Errorf("%v\nwant %s: %s", err, tc.rule, tc.msg)
			}
		})
	}
}

func TestCheckGalleryReads(t *testing.T) {
	id, _ := ParseGalleryImageVersionID(strings.ToLower(galID))
	r := &reader{version: arm.GalleryImageVersion{ProvisioningState: "Succeeded"}}
	if _, err := CheckGallery(context.Background(), r, id, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"/subscriptions/" + sub + "/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/gal/images/ubuntu/versions/1.2.3",
		"/subscriptions/" + sub + "/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/gal/images/ubuntu",
	}
	if strings.Join(r.asked, " ") != strings.Join(want, " ") {
		t.Errorf("asked %q", r.asked)
	}
	// Not Succeeded: the definition is not read.
	r = &reader{version: arm.GalleryImageVersion{ProvisioningState: "Creating"}}
	_, _ = CheckGallery(context.Background(), r, id, nil)
	if len(r.asked) != 1 {
		t.Errorf("asked %q", r.asked)
	}
}

func TestCheckGalleryOtherErrorsFail(t *testing.T) {
	id, _ := ParseGalleryImageVersionID(galID)
	for _, status := range []int{http.StatusNotFound, http.StatusInternalServerError, 0} {
		cause := httpErr(status)
		if status == 0 {
			cause = &apihttp.Error{Call: "GET gallery image version", Retry: true, Err: errors.New("connection reset")}
		}
		got, err := CheckGallery(context.Background(), &reader{versionErr: cause}, id, nil)
		if got.Skipped || !errors.Is(err, cause) || !strings.HasPrefix(err.Error(), "reading gallery image version gal/ubuntu/1.2.3 from Azure Resource Manager: GET gallery image version") {
			t.Errorf("%d: %+v, %v", status, got, err)
		}
	}
	cause := httpErr(http.StatusNotFound)
	_, err := CheckGallery(context.Background(), &reader{version: arm.GalleryImageVersion{ProvisioningState: "Succeeded"}, defErr: cause}, id, nil)
	if !errors.Is(err, cause) || !strings.HasPrefix(err.Error(), "reading image definition gal/ubuntu from Azure Resource Manager: ") {
		t.Errorf("definition 404: %v", err)
	}
}
