package config

import "strings"

// Input describes one action input. This table is the single source of the
// binary's defaults; tests hold action.yml and the README to it.
type Input struct {
	Name     string
	Default  string
	Required bool
	// Secret: the whole value is a credential, masked whole.
	Secret bool
	// SAS: each line is a SAS URI, whose signature (sig) is masked; the
	// rest, the blob's URL, stays readable, and no message shows the query.
	SAS         bool
	Description string
}

// Inputs lists every input the action accepts, in the order action.yml and
// the README show them (packaging_test.go holds both to it).
func Inputs() []Input {
	return []Input{
		{Name: "api", Default: "cpp", Description: "The API to watch: cpp (Cloud Partner Portal) or product-ingestion (Partner Center's product-ingestion API, CPP's successor)."},
		{Name: "publisher-id", Description: "Publisher id in the Cloud Partner Portal, e.g. contoso. Required with api: cpp. With api: product-ingestion and an image source, optional: only for image-urns."},
		{Name: "offer-id", Description: "Offer id, or several, one per line, watched at once. Required unless operation-id holds Location values, which name their offers."},
		{Name: "operation-id", Description: "The operation to watch: its GUID, or the Location / Operation-Location header value returned by Publish, Go-live or Cancel (either form, /api/publishers/P/offers/O/operations/GUID or /api/operations/P$O$version$slot); several, one per line, pair with offer-id's lines. Empty: each offer's running operation, else one that changed at or after since."},
		{Name: "job-id", Description: "api: product-ingestion. The configure job of the publish (the jobId that POST configure returned): the gate follows it to its result and names the submission it made; several, one per line, paired with product-id or external-id lines if given."},
		{Name: "product-id", Description: "api: product-ingestion. The product's durable id (GUID or product/GUID): without job-id, the gate judges its newest submission to target created at or after since; several, one per line."},
		{Name: "external-id", Description: "api: product-ingestion. Instead of product-id: the product's external id (its CPP offer id), looked up with GET product?externalId=; several, one per line."},
		{Name: "target", Default: "preview", Description: "api: product-ingestion, with product-id or external-id: the submission's target, preview or live."},
		{Name: "since", Description: "When the publish started (RFC 3339, e.g. 2026-11-21T09:00:00Z): older submissions (product-id, external-id) and older finished operations (offer-id without operation-id) are an earlier publish's and do not count; the gate waits for one at or after it. Required with product-id or external-id unless job-id is given (then it defaults to the job's start)."},
		{Name: "start", Description: "Start what the gate then follows: publish (cpp: POST …/offers/{offer}/publish; product-ingestion: the draft submission to preview; with an image source, the image version is added to plan-id first, in the same configure job or, cpp, by a PUT of the offer), add-image (the image version to plan-id in the draft only, nothing published), go-live (cpp: POST …/golive; product-ingestion: the preview submission to live) or configure (product-ingestion: POST the document in configure-file). Empty: only watch. Sent at most once per offer or product."},
		{Name: "notification-emails", Description: "api: cpp, start: publish. Who Partner Center emails about the publish: comma-separated addresses (required there)."},
		{Name: "configure-file", Description: "start: configure. Path of the configure document to POST (JSON with a configure $schema and a non-empty resources array): relative to the workspace, or absolute under it (a path built on github.workspace); checked before any request."},
		{Name: "plan-id", Description: "start: add-image or publish with an image source. The plan to add the image version to: its Plan ID in Partner Center (external id; cpp: planId). One offer and one plan per step."},
		{Name: "image-version", Description: "The version number to add, X.Y.Z (e.g. 1.0.0, at most 32 characters). Required with os-disk-sas-uri; with gallery-image-version-id, defaults to the gallery version's name."},
		{Name: "gallery-image-version-id", Description: "api: product-ingestion. Image source: the Azure Compute Gallery image version's resource id, /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{g}/images/{image}/versions/{version}."},
		{Name: "gallery-tenant-id", Description: "With gallery-image-version-id: the tenant (GUID or domain) of the gallery's subscription. Empty: tenant-id (required with access-token)."},
		{Name: "os-disk-sas-uri", SAS: true, Description: "Image source instead of a gallery: the SAS URI of the OS disk's VHD (read and list permissions, valid 3 weeks at least). A credential: the gate masks its signature (sig) at once, and no message shows its query."},
		{Name: "data-disk-sas-uris", SAS: true, Description: "With os-disk-sas-uri: the SAS URIs of the data disks' VHDs, one per line, LUN 0, 1, … in order (at most 16)."},
		{Name: "image-types", Description: "With an image source: the image types to publish it as, x64Gen1, x64Gen2 or arm64Gen2, comma- or line-separated. Empty: the image type of the plan's only SKU."},
		{Name: "if-version-exists", Default: "skip-if-identical", Description: "With an image source, when image-version is already in the plan: skip-if-identical (add nothing if it holds the same image, refuse if another) or fail."},
		{Name: "allow-draft-changes", Default: "false", Description: "api: product-ingestion, start: publish with an image source: publish even when the draft holds other unpublished changes (they ship with the image); false refuses, naming them."},
		{Name: "dry-run", Default: "false", Description: "With start: check everything short of it (inputs, sign-in, that the offer or product exists and can be read, that nothing runs on it, the configure file) and say what would be started, without sending it: status dry-run, exit 0."},
		{Name: "tenant-id", Description: "Azure AD tenant (GUID or domain) of the app that calls the API."},
		{Name: "client-id", Description: "Application (client) id of that app."},
		{Name: "client-secret", Secret: true, Description: "Client secret of that app (its Value; 8 characters at least). Pass it from a secret. Leave it empty to sign in with the job's OIDC token instead (needs permissions: id-token: write and a federated credential on the app)."},
		{Name: "oidc-audience", Default: "api://AzureADTokenExchange", Description: "Audience of the job's OIDC token when signing in without client-secret."},
		{Name: "access-token", Secret: true, Description: "A bearer token for the API (8 characters at least), used as is instead of tenant-id/client-id/client-secret."},
		{Name: "authority-host", Default: "https://login.microsoftonline.com", Description: "Azure AD authority host."},
		{Name: "api-url", Description: "API base URL. Empty: https://cloudpartner.azure.com (cpp), https://graph.microsoft.com/rp/product-ingestion (product-ingestion)."},
		{Name: "arm-url", Default: "https://management.azure.com", Description: "Azure Resource Manager base URL, where the gallery image version is checked (tokens are for https://management.azure.com)."},
		{Name: "api-version", Description: "API version. Empty: 2017-10-31 (cpp), 2022-03-01-preview2 (product-ingestion)."},
		{Name: "timeout", Default: "60m", Description: "How long to wait in all (Go duration, e.g. 90m, 5h30m). A GitHub-hosted job is stopped at 6h, before a longer timeout (warned of)."},
		{Name: "initial-interval", Description: "First wait between polls; waits grow exponentially from here. Empty: 15s (cpp), 1m (product-ingestion, whose docs allow one status request a minute)."},
		{Name: "max-interval", Default: "5m", Description: "Longest wait between polls, jitter included (a server's Retry-After may ask for more)."},
		{Name: "stall-after", Description: "End with status stalled (exit 1) when nothing in the operation changes (its status, any step's status, progress or estimate, any message) for this long while waiting (Go duration, e.g. 24h); shorter than timeout, or it never fires (warned of). Empty: off."},
		{Name: "wait", Default: "true", Description: "Wait for the operation to finish. With false, check it once: set every output and exit 0 while it runs or awaits sign-off, 1 if it failed or is blocked (for scheduled checks of a publish that takes days)."},
		{Name: "stop-at-signoff", Default: "true", Description: "api: cpp. Succeed when the operation reaches publisher sign-off (preview ready, waiting for Go Live)."},
		{Name: "cancel-on-interrupt", Default: "false", Description: "When the gate is stopped while waiting (the job cancelled, or a timeout-minutes ran out), also ask the API to cancel the publishing operation (cpp: POST …/offers/{offer}/cancel; product-ingestion: POST configure/{jobId}/cancel) before exiting."},
		{Name: "annotate", Default: "warning", Description: "Lowest message level that becomes an annotation: error, warning, information or none."},
		{Name: "demo", Description: "Run against the built-in simulator instead of the API, to try the action: a scenario (publish, blocked, live, failed, canceled, rejected, invalid, or image: a VM image version released), optionally followed by product-ingestion."},
	}
}

// Getenv reads an environment variable.
type Getenv func(string) string

// Lookup reads an input the way the runner passes it to a Docker action:
// INPUT_<NAME> upper-cased, hyphens kept (actions/runner Handler.cs
// AddInputsToEnvironment; act does the same). Surrounding white space is
// trimmed. No other spelling is read: INPUT_PUBLISHER_ID is not set by the
// runner, so it can only be a workflow's or an earlier step's variable,
// which must not stand in for an input left empty.
func Lookup(getenv Getenv, name string) string {
	return strings.TrimSpace(getenv("INPUT_" + strings.ToUpper(name)))
}

// Default returns the default of the named input ("" if it has none).
func Default(name string) string {
	for _, in := range Inputs() {
		if in.Name == name {
			return in.Default
		}
	}
	return ""
}
