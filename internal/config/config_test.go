package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const guid = "5a63deb5-925b-4ee0-938b-7c86fbf287c5"

// env builds a getenv from input names (hyphenated form) to values; other
// keys (ACTIONS_…) are read as they are.
func env(kv map[string]string) Getenv {
	return func(k string) string {
		name, ok := strings.CutPrefix(k, "INPUT_")
		if !ok {
			return kv[k]
		}
		return kv[strings.ToLower(name)]
	}
}

func base() map[string]string {
	return map[string]string{
		"publisher-id": "contoso", "offer-id": "contoso-vm", "operation-id": guid,
		"tenant-id": "contoso.onmicrosoft.com", "client-id": "0b1c7f3e-4a5d-4c6e-9f80-1a2b3c4d5e6f", "client-secret": "s3cret-value",
	}
}

func with(changes map[string]string) map[string]string {
	m := base()
	for k, v := range changes {
		if v == "<unset>" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func TestDefaults(t *testing.T) {
	c, err := Load(env(base()))
	if err != nil {
		t.Fatal(err)
	}
	if c.Timeout != 60*time.Minute || c.InitialInterval != 15*time.Second || c.MaxInterval != 5*time.Minute {
		t.Errorf("durations = %v %v %v", c.Timeout, c.InitialInterval, c.MaxInterval)
	}
	if !c.StopAtSignoff || c.CancelOnInterrupt || c.Annotate != AnnotateWarning || c.APIVersion != "2017-10-31" {
		t.Errorf("stop-at-signoff %v cancel-on-interrupt %v annotate %v api-version %s", c.StopAtSignoff, c.CancelOnInterrupt, c.Annotate, c.APIVersion)
	}
	if c.APIURL.String() != "https://cloudpartner.azure.com" || c.AuthorityHost.String() != "https://login.microsoftonline.com" {
		t.Errorf("urls = %s %s", c.APIURL, c.AuthorityHost)
	}
	if got := Secrets(env(base())); len(got) != 1 || got[0] != "s3cret-value" {
		t.Errorf("secrets = %q", got)
	}
}

// TestUnderscoreSpellingIsNotRead: the runner passes INPUT_PUBLISHER-ID,
// hyphen kept. An INPUT_PUBLISHER_ID in the environment is a workflow's,
// job's or earlier step's variable (they win over runs.env), never the
// input: it must not fill an input left empty or absent.
func TestUnderscoreSpellingIsNotRead(t *testing.T) {
	vars := map[string]string{
		"INPUT_PUBLISHER_ID": "contoso", "INPUT_OFFER-ID": "contoso-vm", "INPUT_ACCESS-TOKEN": "tok-12345678",
		"INPUT_MAX-INTERVAL": "1m", "INPUT_MAX_INTERVAL": "2m",
	}
	getenv := func(k string) string { return vars[k] }
	if got := Lookup(getenv, "publisher-id"); got != "" {
		t.Errorf("Lookup(publisher-id) = %q with only INPUT_PUBLISHER_ID set; want empty", got)
	}
	if got := Lookup(getenv, "max-interval"); got != "1m" {
		t.Errorf("Lookup(max-interval) = %q; want the hyphenated INPUT_MAX-INTERVAL", got)
	}
	if _, err := Load(getenv); err == nil || err.Error() != "publisher-id is required" {
		t.Errorf("INPUT_PUBLISHER-ID absent: err = %v; want publisher-id is required", err)
	}
	vars["INPUT_PUBLISHER-ID"] = "" // given as '' in with:
	if _, err := Load(getenv); err == nil || err.Error() != "publisher-id is required" {
		t.Errorf("INPUT_PUBLISHER-ID empty: err = %v; want publisher-id is required", err)
	}
	vars["INPUT_PUBLISHER-ID"] = "fabrikam"
	c, err := Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	if c.PublisherID != "fabrikam" || len(c.Targets) != 1 || c.Targets[0].OfferID != "contoso-vm" || c.AccessToken != "tok-12345678" || c.MaxInterval != time.Minute {
		t.Errorf("config = %+v", c)
	}
	// A secret is read, and so masked, in the runner's spelling only.
	vars["INPUT_CLIENT_SECRET"] = "not-an-input-value"
	if got := Secrets(getenv); len(got) != 1 || got[0] != "tok-12345678" {
		t.Errorf("secrets = %q", got)
	}
}

func TestBadInputsNameTheInput(t *testing.T) {
	for _, tc := range []struct {
		change map[string]string
		says   string
	}{
		{map[string]string{"publisher-id": "<unset>"}, "publisher-id is required"},
		{map[string]string{"publisher-id": "con/toso"}, "publisher-id"},
		{map[string]string{"offer-id": "../admin"}, "offer-id"},
		{map[string]string{"offer-id": ".."}, "offer-id"},
		{map[string]string{"offer-id": "vm?x=1"}, "offer-id"},
		{map[string]string{"offer-id": "vm#frag"}, "offer-id"},
		{map[string]string{"offer-id": "vm%2F"}, "offer-id"},
		{map[string]string{"offer-id": "vm one"}, "offer-id"},
		{map[string]string{"offer-id": "vïm"}, "offer-id"},
		{map[string]string{"offer-id": "<unset>", "operation-id": guid}, "give its offer in offer-id"},
		{map[string]string{"operation-id": "not-a-guid"}, "operation-id is neither a GUID nor an operation URL"},
		{map[string]string{"operation-id": "https://evil.example/api/publishers/contoso/offers/contoso-vm/operations/" + guid}, "refusing to send a token"},
		{map[string]string{"operation-id": "/api/publishers/fabrikam/offers/contoso-vm/operations/" + guid}, "publisher"},
		{map[string]string{"operation-id": "/api/publishers/contoso/offers/other/operations/" + guid}, "offer"},
		{map[string]string{"client-secret": "<unset>"}, "add `permissions: id-token: write`"},
		{map[string]string{"client-id": "<unset>", "tenant-id": "<unset>"}, "tenant-id and client-id is required"},
		{map[string]string{"client-id": "my-app"}, "client-id is not a GUID"},
		{map[string]string{"tenant-id": "contoso/../x"}, "tenant-id"},
		{map[string]string{"access-token": "tok"}, "access-token and tenant-id"},
		{map[string]string{"client-id": "<unset>", "tenant-id": "<unset>", "client-secret": "<unset>"}, "no credentials"},
		{map[string]string{"client-id": "<unset>", "tenant-id": "<unset>", "client-secret": "<unset>", "access-token": "Bearer tok"}, "access-token"},
		{map[string]string{"timeout": "60"}, "timeout"},
		{map[string]string{"timeout": "-5m"}, "timeout"},
		{map[string]string{"initial-interval": "soon"}, "initial-interval"},
		{map[string]string{"max-interval": "1s"}, "max-interval (1s) is shorter than initial-interval"},
		{map[string]string{"stop-at-signoff": "yes"}, "stop-at-signoff"},
		{map[string]string{"cancel-on-interrupt": "1"}, "cancel-on-interrupt"},
		{map[string]string{"annotate": "loud"}, "annotate"},
		{map[string]string{"api-url": "http://cloudpartner.azure.com"}, "api-url"},
		{map[string]string{"api-url": "ftp://x"}, "api-url"},
		{map[string]string{"api-url": "cloudpartner.azure.com"}, "api-url"},
		{map[string]string{"api-url": "https://user:pw@cloudpartner.azure.com"}, "api-url"},
		{map[string]string{"authority-host": "http://login.microsoftonline.com"}, "authority-host"},
		{map[string]string{"api-version": "latest"}, "api-version"},
	} {
		_, err := Load(env(with(tc.change)))
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: err = %v; want it to say %q", tc.change, err, tc.says)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret-value") {
			t.Errorf("%v: the error repeats the secret: %v", tc.change, err)
		}
	}
}

// TestShortSecretsRefused: a client-secret or access-token of under 8
// characters is refused before any request, naming the input, never echoing
// the value, and is not handed out for masking (which would blank out its
// every occurrence for the rest of the job).
func TestShortSecretsRefused(t *testing.T) {
	token := func(v string) map[string]string {
		return with(map[string]string{"tenant-id": "<unset>", "client-id": "<unset>", "client-secret": "<unset>", "access-token": v})
	}
	for _, tc := range []struct {
		name, value string
		in          map[string]string
		want        string
	}{
		{"client-secret of 1", "~", with(map[string]string{"client-secret": "~"}), "client-secret is shorter than 8 characters"},
		{"client-secret of 7", "Zq8~xR2", with(map[string]string{"client-secret": "Zq8~xR2"}), "client-secret is shorter than 8 characters"},
		{"client-secret of 7 runes", "ééééééé", with(map[string]string{"client-secret": "ééééééé"}), "client-secret is shorter than 8 characters"},
		{"access-token of 3", "T0k", token("T0k"), "access-token is shorter than 8 characters"},
		{"access-token of 7", "eyJ0eXA", token("eyJ0eXA"), "access-token is shorter than 8 characters"},
	} {
		_, err := Load(env(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "masks") {
			t.Errorf("%s: err = %v; want it to say %q and why", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), tc.value) {
			t.Errorf("%s: the error repeats the value: %v", tc.name, err)
		}
		if got := Secrets(env(tc.in)); len(got) != 0 {
			t.Errorf("%s: secrets = %q; a refused short value must not be masked", tc.name, got)
		}
	}
	for _, in := range []map[string]string{with(map[string]string{"client-secret": "12345678"}), token("abcdefgh")} {
		if _, err := Load(env(in)); err != nil {
			t.Errorf("8 characters: %v", err)
		}
		if got := Secrets(env(in)); len(got) != 1 {
			t.Errorf("8 characters: secrets = %q", got)
		}
	}
}

func TestSecretsInWrongInputsAreNotEchoed(t *testing.T) {
	_, err := Load(env(with(map[string]string{"client-id": "s3cret-value"})))
	if err == nil || strings.Contains(err.Error(), "s3cret-value") {
		t.Fatalf("err = %v; want a refusal that does not repeat the value", err)
	}
}

func TestLoopbackHTTPAllowed(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9"} {
		if _, err := Load(env(with(map[string]string{"api-url": u, "authority-host": u}))); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}

func TestOperationLocation(t *testing.T) {
	for _, tc := range []struct {
		name, value, apiURL, offer string
		wantOffer, wantOp          string
	}{
		{"guid", strings.ToUpper(guid), "", "contoso-vm", "contoso-vm", guid},
		{"relative path with api-version", "/api/publishers/contoso/offers/contoso-vm/operations/" + guid + "?api-version=2017-10-31", "", "", "contoso-vm", guid},
		{"absolute on the api host", "https://cloudpartner.azure.com/api/publishers/contoso/offers/contoso-vm/operations/" + guid, "", "<unset>", "contoso-vm", guid},
		{"publisher case differs", "/api/publishers/Contoso/offers/contoso-vm/operations/" + guid, "", "contoso-vm", "contoso-vm", guid},
		{"loopback simulator", "http://127.0.0.1:9/api/publishers/contoso/offers/contoso-vm/operations/" + guid, "http://127.0.0.1:9", "", "contoso-vm", guid},
	} {
		ch := map[string]string{"operation-id": tc.value}
		if tc.apiURL != "" {
			ch["api-url"] = tc.apiURL
		}
		if tc.offer != "" {
			ch["offer-id"] = tc.offer
		} else {
			ch["offer-id"] = "<unset>"
		}
		c, err := Load(env(with(ch)))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(c.Targets) != 1 || c.Targets[0] != (Target{OfferID: tc.wantOffer, OperationID: tc.wantOp}) {
			t.Errorf("%s: targets %+v", tc.name, c.Targets)
		}
	}
}

// TestLegacyLocation: offers not migrated to Partner Center answer Publish
// with /api/operations/{publisher}${offer}${version}${slot}.
func TestLegacyLocation(t *testing.T) {
	for _, tc := range []struct{ name, value, offer, apiURL string }{
		{"relative", "/api/operations/contoso$contoso-vm$2$preview?api-version=2017-10-31", "<unset>", ""},
		{"escaped dollars, offer given", "/api/operations/contoso%24contoso-vm%242%24preview?api-version=2017-10-31", "contoso-vm", ""},
		{"absolute on the api host", "https://cloudpartner.azure.com/api/operations/contoso$contoso-vm$2$preview", "<unset>", ""},
	} {
		ch := map[string]string{"operation-id": tc.value, "offer-id": tc.offer}
		c, err := Load(env(with(ch)))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		want := Target{OfferID: "contoso-vm", OperationID: "contoso$contoso-vm$2$preview", Legacy: true}
		if len(c.Targets) != 1 || c.Targets[0] != want {
			t.Errorf("%s: targets %+v; want %+v", tc.name, c.Targets, want)
		}
	}
	for name, tc := range map[string]struct{ value, offer, want string }{
		"another publisher":    {"/api/operations/fabrikam$contoso-vm$2$preview", "<unset>", `names publisher "fabrikam"`},
		"another offer":        {"/api/operations/contoso$other$2$preview", "contoso-vm", `names offer "other"`},
		"another host":         {"https://evil.example/api/operations/contoso$contoso-vm$2$preview", "<unset>", "refusing to send a token elsewhere"},
		"three parts":          {"/api/operations/contoso$contoso-vm$2", "<unset>", "is not /api/operations/"},
		"version not a number": {"/api/operations/contoso$contoso-vm$two$preview", "<unset>", `version "two"`},
		"dots":                 {"/api/operations/contoso$..$2$preview", "<unset>", "not a plain id"},
		"slash in the key":     {"/api/operations/contoso$a%2Fb$2$preview", "<unset>", "not a plain id"},
	} {
		_, err := Load(env(with(map[string]string{"operation-id": tc.value, "offer-id": tc.offer})))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want an error containing %q", name, err, tc.want)
		}
	}
}

func TestSince(t *testing.T) {
	c, err := Load(env(with(map[string]string{"operation-id": "<unset>", "since": "2026-11-21T09:00:00+01:00"})))
	if err != nil || !c.Since.Equal(time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("since = %v, %v", c.Since, err)
	}
	for _, v := range []string{"2026-11-21", "yesterday", "2026-11-21 09:00:00"} {
		if _, err := Load(env(with(map[string]string{"since": v}))); err == nil || !strings.Contains(err.Error(), "since") || !strings.Contains(err.Error(), "RFC 3339") {
			t.Errorf("since %q: %v; want an error naming since and the format", v, err)
		}
	}
}

// TestIntervalPerAPI: product-ingestion's docs allow one status request a
// minute, so its default first wait is a minute; a smaller one is honoured
// with a warning.
func TestIntervalPerAPI(t *testing.T) {
	if DefaultInitialInterval(APICPP) != 15*time.Second || DefaultInitialInterval(APIProductIngestion) != time.Minute {
		t.Errorf("defaults %v, %v", DefaultInitialInterval(APICPP), DefaultInitialInterval(APIProductIngestion))
	}
	ingest := map[string]string{"api": "product-ingestion", "publisher-id": "<unset>", "offer-id": "<unset>", "operation-id": "<unset>", "job-id": guid}
	c, err := Load(env(with(ingest)))
	if err != nil || c.InitialInterval != time.Minute || len(c.Warnings) != 0 {
		t.Errorf("product-ingestion: %v, warnings %q, %v", c.InitialInterval, c.Warnings, err)
	}
	ingest["initial-interval"] = "10s"
	c, err = Load(env(with(ingest)))
	if err != nil || c.InitialInterval != 10*time.Second || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "one status request a minute") {
		t.Errorf("product-ingestion, 10s: %v, warnings %q, %v", c.InitialInterval, c.Warnings, err)
	}
	c, err = Load(env(with(map[string]string{"initial-interval": "5s"})))
	if err != nil || c.InitialInterval != 5*time.Second || len(c.Warnings) != 0 {
		t.Errorf("cpp, 5s: %v, warnings %q, %v", c.InitialInterval, c.Warnings, err)
	}
}

// TestStopWarnings: a hosted job ends at 6 h with the same SIGINT as a
// cancel, so a longer timeout ends interrupted; a stall-after not shorter than
// timeout can never fire. Both warned of, neither refused; with wait: false
// (one check) neither applies.
func TestStopWarnings(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   map[string]string
		want []string
	}{
		{"6h", map[string]string{"timeout": "6h"}, nil},
		{"6h1s", map[string]string{"timeout": "6h0m1s"}, []string{"timeout 6h0m1s is longer than the 6 hours a job may run on GitHub-hosted runners", "interrupted, not timed-out", "wait: false on a schedule"}},
		{"48h", map[string]string{"timeout": "48h"}, []string{"timeout 48h is longer than the 6 hours"}},
		{"stall-after shorter", map[string]string{"timeout": "5h", "stall-after": "4h"}, nil},
		{"stall-after equal", map[string]string{"timeout": "5h", "stall-after": "300m"}, []string{"stall-after 300m is not shorter than timeout 5h, so it can never fire"}},
		{"the old quick start", map[string]string{"timeout": "5h", "stall-after": "36h"}, []string{"stall-after 36h is not shorter than timeout 5h"}},
		{"stall-after longer than the default timeout", map[string]string{"stall-after": "2h"}, []string{"stall-after 2h is not shorter than timeout 60m"}},
		{"both", map[string]string{"timeout": "8h", "stall-after": "8h"}, []string{"timeout 8h is longer", "stall-after 8h is not shorter than timeout 8h"}},
		{"wait: false", map[string]string{"timeout": "8h", "stall-after": "36h", "wait": "false"}, nil},
	} {
		c, err := Load(env(with(tc.in)))
		if err != nil {
			t.Errorf("%s: %v; a warning, not an error", tc.name, err)
			continue
		}
		all := strings.Join(c.Warnings, "\n")
		if len(tc.want) == 0 && len(c.Warnings) != 0 {
			t.Errorf("%s: warnings %q; want none", tc.name, c.Warnings)
		}
		for _, w := range tc.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: warnings %q; want one saying %q", tc.name, c.Warnings, w)
			}
		}
	}
}

func TestParseLocationRefusesTricks(t *testing.T) {
	for _, v := range []string{
		"/api/publishers/contoso/offers/../operations/" + guid,
		"/api/publishers/contoso/offers/%2e%2e/operations/" + guid,
		"/api/publishers/contoso/offers/a%2Fb/operations/" + guid,
		"/api/publishers/contoso/offers/contoso-vm/operations/" + guid + "/extra",
		"/api/publishers/contoso/offers/contoso-vm/operations/" + guid + "#frag",
		"https://user@cloudpartner.azure.com/api/publishers/contoso/offers/contoso-vm/operations/" + guid,
		"javascript:alert(1)",
		"/api/publishers/contoso/offers/contoso-vm/operations/not-a-guid",
		"/api/publishers/contoso/offers/contoso vm/operations/" + guid,
		"\\api\\publishers",
	} {
		if loc, err := ParseLocation(v); err == nil {
			t.Errorf("ParseLocation(%q) = %+v; want an error", v, loc)
		}
	}
}

func TestOIDCWithoutClientSecret(t *testing.T) {
	e := base()
	delete(e, "client-secret")
	e[IDTokenRequestURL] = "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0"
	e[IDTokenRequestToken] = "runtime-token-value"
	c, err := Load(env(e))
	if err != nil {
		t.Fatal(err)
	}
	if c.OIDC == nil || c.OIDC.RequestURL != e[IDTokenRequestURL] || c.OIDC.RequestToken != "runtime-token-value" || c.OIDC.Audience != "api://AzureADTokenExchange" {
		t.Fatalf("OIDC = %+v", c.OIDC)
	}
	if got := Secrets(env(e)); len(got) != 1 || got[0] != "runtime-token-value" {
		t.Errorf("secrets = %q; the request token must be masked", got)
	}
	e[IDTokenRequestURL] = "http://token.example.com/idtoken"
	if _, err := Load(env(e)); err == nil || !strings.Contains(err.Error(), IDTokenRequestURL) {
		t.Errorf("plain http token service: err = %v", err)
	}
	e[IDTokenRequestURL] = "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0"
	e["client-secret"] = "s3cret-value"
	if c, err := Load(env(e)); err != nil || c.OIDC != nil {
		t.Errorf("with client-secret: OIDC = %+v, err = %v; the secret wins", c.OIDC, err)
	}
}

func TestSeveralOffers(t *testing.T) {
	loc := func(offer, id string) string {
		return "/api/publishers/contoso/offers/" + offer + "/operations/" + id + "?api-version=2017-10-31"
	}
	const other = "11111111-2222-4333-8444-555555555555"
	for _, tc := range []struct {
		name          string
		offers, ops   string
		want          []Target
		wantErrSaying string
	}{
		{name: "offers only, discovered", offers: "contoso-vm\n\n  contoso-app  \n", want: []Target{{OfferID: "contoso-vm"}, {OfferID: "contoso-app"}}},
		{name: "Locations name their offers", offers: "<unset>", ops: loc("contoso-vm", guid) + "\n" + loc("contoso-app", other),
			want: []Target{{OfferID: "contoso-vm", OperationID: guid}, {OfferID: "contoso-app", OperationID: other}}},
		{name: "GUIDs pair with offers by line", offers: "contoso-vm\ncontoso-app", ops: guid + "\n" + other,
			want: []Target{{OfferID: "contoso-vm", OperationID: guid}, {OfferID: "contoso-app", OperationID: other}}},
		{name: "counts differ", offers: "contoso-vm\ncontoso-app", ops: guid, wantErrSaying: "operation-id has 1 lines but offer-id has 2"},
		{name: "a GUID without its offer", offers: "<unset>", ops: loc("contoso-vm", guid) + "\n" + other, wantErrSaying: "line 2 of operation-id " + other + " is a GUID: give its offer"},
		{name: "Location disagrees with its line", offers: "contoso-vm\ncontoso-app", ops: guid + "\n" + loc("contoso-vm", other), wantErrSaying: `line 2 of operation-id names offer "contoso-vm" but offer-id is "contoso-app"`},
		{name: "the same offer twice", offers: "contoso-vm\nContoso-VM", wantErrSaying: "offer-id lists Contoso-VM twice"},
		{name: "a bad id on any line", offers: "contoso-vm\n../x", wantErrSaying: `offer-id "../x"`},
	} {
		ch := map[string]string{"offer-id": tc.offers, "operation-id": tc.ops}
		if tc.ops == "" {
			ch["operation-id"] = "<unset>"
		}
		c, err := Load(env(with(ch)))
		if tc.wantErrSaying != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErrSaying) {
				t.Errorf("%s: err = %v; want it to say %q", tc.name, err, tc.wantErrSaying)
			}
			continue
		}
		if err != nil || fmt.Sprint(c.Targets) != fmt.Sprint(tc.want) {
			t.Errorf("%s: targets %+v, err %v; want %+v", tc.name, c.Targets, err, tc.want)
		}
	}
}

func TestProductIngestion(t *testing.T) {
	ingest := func(changes map[string]string) map[string]string {
		m := with(map[string]string{"api": "product-ingestion", "publisher-id": "<unset>", "offer-id": "<unset>", "operation-id": "<unset>"})
		for k, v := range changes {
			m[k] = v
		}
		return m
	}
	c, err := Load(env(ingest(map[string]string{"product-id": "product/" + strings.ToUpper(guid) + "\n" + "11111111-2222-4333-8444-555555555555", "since": "2026-11-21T09:00:00Z"})))
	if err != nil {
		t.Fatal(err)
	}
	if c.API != APIProductIngestion || c.APIURL.String() != "https://graph.microsoft.com/rp/product-ingestion" || c.APIVersion != "2022-03-01-preview2" || c.SubmissionTarget != "preview" || c.Resource != "https://graph.microsoft.com" {
		t.Errorf("api %s url %s version %s target %s: per-api defaults not applied", c.API, c.APIURL, c.APIVersion, c.SubmissionTarget)
	}
	if len(c.Targets) != 2 || c.Targets[0].ProductID != guid || c.Targets[0].OfferID != "product/"+strings.ToUpper(guid) {
		t.Errorf("targets = %+v", c.Targets)
	}
	c, err = Load(env(ingest(map[string]string{"job-id": guid, "target": "LIVE", "api-url": "http://127.0.0.1:9/rp/product-ingestion", "api-version": "2022-07-01"})))
	if err != nil || c.Targets[0].JobID != guid || c.SubmissionTarget != "live" || c.APIVersion != "2022-07-01" || c.APIURL.Port() != "9" {
		t.Errorf("job-id: %+v, %v", c, err)
	}
	c, err = Load(env(ingest(map[string]string{"external-id": "contoso-vm", "since": "2026-11-21T09:00:00Z"})))
	if err != nil || c.Targets[0].ExternalID != "contoso-vm" {
		t.Errorf("external-id: %+v, %v", c.Targets, err)
	}
	// job-id pairs with product-id or external-id by line: the job is
	// followed, the product says where its submission is.
	const job2 = "11111111-2222-4333-8444-555555555555"
	c, err = Load(env(ingest(map[string]string{"job-id": guid + "\n" + job2, "external-id": "contoso-vm\ncontoso-app"})))
	if err != nil || len(c.Targets) != 2 || c.Targets[1] != (Target{OfferID: job2, JobID: job2, ExternalID: "contoso-app"}) {
		t.Errorf("job-id with external-id: %+v, %v", c.Targets, err)
	}
	// With api: cpp, the defaults stay CPP's whatever product-ingestion's are.
	if c, err := Load(env(base())); err != nil || c.API != APICPP || c.APIURL.Host != "cloudpartner.azure.com" || c.Resource != "https://cloudpartner.azure.com" {
		t.Errorf("cpp defaults: %v %v", c.APIURL, err)
	}

	for name, tc := range map[string]struct {
		in   map[string]string
		want string
	}{
		"unknown api":                {ingest(map[string]string{"api": "graph", "job-id": guid}), `api "graph" must be cpp or product-ingestion`},
		"nothing to watch":           {ingest(nil), "give job-id, product-id or external-id"},
		"product and external id":    {ingest(map[string]string{"external-id": "contoso-vm", "product-id": guid, "since": "2026-11-21T09:00:00Z"}), "product-id and external-id are both given"},
		"product-id without since":   {ingest(map[string]string{"product-id": guid}), "product-id needs since (or job-id)"},
		"external-id without since":  {ingest(map[string]string{"external-id": "contoso-vm"}), "external-id needs since (or job-id): without it the newest submission may be an earlier publish's"},
		"jobs and products unpaired": {ingest(map[string]string{"job-id": guid, "product-id": guid + "\n" + "11111111-2222-4333-8444-555555555555"}), "job-id has 1 lines but product-id has 2"},
		"offer-id with ingestion":    {ingest(map[string]string{"offer-id": "contoso-vm", "job-id": guid}), "offer-id is for api: cpp"},
		"job-id with cpp":            {with(map[string]string{"job-id": guid}), "job-id is for api: product-ingestion"},
		"job-id not a GUID":          {ingest(map[string]string{"job-id": "job-1"}), `job-id "job-1" is not a GUID`},
		"product-id not durable":     {ingest(map[string]string{"product-id": "contoso-vm", "since": "2026-11-21T09:00:00Z"}), `product-id "contoso-vm" is not a durable id`},
		"external-id with a slash":   {ingest(map[string]string{"external-id": "a/b", "since": "2026-11-21T09:00:00Z"}), `external-id "a/b" may only hold`},
		"bad target":                 {ingest(map[string]string{"product-id": guid, "target": "draft"}), `target "draft" must be preview or live`},
		"a product twice":            {ingest(map[string]string{"product-id": guid + "\nproduct/" + guid, "since": "2026-11-21T09:00:00Z"}), "twice"},
		"publisher-id with cpp":      {with(map[string]string{"publisher-id": "<unset>"}), "publisher-id is required"},
	} {
		_, err := Load(env(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, tc.want)
		}
	}
}

func TestStart(t *testing.T) {
	cpp := func(ch map[string]string) map[string]string {
		m := with(map[string]string{"operation-id": "<unset>"})
		for k, v := range ch {
			m[k] = v
		}
		return m
	}
	ingest := func(ch map[string]string) map[string]string {
		m := with(map[string]string{"api": "product-ingestion", "publisher-id": "<unset>", "offer-id": "<unset>", "operation-id": "<unset>"})
		for k, v := range ch {
			m[k] = v
		}
		return m
	}
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("good.json", `{"$schema":"https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2","resources":[{"$schema":"https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2"}]}`)
	write("bad.json", "{\n  \"$schema\": \"https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2\",\n  \"resources\": [,]\n}")
	write("noschema.json", `{"resources":[{}]}`)
	write("empty.json", `{"$schema":"https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2","resources":[]}`)
	withWorkspace := func(m map[string]string) Getenv {
		m["GITHUB_WORKSPACE"] = dir
		return env(m)
	}

	c, err := Load(env(cpp(map[string]string{"start": "publish", "notification-emails": " release@contoso.com , ops@contoso.com"})))
	if err != nil || c.Start != StartPublish || c.NotificationEmails != "release@contoso.com,ops@contoso.com" || !c.StopAtSignoff {
		t.Errorf("cpp publish: %+v, %v", c, err)
	}
	c, err = Load(env(cpp(map[string]string{"start": "Go-Live", "dry-run": "true"})))
	if err != nil || c.Start != StartGoLive || c.StopAtSignoff || !c.DryRun {
		t.Errorf("cpp go-live: start %q stop-at-signoff %v dry-run %v, %v; a go-live ends live", c.Start, c.StopAtSignoff, c.DryRun, err)
	}
	c, err = Load(env(ingest(map[string]string{"start": "go-live", "external-id": "contoso-vm"})))
	if err != nil || c.SubmissionTarget != "live" {
		t.Errorf("ingestion go-live: target %q, %v", c.SubmissionTarget, err)
	}
	c, err = Load(withWorkspace(ingest(map[string]string{"start": "configure", "configure-file": "good.json"})))
	if err != nil || !strings.Contains(string(c.ConfigureDoc), "/schema/configure/") {
		t.Errorf("configure: %q, %v", c.ConfigureDoc, err)
	}
	c, err = Load(env(with(map[string]string{"stall-after": "36h"})))
	if err != nil || c.StallAfter != 36*time.Hour {
		t.Errorf("stall-after: %v, %v", c.StallAfter, err)
	}

	for name, tc := range map[string]struct {
		in   Getenv
		want string
	}{
		"unknown start":                 {env(cpp(map[string]string{"start": "deploy"})), `start "deploy" must be publish, add-image, go-live or configure`},
		"publish without emails":        {env(cpp(map[string]string{"start": "publish"})), "notification-emails is required with start: publish"},
		"not an email":                  {env(cpp(map[string]string{"start": "publish", "notification-emails": "release team"})), `notification-emails: "release team" is not an email address`},
		"emails without start":          {env(cpp(map[string]string{"notification-emails": "a@b.com"})), "notification-emails is for start"},
		"start with operation-id":       {env(with(map[string]string{"start": "go-live"})), "operation-id and start are both given"},
		"start with since":              {env(cpp(map[string]string{"start": "go-live", "since": "2026-11-21T09:00:00Z"})), "since and start are both given"},
		"configure with cpp":            {env(cpp(map[string]string{"start": "configure"})), "start: configure is for api: product-ingestion"},
		"dry-run without start":         {env(cpp(map[string]string{"dry-run": "true"})), "dry-run checks a start"},
		"ingestion publish, no product": {env(ingest(map[string]string{"start": "publish"})), "give job-id, product-id or external-id"},
		"ingestion start with job":      {env(ingest(map[string]string{"start": "publish", "job-id": guid, "product-id": guid})), "job-id and start are both given"},
		"configure without a file":      {env(ingest(map[string]string{"start": "configure", "product-id": guid})), "start: configure needs configure-file"},
		"configure file missing":        {withWorkspace(ingest(map[string]string{"start": "configure", "configure-file": "nope.json"})), `configure-file "nope.json" cannot be read`},
		"configure file outside":        {withWorkspace(ingest(map[string]string{"start": "configure", "configure-file": "../secrets.json"})), "must be a path inside the workspace"},
		"configure file absolute":       {withWorkspace(ingest(map[string]string{"start": "configure", "configure-file": "/etc/passwd"})), "must be a path inside the workspace"},
		"configure file bad JSON":       {withWorkspace(ingest(map[string]string{"start": "configure", "configure-file": "bad.json"})), `configure-file "bad.json" is not valid JSON: line 3:`},
		"configure file no schema":      {withWorkspace(ingest(map[string]string{"start": "configure", "configure-file": "noschema.json"})), "no top-level $schema naming the configure schema"},
		"configure file no resources":   {withWorkspace(ingest(map[string]string{"start": "configure", "configure-file": "empty.json"})), "needs a non-empty resources array"},
		"stall-after not a duration":    {env(with(map[string]string{"stall-after": "a day"})), `stall-after "a day" is not a duration`},
	} {
		_, err := Load(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want an error containing %q", name, err, tc.want)
		}
	}
}

// TestConfigureFileInTheWorkspace: the runner rewrites an input that starts
// with the host's workspace to /github/workspace/…, so configure-file may
// arrive absolute; inside GITHUB_WORKSPACE it is read, outside it (by an
// absolute path, .., or a symbolic link) it is refused before any request.
func TestConfigureFileInTheWorkspace(t *testing.T) {
	const doc = `{"$schema":"https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2","resources":[{"$schema":"https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2"}]}`
	root := t.TempDir()
	ws, outside := filepath.Join(root, "workspace"), filepath.Join(root, "outside")
	for _, d := range []string{filepath.Join(ws, "release"), outside} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(ws, "release", "configure.json"), filepath.Join(outside, "configure.json"), filepath.Join(root, "configure.json")} {
		if err := os.WriteFile(f, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		filepath.Join(ws, "in.json"):      filepath.Join("release", "configure.json"),
		filepath.Join(ws, "abs-in.json"):  filepath.Join(ws, "release", "configure.json"),
		filepath.Join(ws, "out.json"):     filepath.Join(outside, "configure.json"),
		filepath.Join(ws, "up.json"):      filepath.Join("..", "configure.json"),
		filepath.Join(ws, "outside-dir"):  outside,
		filepath.Join(ws, "release", "l"): "..",
	} {
		if err := os.Symlink(target, link); err != nil {
			t.Skipf("symbolic links: %v", err)
		}
	}
	// A workspace reached through a symbolic link is the same workspace.
	wsLink := filepath.Join(root, "ws-link")
	if err := os.Symlink(ws, wsLink); err != nil {
		t.Fatal(err)
	}
	load := func(workspace, path string) error {
		m := with(map[string]string{"api": "product-ingestion", "publisher-id": "<unset>", "offer-id": "<unset>", "operation-id": "<unset>",
			"start": "configure", "configure-file": path})
		m["GITHUB_WORKSPACE"] = workspace
		c, err := Load(env(m))
		if err == nil && string(c.ConfigureDoc) != doc {
			t.Errorf("%s: read %q", path, c.ConfigureDoc)
		}
		return err
	}
	for _, tc := range []struct{ name, workspace, path string }{
		{"relative inside", ws, "release/configure.json"},
		{"relative, .. that stays inside", ws, "release/../release/configure.json"},
		{"absolute inside", ws, filepath.Join(ws, "release", "configure.json")},
		{"absolute inside, the workspace through a symbolic link", wsLink, filepath.Join(wsLink, "release", "configure.json")},
		{"absolute inside the resolved workspace", wsLink, filepath.Join(ws, "release", "configure.json")},
		{"symlink inside pointing inside", ws, "in.json"},
		{"symlink inside pointing inside, absolute target", ws, "abs-in.json"},
		{"through a symlinked directory that stays inside", ws, "release/l/in.json"},
	} {
		if err := load(tc.workspace, tc.path); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	for _, tc := range []struct{ name, path, want string }{
		{"absolute outside", filepath.Join(outside, "configure.json"), "must be a path inside the workspace " + ws},
		{"absolute, the workspace's sibling", ws + "2/configure.json", "must be a path inside the workspace"},
		{"absolute, .. out of the workspace", filepath.Join(ws, "..", "configure.json"), "must be a path inside the workspace"},
		{"relative ../x", "../configure.json", "must be a path inside the workspace"},
		{"relative, .. further in", "release/../../outside/configure.json", "must be a path inside the workspace"},
		{"symlink inside pointing outside", "out.json", "leads outside the workspace"},
		{"symlink inside pointing up", "up.json", "leads outside the workspace"},
		{"symlinked directory pointing outside", "outside-dir/configure.json", "leads outside the workspace"},
		{"the workspace itself", ".", "cannot be read"},
	} {
		err := load(ws, tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "configure-file") {
			t.Errorf("%s: %v; want an error naming configure-file, containing %q", tc.name, err, tc.want)
		}
	}
}

// TestPastedSASNotEchoed: a SAS URI pasted into the wrong input is refused
// without its query (the credential) in the error; a URL's user info is
// not echoed at all.
func TestPastedSASNotEchoed(t *testing.T) {
	const sas = "https://contosoimages.blob.core.windows.net/vhds/os.vhd?sv=2022-11-02&sp=rl&sig=Pasted%2BSignature%3D"
	for _, in := range Inputs() {
		if in.Secret {
			continue
		}
		for _, m := range []map[string]string{with(map[string]string{in.Name: sas}), with(map[string]string{"api": "product-ingestion", "publisher-id": "<unset>", "offer-id": "<unset>", "operation-id": "<unset>", "job-id": guid, in.Name: sas})} {
			if _, err := Load(env(m)); err != nil && (strings.Contains(err.Error(), "Signature") || strings.Contains(err.Error(), "sp=rl")) {
				t.Errorf("%s: %v", in.Name, err)
			}
		}
	}
	_, err := Load(env(with(map[string]string{"api-url": "https://me:pa55word@cloudpartner.azure.com"})))
	if err == nil || err.Error() != "api-url must not carry user info" {
		t.Errorf("user info: %v", err)
	}
	_, err = Load(env(with(map[string]string{"api-url": sas})))
	if err == nil || err.Error() != `api-url "https://contosoimages.blob.core.windows.net/vhds/os.vhd?…" must not carry a query or a fragment` {
		t.Errorf("query: %v", err)
	}
}
