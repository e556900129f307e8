// Package imageplan decides and writes the content change of a VM image
// release: a new version in one plan's technical configuration
// (product-ingestion) or in one plan's vmImages map (Cloud Partner Portal).
// It is pure functions over raw JSON: no HTTP, no printing, no clock. The
// starter reads the bodies, calls this package, and sends what it returns.
//
// Raw JSON: resources are kept as ordered lists of key → raw value, never as
// maps or models, so what is sent back holds every token as read (unknown
// fields, read-only fields, 19-digit integers, 1111.0, nulls, key order).
// Only the white space between tokens goes (documents are written compact).
// The edit changes nothing else, but for what a write must not carry: the
// read-only validations are dropped, and a $schema on the retired
// product-ingestion.azureedge.net host is moved to schema.mp.microsoft.com.
//
// Product-ingestion, start: add-image or start: publish:
//
//	draft, err := imageplan.ParseTree(draftBody)   // GET resource-tree/product/{p}?targetType=draft
//	// and the preview and live trees when the submission list shows them
//	c, err := imageplan.Prepare(release, imageplan.Trees{Draft: draft, Preview: preview, Live: live})
//	// err: status error, the message as is; nothing sent
//	switch c.Outcome {
//	case imageplan.Published: // completed, ::notice c.Notice(), nothing sent
//	case imageplan.InDraft:   // add-image: nothing to send; publish: c.PublishDocument(v, subID)
//	case imageplan.Add:       // c.AddImageDocument(v) or c.PublishDocument(v, subID)
//	}
//	// start: publish only, unless allow-draft-changes:
//	if ids := imageplan.DraftChanges(draft, newestPublished, c.TechConfigID); len(ids) > 0 {
//		return imageplan.DraftChangesError(c.OfferID, release.PlanID, ids)
//	}
//	// after the job succeeded, on the tree read again:
//	err = c.Verify(afterTree)
//	// outputs: c.Release.Version, c.SKUIDs, c.URNs(publisherID)
//
// CPP: c, err := PrepareCPP(release, CPPOffers{Draft: body[, Preview, Live]});
// PUT c.Offer with If-Match (on 412, read again and call PrepareCPP again);
// c.Verify(putAnswerOrGet); outputs c.SKUIDs (the plan id), c.URNs(publisher).
//
// Secrets: a SAS URI is a credential. Signatures(body) gives every sig value
// of any body (tree, offer, even one that does not parse) to ::add-mask:: as
// soon as it is read; Redact(doc) is the copy a dry-run prints; RedactText
// cleans any text. Every error of this package passes through RedactText
// whole, so none shows a SAS query string.
//
// Checks, in order (each error names what to do): the request itself (an
// X.Y.Z version, one source, at most 16 data disks); the plan exists (else
// the plan ids there are); it does not reuse another plan's configuration
// (basePlan: publish there); each image type has a SKU (else the SKUs), or,
// with no image types, the plan has exactly one SKU; the version number in
// live, preview and the draft: same source and skip-if-identical → Published
// or InDraft, another source → refused, if-version-exists fail → refused; a
// version deleted in the draft is refused; another never-published version
// for one of the image types in the draft → refused (one new image per image
// type per submission).
package imageplan
