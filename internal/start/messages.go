package start

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
)

// bodyMessages are the reasons an API error's body gives.
func bodyMessages(err error) []string {
	var e *apihttp.Error
	if !errors.As(err, &e) {
		return nil
	}
	return messages(e.Body)
}

// maxMessages bounds the reasons kept from one refusal.
const maxMessages = 50

// messages pulls every "message" of an error body, in order and once each:
// the pages say a 422 body "says why" but not in what shape, so the error,
// its details and any list of errors are all read. A body that is not JSON
// gives its first line.
func messages(body []byte) []string {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		if line == "" {
			return nil
		}
		return []string{line}
	}
	var out []string
	seen := map[string]bool{}
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 8 || len(out) >= maxMessages {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			if m, ok := x["message"].(string); ok && strings.TrimSpace(m) != "" && !seen[m] {
				seen[m] = true
				out = append(out, strings.TrimSpace(m))
			}
			// Keys in a stable order: the error itself before its details.
			for _, k := range []string{"error", "errors", "details", "innererror", "validationErrors", "validationResults"} {
				if c, ok := x[k]; ok {
					walk(c, depth+1)
				}
			}
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok && strings.TrimSpace(s) != "" && !seen[s] {
					seen[s] = true
					out = append(out, strings.TrimSpace(s))
					continue
				}
				walk(e, depth+1)
			}
		}
	}
	walk(v, 0)
	return out
}
