// Package arm speaks HTTP to Azure Resource Manager, for what the image
// release reads there: a Compute Gallery image version and its image
// definition. It returns values and never prints.
package arm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
)

// APIVersion is the Compute api-version the reads use ("Gallery Image
// Versions - Get", vm-image-release.md §1.3).
const APIVersion = "2024-03-03"

// Resource is the audience ARM tokens must be for, whatever arm-url says.
const Resource = "https://management.azure.com"

// Client reads resources from ARM at one base URL (https://management.azure.com).
type Client struct {
	base *url.URL
	api  *apihttp.Client
}

// New returns a client for ARM at base; tokens must be for Resource.
func New(base *url.URL, tokens apihttp.Tokens, opts ...apihttp.Option) *Client {
	return &Client{base: base, api: apihttp.New(tokens, Meaning, opts...)}
}

// GalleryImageVersion is what the check needs of an image version.
type GalleryImageVersion struct {
	ID   string
	Name string
	// ProvisioningState: Creating, Updating, Failed, Succeeded, Deleting, Migrating.
	ProvisioningState string
}

// GalleryImageDefinition is what the check needs of an image definition.
type GalleryImageDefinition struct {
	ID   string
	Name string
	// HyperVGeneration is V1 or V2; "" when ARM left it out.
	HyperVGeneration string
	// Architecture is x64 or Arm64; "" when ARM left it out (x64).
	Architecture string
	OSType       string
}

// GalleryImageVersion reads an image version by its resource id
// (GET {arm}{id}?api-version=2024-03-03).
func (c *Client) GalleryImageVersion(ctx context.Context, id string) (GalleryImageVersion, error) {
	target, err := c.URL(id)
	if err != nil {
		return GalleryImageVersion{}, fmt.Errorf("GET gallery image version: %w", err)
	}
	return apihttp.Get(ctx, c.api, "GET gallery image version", target, DecodeGalleryImageVersion)
}

// GalleryImageDefinition reads an image definition by its resource id.
func (c *Client) GalleryImageDefinition(ctx context.Context, id string) (GalleryImageDefinition, error) {
	target, err := c.URL(id)
	if err != nil {
		return GalleryImageDefinition{}, fmt.Errorf("GET gallery image definition: %w", err)
	}
	return apihttp.Get(ctx, c.api, "GET gallery image definition", target, DecodeGalleryImageDefinition)
}

// URL is the request URL of a resource id: each of its segments
// path-escaped under base, so an id cannot add a query, a fragment or a
// "..", and the api-version.
func (c *Client) URL(id string) (string, error) {
	if !strings.HasPrefix(id, "/") {
		return "", fmt.Errorf("resource id %q does not start with /", clip(id))
	}
	segments := strings.Split(strings.TrimPrefix(id, "/"), "/")
	for _, s := range segments {
		if s == "" || s == "." || s == ".." {
			return "", fmt.Errorf("resource id %q has an empty or relative segment", clip(id))
		}
	}
	return apihttp.Path(c.base, segments...) + "?api-version=" + APIVersion, nil
}

// resource is the envelope ARM wraps every resource in.
type resource[P any] struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Properties *P     `json:"properties"`
}

// DecodeGalleryImageVersion reads a GET image version body.
func DecodeGalleryImageVersion(body []byte) (GalleryImageVersion, error) {
	var r resource[struct {
		ProvisioningState string `json:"provisioningState"`
	}]
	if err := json.Unmarshal(body, &r); err != nil {
		return GalleryImageVersion{}, fmt.Errorf("decoding gallery image version: %w", err)
	}
	if r.Properties == nil {
		return GalleryImageVersion{}, errors.New("decoding gallery image version: the response has no properties")
	}
	return GalleryImageVersion{ID: r.ID, Name: r.Name, ProvisioningState: r.Properties.ProvisioningState}, nil
}

// DecodeGalleryImageDefinition reads a GET image definition body.
func DecodeGalleryImageDefinition(body []byte) (GalleryImageDefinition, error) {
	var r resource[struct {
		HyperVGeneration string `json:"hyperVGeneration"`
		Architecture     string `json:"architecture"`
		OSType           string `json:"osType"`
	}]
	if err := json.Unmarshal(body, &r); err != nil {
		return GalleryImageDefinition{}, fmt.Errorf("decoding gallery image definition: %w", err)
	}
	if r.Properties == nil {
		return GalleryImageDefinition{}, errors.New("decoding gallery image definition: the response has no properties")
	}
	p := r.Properties
	return GalleryImageDefinition{ID: r.ID, Name: r.Name, HyperVGeneration: p.HyperVGeneration, Architecture: p.Architecture, OSType: p.OSType}, nil
}

// Code is the error code of ARM's error body ({"error":{"code","message"}}),
// e.g. AuthorizationFailed, ResourceNotFound; "" when err is not a call's
// error or its body has none.
func Code(err error) string {
	var ae *apihttp.Error
	if !errors.As(err, &ae) {
		return ""
	}
	var body struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(ae.Body, &body) != nil {
		return ""
	}
	return body.Error.Code
}

// Meaning explains an HTTP status from ARM and what the user should do
// about it; apihttp explains throttling and server errors.
func Meaning(code int) string {
	switch code {
	case http.StatusBadRequest:
		return "bad request: check gallery-image-version-id"
	case http.StatusUnauthorized:
		return "the token was refused: it must be for " + Resource + " and from the gallery's tenant (gallery-tenant-id, default tenant-id)"
	case http.StatusForbidden:
		return "forbidden: the app may not read the gallery (grant it Reader on the gallery)"
	case http.StatusNotFound:
		return "not found: the subscription, resource group, gallery, image definition or version does not exist, or is not visible to the app: check gallery-image-version-id"
	case http.StatusTooManyRequests:
		return "throttled: too many requests to Azure Resource Manager"
	}
	return ""
}

// clip bounds an id quoted in an error.
func clip(s string) string {
	const limit = 300
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "…"
}
