package cpp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
)

// ErrNoETag is Offer's error for an answer without an ETag: without one a
// PUT cannot be made conditional, and If-Match: * ("last one wins") would
// overwrite whatever someone else saved meanwhile.
var ErrNoETag = errors.New("the offer was read without an ETag (neither the ETag header nor an eTag field): it cannot be updated safely")

// Offer reads an offer's definition (GET …/offers/{offer}, the draft slot)
// exactly as sent, with the ETag a PUT must send back: the ETag header, or
// else the body's eTag field (CPP's documents carry both).
func (c *Client) Offer(ctx context.Context, publisher, offer string) (body []byte, etag string, err error) {
	const call = "GET offer"
	resp, err := c.api.Do(ctx, http.MethodGet, call, c.URL("publishers", publisher, "offers", offer))
	if err != nil {
		return nil, "", err
	}
	var doc struct {
		ETag *string `json:"eTag"`
	}
	if !isObject(resp.Body) || json.Unmarshal(resp.Body, &doc) != nil {
		// Proxies answer with HTML pages and bodies get cut short.
		return nil, "", &apihttp.Error{Call: call, Retry: true, Err: errors.New("the response is not the JSON offer expected")}
	}
	etag = resp.Header.Get("ETag")
	if etag == "" && doc.ETag != nil {
		etag = *doc.ETag
	}
	if etag == "" {
		return nil, "", fmt.Errorf("%s %s: %w", call, offer, ErrNoETag)
	}
	return resp.Body, etag, nil
}

// StaleETagError is PutOffer's error for HTTP 412: the offer changed since
// it was read. Nothing was written; read it again and re-apply the change.
type StaleETagError struct {
	Offer string
	Err   error // the *apihttp.Error
}

func (e *StaleETagError) Error() string {
	msg := "PUT offer: HTTP 412 — offer " + e.Offer + " changed since it was read (its ETag is stale); nothing was written: read it again and re-apply the change"
	var ae *apihttp.Error
	if errors.As(e.Err, &ae) && ae.Detail != "" {
		msg += ` (the server said: "` + ae.Detail + `")`
	}
	return msg
}

func (e *StaleETagError) Unwrap() error { return e.Err }

// PutOffer writes an offer's definition back (PUT …/offers/{offer}) on the
// condition that it is unchanged since it was read with etag: If-Match is
// always sent and never "*", which CPP takes as "last one wins". An empty or
// wildcard etag, or a body that is not a JSON object, is refused before
// anything is sent. A 412 is a *StaleETagError.
func (c *Client) PutOffer(ctx context.Context, publisher, offer string, body []byte, etag string) error {
	switch {
	case etag == "":
		return fmt.Errorf("PUT offer %s: no ETag to send in If-Match: read the offer first (nothing was sent)", offer)
	case etag == "*":
		return fmt.Errorf("PUT offer %s: If-Match: * would overwrite changes made since the offer was read: send the ETag it was read with (nothing was sent)", offer)
	case !headerValue(etag):
		return fmt.Errorf("PUT offer %s: the ETag cannot be sent as an HTTP header (nothing was sent)", offer)
	case !isObject(body) || !json.Valid(body):
		return fmt.Errorf("PUT offer %s: the offer to send is not a JSON object (nothing was sent)", offer)
	}
	_, err := c.api.DoJSONWith(ctx, http.MethodPut, "PUT offer", c.URL("publishers", publisher, "offers", offer), body, http.Header{"If-Match": {etag}})
	if apihttp.StatusOf(err) == http.StatusPreconditionFailed {
		return &StaleETagError{Offer: offer, Err: err}
	}
	return err
}

// OfferAttempts bounds UpdateOffer: reads and PUTs of one change, the first
// included. A 412 each time means someone else keeps writing the offer.
const OfferAttempts = 3

// UpdateOffer reads the offer, lets apply compute the new definition from
// the one read, and PUTs it with the ETag read. On a 412 it starts again
// from a fresh read, at most OfferAttempts times in all. apply returning nil
// means nothing needs to change: nothing is sent and sent is false. Any
// other failure ends it: a PUT whose answer was lost may have been applied,
// and the caller must look before sending again.
func (c *Client) UpdateOffer(ctx context.Context, publisher, offer string, apply func(body []byte) ([]byte, error)) (sent bool, err error) {
	for attempt := 1; ; attempt++ {
		body, etag, err := c.Offer(ctx, publisher, offer)
		if err != nil {
			return false, err
		}
		updated, err := apply(body)
		if err != nil || updated == nil {
			return false, err
		}
		err = c.PutOffer(ctx, publisher, offer, updated, etag)
		var stale *StaleETagError
		if !errors.As(err, &stale) {
			return err == nil, err
		}
		if attempt == OfferAttempts {
			return false, fmt.Errorf("offer %s changed under every one of %d attempts to update it; try again later: %w", offer, OfferAttempts, err)
		}
	}
}

// isObject reports whether body, past white space, opens a JSON object.
func isObject(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

// headerValue reports whether s can go in a header as is: no control
// characters (a line break would end the header early).
func headerValue(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f })
}
