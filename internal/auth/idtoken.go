package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/marketplace-gate/marketplace-gate/internal/neterr"
)

// GitHubIDToken returns a function that fetches the job's OIDC ID token from
// the runner's token service (ACTIONS_ID_TOKEN_REQUEST_URL, authorised by
// ACTIONS_ID_TOKEN_REQUEST_TOKEN) for audience.
func GitHubIDToken(requestURL, requestToken, audience string, hc *http.Client) func(context.Context) (string, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	return func(ctx context.Context) (string, error) {
		u, err := url.Parse(requestURL)
		if err != nil {
			return "", &Error{Msg: "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL", Err: err}
		}
		q := u.Query()
		q.Set("audience", audience)
		u.RawQuery = q.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return "", &Error{Msg: "requesting the job's OIDC token", Err: err}
		}
		req.Header.Set("Authorization", "Bearer "+requestToken)
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			return "", &Error{Msg: "reaching the runner's OIDC token service failed: " + neterr.Cause(unwrapURL(err)).Error(), Retry: true, Err: err}
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		switch {
		case err != nil:
			return "", &Error{Msg: "reading the job's OIDC token was cut short", Retry: true, Err: err}
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			return "", &Error{Msg: fmt.Sprintf("the runner's OIDC token service answered HTTP %d", resp.StatusCode), Retry: true}
		case resp.StatusCode != http.StatusOK:
			return "", &Error{Msg: fmt.Sprintf("the runner refused the job an OIDC token (HTTP %d): the job needs `permissions: id-token: write`", resp.StatusCode)}
		}
		var v struct {
			Value string `json:"value"`
		}
		if json.Unmarshal(body, &v) != nil || v.Value == "" {
			return "", &Error{Msg: "the runner's OIDC token service answered without a token", Retry: true}
		}
		return v.Value, nil
	}
}

func unwrapURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
