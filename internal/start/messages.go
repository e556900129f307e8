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

// messages are the reasons of an error body, in order and once each: every
// message of its error tree as apihttp reads it (an object, a list, the
// OAuth form, a JSON string: the shapes the services send), then those of
// the keys only a refusal may use, which the tree does not read (the pages
// say a 422 body "says why" but not in what shape). A body that is not JSON
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
	add := func(m string) {
		if m = strings.TrimSpace(m); m != "" && !seen[m] && len(out) < maxMessages {
			seen[m] = true
			out = append(out, m)
		}
	}
	var tree func(fs apihttp.Faults, depth int)
	tree = func(fs apihttp.Faults, depth int) {
		for i := range fs {
			add(fs[i].Message)
			if depth < 8 {
				tree(fs[i].Details, depth+1)
			}
		}
	}
	tree(apihttp.BodyFaults(body), 0)
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 8 || len(out) >= maxMessages {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			if m, ok := x["message"].(string); ok {
				add(m)
			}
			// Keys in a stable order: the error itself before its details.
			for _, k := range []string{"error", "errors", "details", "innererror", "validationErrors", "validationResults"} {
				if c, ok := x[k]; ok {
					walk(c, depth+1)
				}
			}
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok {
					add(s)
					continue
				}
				walk(e, depth+1)
			}
		}
	}
	walk(v, 0)
	return out
}
