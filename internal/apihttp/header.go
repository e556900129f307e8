package apihttp

import (
	"context"
	"net/http"
)

// headerKey carries DoJSONWith's extra headers to DoJSON; unexported, so
// DoJSONWith is the only way to set them.
type headerKey struct{}

// DoJSONWith is DoJSON with extra request headers, such as the If-Match of a
// conditional PUT. They are sent on every attempt (the retry after a 401
// too) and cannot replace Authorization, Accept or Content-Type.
func (c *Client) DoJSONWith(ctx context.Context, method, call, target string, payload []byte, header http.Header) (Response, error) {
	return c.DoJSON(context.WithValue(ctx, headerKey{}, header.Clone()), method, call, target, payload)
}

// addHeaders copies DoJSONWith's headers, if any, into h.
func addHeaders(ctx context.Context, h http.Header) {
	extra, _ := ctx.Value(headerKey{}).(http.Header)
	for k, vs := range extra {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
}
