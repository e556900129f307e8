package apihttp

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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
	// Detail is what the server said, on one line and bounded: its error's
	// code and message (details too), a JSON string's text, or plain text.
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

	// emptyBody: the error answer had no body at all, which is said too.
	emptyBody bool
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
	switch {
	case e.Detail != "":
		b.WriteString(` (the server said: "`)
		b.WriteString(e.Detail)
		b.WriteString(`")`)
	case e.emptyBody:
		b.WriteString(" (the server sent no body)")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Transient reports whether the call may succeed if made again.
func (e *Error) Transient() bool { return e.Retry }

// RetryAfter is the wait the server asked for, 0 if it asked for none.
func (e *Error) RetryAfter() time.Duration { return e.Wait }

// HasCode reports whether the body's error, or any of its details, carries
// code. Codes are compared without case: the same error comes as conflict
// and Conflict, badRequest and BadRequest, depending on API and page.
func (e *Error) HasCode(code string) bool {
	return BodyFaults(e.Body).HasCode(code)
}

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

// Fault is one error the server reported: a code, a message, the resource it
// concerns and nested details. Product-ingestion's job errors and both APIs'
// error bodies are trees of these.
type Fault struct {
	Code       string
	Message    string
	ResourceID string
	Details    Faults
}

// Faults is a list of errors read from whatever the server put there. The
// live service sends details as an array, an empty object {}, null, or not
// at all, at any depth, and some clients send errors as strings. An array
// holds errors (arrays inside it are flattened); an object is one error if
// it has a code or a message, else its details stand in its place; a string
// is an error's message; anything else holds no error. So no shape fails the
// body it is in.
type Faults []Fault

// maxFaultDepth bounds how deep details are read: real trees are three deep.
const maxFaultDepth = 16

// UnmarshalJSON implements the tolerance described on Faults, in one pass
// over the bytes whatever the depth.
func (fs *Faults) UnmarshalJSON(b []byte) error {
	v, err := decodeAny(b)
	if err != nil {
		return err
	}
	*fs = faultsOf(v, 0)
	return nil
}

// UnmarshalJSON reads one error with the tolerance of Faults: the first error
// the value holds, or none.
func (f *Fault) UnmarshalJSON(b []byte) error {
	var fs Faults
	if err := fs.UnmarshalJSON(b); err != nil {
		return err
	}
	*f = Fault{}
	if len(fs) > 0 {
		*f = fs[0]
	}
	return nil
}

// HasCode reports whether any error of the tree carries code, compared
// without case.
func (fs Faults) HasCode(code string) bool {
	code = strings.TrimSpace(code)
	if code == "" {
		return false
	}
	for i := range fs {
		if strings.EqualFold(fs[i].Code, code) || fs[i].Details.HasCode(code) {
			return true
		}
	}
	return false
}

// Text renders the error on one line: code, message, resource, then details.
func (f *Fault) Text() string {
	var b strings.Builder
	f.write(&b)
	return b.String()
}

func (f *Fault) write(b *strings.Builder) {
	if f.Code != "" {
		b.WriteString(f.Code)
		b.WriteString(": ")
	}
	b.WriteString(cmp.Or(f.Message, "(no message)"))
	if f.ResourceID != "" {
		fmt.Fprintf(b, " (resource %s)", f.ResourceID)
	}
	for i := range f.Details {
		b.WriteString("; ")
		f.Details[i].write(b)
	}
}

func decodeAny(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber() // a numeric code keeps its digits
	var v any
	err := d.Decode(&v)
	return v, err
}

func faultsOf(v any, depth int) Faults {
	if depth > maxFaultDepth {
		return nil
	}
	switch x := v.(type) {
	case string:
		if s := strings.TrimSpace(x); s != "" {
			return Faults{{Message: s}}
		}
	case []any:
		var out Faults
		for _, e := range x {
			out = append(out, faultsOf(e, depth+1)...)
		}
		return out
	case map[string]any:
		f := Fault{
			Code:       cmp.Or(scalar(field(x, "code")), scalar(field(x, "errorCode"))),
			Message:    scalar(field(x, "message")),
			ResourceID: scalar(field(x, "resourceId")),
			Details:    faultsOf(field(x, "details"), depth+1),
		}
		if f.Code == "" && f.Message == "" {
			return f.Details // {} holds nothing; a wrapper's details stand for it
		}
		return Faults{f}
	}
	return nil
}

// field is m[key], or else the value of a key that differs only in case
// (the JSON decoder matches struct fields that way; a map needs telling).
func field(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// scalar is a string, number or boolean as text; "" for anything else.
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// BodyFaults is the error tree of an error body: {"error": …}, a bare
// {"code","message"}, an {"errors": […]}, {"value": […]} or [] list, or a
// JSON string. Every caller that reads an error body's reasons reads them
// here, so each takes every shape the services send.
func BodyFaults(body []byte) Faults {
	v, err := decodeAny(body)
	if err != nil {
		return nil
	}
	if m, ok := v.(map[string]any); ok {
		if e := field(m, "error"); e != nil {
			if s, ok := e.(string); ok { // OAuth's {"error":"invalid_client","error_description":…}
				return Faults{{Code: s, Message: scalar(field(m, "error_description"))}}
			}
			return faultsOf(e, 0)
		}
		if field(m, "code") == nil && field(m, "message") == nil {
			if list := field(m, "errors"); list != nil {
				return faultsOf(list, 0)
			}
			return faultsOf(field(m, "value"), 0) // a validations list
		}
	}
	return faultsOf(v, 0)
}

// serverDetail is what an error body said, on one line: the error tree's
// text if the body holds one, a JSON string's text, other JSON as it is,
// and text that is not JSON (a fragment, a proxy's page) as it came.
func serverDetail(body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}
	if !json.Valid(body) {
		return oneLine(string(body))
	}
	if fs := BodyFaults(body); len(fs) > 0 {
		texts := make([]string, 0, len(fs))
		for i := range fs {
			texts = append(texts, fs[i].Text())
		}
		return oneLine(strings.Join(texts, "; "))
	}
	var c bytes.Buffer
	_ = json.Compact(&c, body) // valid, so it compacts
	return oneLine(c.String())
}

// oneLine makes server text one bounded line: control characters (line
// breaks included) become spaces, runs of white space one. The reporter
// makes it inert.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	return clip(strings.Join(strings.Fields(s), " "))
}

// maxDetail bounds the server text kept in an error: enough for the
// ICH50400 string body with the field it names (332 bytes), short of an
// annotation's limit.
const maxDetail = 512

// clip bounds server text kept in an error.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= maxDetail {
		return s
	}
	cut := maxDetail
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	// Cut before the word the limit falls in, not through it: a secret the
	// server echoed (a client secret, a SAS signature) has no spaces, and
	// half of one would no longer match its mask.
	if sp := strings.LastIndexByte(s[:cut], ' '); sp >= maxDetail/2 {
		cut = sp
	}
	return s[:cut] + "…"
}
