package ingestion

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
)

// ResourceTree reads a product's resources as published to one target
// (GET resource-tree/product/{productId}?targetType=draft|preview|live) and
// returns the body as sent: editing a technical configuration must keep
// every field, read-only ones and numbers included, exactly as read.
// productID may carry its "product/" prefix.
func (c *Client) ResourceTree(ctx context.Context, productID, targetType string) ([]byte, error) {
	const call = "GET resource-tree"
	switch targetType {
	case "draft", "preview", "live":
	default:
		return nil, fmt.Errorf("%s: targetType %q is not draft, preview or live", call, targetType)
	}
	id := strings.TrimPrefix(productID, "product/")
	if id == "" {
		return nil, fmt.Errorf("%s: no product id", call)
	}
	return apihttp.Get(ctx, c.api, call, c.URL(url.Values{"targetType": {targetType}}, "resource-tree", "product", id), DecodeResourceTree)
}

// DecodeResourceTree checks that body is a resource tree (an object with a
// resources array) and returns it unchanged.
func DecodeResourceTree(body []byte) ([]byte, error) {
	var tree struct {
		Resources []json.RawMessage `json:"resources"`
	}
	if err := json.Unmarshal(body, &tree); err != nil {
		return nil, fmt.Errorf("decoding resource tree: %w", err)
	}
	if tree.Resources == nil {
		return nil, errors.New("decoding resource tree: the response has no resources list")
	}
	return body, nil
}
