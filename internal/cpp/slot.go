package cpp

import (
	"context"
	"errors"
	"net/http"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
)

// The slots of an offer besides the draft (vm-image-release.md §1.5):
// what was last published to preview, and what is live.
const (
	SlotPreview    = "Preview"
	SlotProduction = "Production"
)

// Slot reads the offer as published to slot (GET …/offers/{offer}/slot/{slot}),
// exactly as sent. An offer never published there answers 404 ("Attempting
// to retrieve an offer that has not been previewed or published will result
// in a 404", retrieve-specific-offer.md): found is then false, with no error.
// The caller has just read the draft, so the offer itself exists.
func (c *Client) Slot(ctx context.Context, publisher, offer, slot string) (body []byte, found bool, err error) {
	const call = "GET offer slot"
	resp, err := c.api.Do(ctx, http.MethodGet, call, c.URL("publishers", publisher, "offers", offer, "slot", slot))
	if apihttp.StatusOf(err) == http.StatusNotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if !isObject(resp.Body) {
		// Proxies answer with HTML pages and bodies get cut short.
		return nil, false, &apihttp.Error{Call: call, Retry: true, Err: errors.New("the response is not the JSON offer expected")}
	}
	return resp.Body, true, nil
}
