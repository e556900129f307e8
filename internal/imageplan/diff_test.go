package imageplan

import (
	"strings"
	"testing"
)

func TestDraftChanges(t *testing.T) {
	tc := techConfig(plan1, skusGen2, []string{ver("1.0.0", "", img(X64Gen2, sas(sasA)))})
	listing := `{"$schema":"https://schema.mp.microsoft.com/schema/listing/2022-03-01-preview3","id":"listing/` + pGUID + `/public/main/default/en-us","product":"product/` + pGUID + `","title":"T","n":1.0,"z":null,"list":[1,2]}`
	live := tree("live", tc, listing)
	tcID := "virtual-machine-plan-technical-configuration/" + pGUID + "/" + plan1
	listingID := "listing/" + pGUID + "/public/main/default/en-us"
	for _, x := range []struct {
		name  string
		draft string
		want  []string
	}{
		{"same", tree("draft", tc, listing), nil},
		{"resources in other order, keys in other order, other $schema, validations",
			tree("draft", `{"title":"T","id":"`+listingID+`","z":null,"list":[1,2],"n":1.0,"product":"product/`+pGUID+`",`+
				`"$schema":"https://product-ingestion.azureedge.net/schema/listing/2022-03-01-preview2","validations":[{"level":"warning"}]}`, tc), nil},
		{"this plan's technical configuration edited", tree("draft", strings.Replace(tc, "1.0.0", "1.0.1", 1), listing), nil},
		{"a value changed", tree("draft", tc, strings.Replace(listing, `"T"`, `"T2"`, 1)), []string{listingID}},
		{"a number's text changed", tree("draft", tc, strings.Replace(listing, `1.0`, `1`, 1)), []string{listingID}},
		{"a null dropped", tree("draft", tc, strings.Replace(listing, `,"z":null`, ``, 1)), []string{listingID}},
		{"list order", tree("draft", tc, strings.Replace(listing, `[1,2]`, `[2,1]`, 1)), []string{listingID}},
		{"only in the draft", tree("draft", tc, listing, `{"id":"plan-listing/`+pGUID+`/x","a":1}`, `{"a":2}`),
			[]string{"plan-listing/" + pGUID + "/x", "(resource 6, which has no id)"}},
		{"another plan's technical configuration", tree("draft", tc, listing, techConfig(plan2, skusGen2, nil)),
			[]string{"virtual-machine-plan-technical-configuration/" + pGUID + "/" + plan2}},
	} {
		t.Run(x.name, func(t *testing.T) {
			got := DraftChanges(mustTree(t, x.draft), mustTree(t, live), tcID)
			if strings.Join(got, "|") != strings.Join(x.want, "|") {
				t.Fatalf("\n got %q\nwant %q", got, x.want)
			}
		})
	}
	// The submission resources differ by target: never a change. With
	// nothing published, everything else is.
	got := DraftChanges(mustTree(t, tree("draft", tc, listing)), nil, tcID)
	if want := "product/" + pGUID + "|plan/" + pGUID + "/" + plan1 + "|plan/" + pGUID + "/" + plan2 + "|" + listingID; strings.Join(got, "|") != want {
		t.Fatalf("\n got %q\nwant %q", got, want)
	}
}

func TestDraftChangesError(t *testing.T) {
	err := DraftChangesError("my-offer", "plan-1", []string{"listing/p/a", "plan/p/b"})
	if want := "the draft of offer my-offer has unpublished changes outside the technical configuration of plan plan-1: listing/p/a, plan/p/b; publishing now would ship them too: publish or discard them in Partner Center first, or set allow-draft-changes: true"; err.Error() != want {
		t.Fatalf("\n got %s\nwant %s", err, want)
	}
	ids := make([]string, 25)
	for i := range ids {
		ids[i] = "r" + itoa(i)
	}
	if err := DraftChangesError("o", "p", ids); !strings.Contains(err.Error(), ": r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15, r16, r17, r18, r19 and 5 more; publishing") {
		t.Fatal(err)
	}
}
