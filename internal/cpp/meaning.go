package cpp

import "net/http"

// Meaning explains an HTTP status from the CPP API in the terms of the
// reference's status-code tables and what the user should do about it.
func Meaning(code int) string {
	switch {
	case code == http.StatusBadRequest:
		return "bad or malformed request: check api-version and the ids"
	case code == http.StatusUnauthorized:
		return "the token was refused: check tenant-id, client-id and client-secret (or access-token), and that the app is registered for the Cloud Partner Portal"
	case code == http.StatusForbidden:
		return "forbidden: the service principal has not been added to this publisher in the Cloud Partner Portal (Settings → Users), or lacks the Owner role"
	case code == http.StatusNotFound:
		return "not found: the publisher, offer or operation does not exist"
	case code == http.StatusConflict:
		return "conflict: another operation on this offer is in the way"
	case code == http.StatusTooManyRequests:
		return "throttled: too many requests"
	case code >= 500:
		return "the service had a problem"
	}
	return ""
}
