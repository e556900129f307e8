package apihttp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Error is a failed API call. It says whether trying again can help and, for
// HTTP errors, what the status means for the person reading the log.
type Error struct {
	// Call names the request, e.g. "GET operation".
	Call string
	// StatusCode is the HTTP status; 0 when no response was read whole.
	StatusCode int
	// Hint says what StatusCode means for the user, in the API's terms.
	Hint string
	// Detail is the server's own explanation, if its body had one.
	Detail string
	// Wait is the delay the server asked for (Retry-After); 0 when none.
	Wait time.Duration
	// Retry is true when the same request may succeed later.
	Retry bool
	// NotSent is true when the request certainly never reached the server
	// (the connection was not made): a POST may then be sent again.
	NotSent bool
	// Body is the error answer's body (within the cap), for callers that
	// read more of it than Detail; never printed as is.
	Body []byte
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Call)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.StatusCode)
		if e.Hint != "" {
			b.WriteString(" — ")
			b.WriteString(e.Hint)
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Detail != "" {
		b.WriteString(" (server said: ")
		b.WriteString(e.Detail)
		b.WriteString(")")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Transient reports whether the call may succeed if made again.
func (e *Error) Transient() bool { return e.Retry }

// RetryAfter is the wait the server asked for, 0 if it asked for none.
func (e *Error) RetryAfter() time.Duration { return e.Wait }

// StatusOf is the HTTP status of a failed call; 0 when no answer was read
// (or err is not a call's error).
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// retryable reports whether an HTTP status is worth another try.
func retryable(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500
}

// serverDetail pulls the message out of an error body: {"error":{"code","message"}},
// {"message"}, {"error":"…"}, or else the first line of plain text.
func serverDetail(body []byte) string {
	var v struct {
		Message string          `json:"message"`
		Error   json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &v) == nil {
		if v.Message != "" {
			return clip(v.Message)
		}
		var inner struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(v.Error, &inner) == nil && inner.Message != "" {
			return clip(strings.TrimSpace(inner.Code + " " + inner.Message))
		}
		var s string
		if json.Unmarshal(v.Error, &s) == nil {
			return clip(s)
		}
		return ""
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	return clip(line)
}

// clip bounds server text kept in an error; the reporter makes it inert.
func clip(s string) string {
	const limit = 300
	s = strings.TrimSpace(s)
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
