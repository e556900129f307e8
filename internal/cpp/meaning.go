package cpp

import "net/http"

// Meaning explains an HTTP status from the CPP API in the terms of the
// reference's status-code tables and what the user should do about it;
// apihttp explains throttling and server errors the same for both APIs.
func Meaning(code int) string {
	switch code {
	case http.StatusBadRequest:
		return "bad or malformed request: check api-version and the ids"
	case http.StatusUnauthorized:
		return "the token was refused: check tenant-id, client-id and client-secret (or access-token), and that the app is registered for the Cloud Partner Portal"
	case http.StatusForbidden:
		return "forbidden: the service principal has not been added to this publisher in the Cloud Partner Portal (Settings → Users), or lacks the Owner role"
	case http.StatusNotFound:
		return "not found: the publisher, offer or operation does not exist"
	case http.StatusConflict:
		return "conflict: another operation on this offer is in the way"
	}
	return ""
}
