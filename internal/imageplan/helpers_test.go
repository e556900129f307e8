package imageplan

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The product and plans of the synthetic trees.
const (
	pGUID  = "11111111-1111-1111-1111-111111111111"
	plan1  = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
	plan2  = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"
	galID  = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/def/versions/1.2.3"
	tenant = "22222222-2222-2222-2222-222222222222"
)

// SAS URIs. The signatures are what must never show in a message.
const (
	sigA = "SECRETsigAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D"
	sigB = "SECRETsigBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB%3D"
	sasA = "https://acct.blob.core.windows.net/vhds/img-a.vhd?sp=rl&st=2026-01-01T00:00:00Z&se=2026-03-01T00:00:00Z&sv=2022-11-02&sr=b&sig=" + sigA
	// sasA2 is sasA made again: new st, se, sv, sig; same blob and rights.
	sasA2 = "https://ACCT.blob.core.windows.net/vhds/img-a.vhd?sp=rl&st=2026-02-01T00:00:00Z&se=2026-04-01T00:00:00Z&sv=2023-01-03&sr=b&sig=" + sigB
	sasB  = "https://acct.blob.core.windows.net/vhds/img-b.vhd?sp=rl&st=2026-01-01T00:00:00Z&se=2026-03-01T00:00:00Z&sv=2022-11-02&sr=b&sig=" + sigB
	disk0 = "https://acct.blob.core.windows.net/vhds/data-0.vhd?sp=rl&sr=b&sig=SECRETdisk0AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
)

func sas(uri string, disks ...string) string {
	var d []string
	for i, u := range disks {
		d = append(d, `{"lunNumber":`+itoa(i)+`,"uri":"`+u+`"}`)
	}
	return `{"sourceType":"sasUri","osDisk":{"uri":"` + uri + `"},"dataDisks":[` + strings.Join(d, ",") + `]}`
}

func gal(id string) string {
	return `{"sourceType":"sharedImageGallery","sharedImage":{"tenantId":"` + tenant + `","resourceId":"` + id + `"}}`
}

func img(t ImageType, source string) string {
	return `{"imageType":"` + string(t) + `","source":` + source + `}`
}

func ver(number, lifecycle string, images ...string) string {
	l := ""
	if lifecycle != "" {
		l = `,"lifecycleState":"` + lifecycle + `"`
	}
	return `{"versionNumber":"` + number + `","vmImages":[` + strings.Join(images, ",") + `]` + l + `}`
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

const (
	skusGen2     = `[{"imageType":"x64Gen2","skuId":"sku-gen2"}]`
	skusGen1Gen2 = `[{"imageType":"x64Gen2","skuId":"sku-gen2"},{"imageType":"x64Gen1","skuId":"sku-gen1"}]`
)

// techConfig is plan's technical configuration; extra are more members
// ("key":value) put before skus.
func techConfig(plan, skus string, versions []string, extra ...string) string {
	e := ""
	for _, x := range extra {
		e += x + ","
	}
	return `{"$schema":"https://schema.mp.microsoft.com/schema/virtual-machine-plan-technical-configuration/2022-03-01-preview3",` +
		`"id":"virtual-machine-plan-technical-configuration/` + pGUID + `/` + plan + `","product":"product/` + pGUID + `","plan":"plan/` + pGUID + `/` + plan + `",` +
		e + `"skus":` + skus + `,"vmImageVersions":[` + strings.Join(versions, ",") + `]}`
}

// tree is a resource tree of the test product with plans plan-1 and plan-2
// and the given resources.
func tree(target string, resources ...string) string {
	base := []string{
		`{"$schema":"https://product-ingestion.azureedge.net/schema/product/2022-03-01-preview3","id":"product/` + pGUID + `","identity":{"externalId":"my-offer"},"type":"azureVirtualMachine","alias":"My offer"}`,
		`{"$schema":"https://schema.mp.microsoft.com/schema/plan/2022-03-01-preview2","id":"plan/` + pGUID + `/` + plan1 + `","product":"product/` + pGUID + `","identity":{"externalId":"plan-1"},"alias":"Plan 1","azureRegions":["azureGlobal"]}`,
		`{"$schema":"https://schema.mp.microsoft.com/schema/plan/2022-03-01-preview2","id":"plan/` + pGUID + `/` + plan2 + `","product":"product/` + pGUID + `","identity":{"externalId":"plan-2"},"alias":"Plan 2","azureRegions":["azureGlobal"]}`,
	}
	sub := `{"$schema":"https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2","id":"submission/` + pGUID + `/1152921505687312000","product":"product/` + pGUID + `","target":{"targetType":"` + target + `"},"lifecycleState":"generallyAvailable"}`
	all := append(append(base, resources...), sub)
	return `{"$schema":"https://schema.mp.microsoft.com/schema/resource-tree/2022-03-01-preview2","root":"product/` + pGUID + `","target":{"targetType":"` + target + `"},"resources":[` + strings.Join(all, ",") + `]}`
}

func mustTree(t testing.TB, body string) *Tree {
	t.Helper()
	tr, err := ParseTree([]byte(body))
	if err != nil {
		t.Fatalf("ParseTree: %v\n%s", err, body)
	}
	return tr
}

func sasRelease(version string, types []ImageType, uri string, disks ...string) Release {
	return Release{PlanID: "plan-1", Version: version, ImageTypes: types, Source: Source{SAS: &SAS{OSDisk: uri, DataDisks: disks}}}
}

func galRelease(version string, types []ImageType, id string) Release {
	return Release{PlanID: "plan-1", Version: version, ImageTypes: types, Source: Source{Gallery: &Gallery{TenantID: tenant, ResourceID: id}}}
}

// withResource is tree body with the resource of the same id replaced by res
// (as the configure job would apply it).
func withResource(t testing.TB, body []byte, res []byte) []byte {
	t.Helper()
	top, err := parseObject(body)
	if err != nil {
		t.Fatal(err)
	}
	newObj, err := parseObject(res)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := newObj.str("id")
	raw, _ := top.get("resources")
	elems, _, err := parseArray(raw)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range elems {
		o, err := parseObject(e)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := o.str("id"); got == id {
			elems[i] = res
		}
	}
	top = top.clone()
	top.set("resources", arrayBytes(elems))
	return top.bytes()
}

func compact(t testing.TB, b []byte) string {
	t.Helper()
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatalf("compact: %v\n%s", err, b)
	}
	return out.String()
}

// capture reads a recorded body from ../shared/captures (beside the
// repository), skipping the test where it is absent.
func capture(t testing.TB, name string) []byte {
	t.Helper()
	path := filepath.Join("..", "..", "..", "shared", "captures", name)
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skipf("capture %s not found (CI has ../shared/captures): skipped", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// resourceOf is the raw resource id of a tree body, compacted.
func resourceOf(t testing.TB, body []byte, id string) []byte {
	t.Helper()
	tr := mustTree(t, string(body))
	for _, r := range tr.resources {
		if r.id == id {
			return r.obj.bytes()
		}
	}
	t.Fatalf("no resource %s", id)
	return nil
}

// noSecret fails when text shows a SAS signature or query string.
func noSecret(t testing.TB, what, text string) {
	t.Helper()
	for _, s := range []string{"SECRET", "sig=S", "sp=rl", "&se=", "?sp="} {
		if strings.Contains(text, s) {
			t.Fatalf("%s shows %q: %s", what, s, text)
		}
	}
}
