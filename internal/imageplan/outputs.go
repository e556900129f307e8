package imageplan

// URNs are the image URNs publisher:offer:sku:version, one per SKU, for the
// image-urns output; nil without a publisher id (product-ingestion does not
// return it, so it is the user's to give).
func URNs(publisherID, offerID string, skuIDs []string, version string) []string {
	if publisherID == "" || offerID == "" {
		return nil
	}
	out := make([]string, 0, len(skuIDs))
	for _, s := range skuIDs {
		out = append(out, publisherID+":"+offerID+":"+s+":"+version)
	}
	return out
}

// URNs are the change's image URNs for publisherID (see URNs).
func (c *Change) URNs(publisherID string) []string {
	return URNs(publisherID, c.OfferID, c.SKUIDs, c.Release.Version)
}

// URNs are the change's image URNs for publisherID: the plan is the SKU.
func (c *CPPChange) URNs(publisherID string) []string {
	return URNs(publisherID, c.OfferID, c.SKUIDs, c.Release.Version)
}
