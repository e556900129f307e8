// Package snapshot is the operation model the poller judges and the reporter
// renders, whichever API fed it: CPP operations decode straight into it (its
// JSON tags and tolerances are CPP's), product-ingestion jobs and submissions
// are mapped onto it.
package snapshot

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/marketplace-gate/marketplace-gate/internal/apitime"
)

// Operation is one snapshot of a publishing operation, shaped as CPP's GET
// …/operations/{id} returns it.
type Operation struct {
	ID                       string   `json:"id"`
	Status                   string   `json:"status"`
	SubmissionType           string   `json:"submissionType"`
	CancellationRequestState string   `json:"cancellationRequestState"`
	Messages                 Messages `json:"messages"`
	Steps                    []Step   `json:"steps"`
	PreviewLinks             Links    `json:"previewLinks"`
	LiveLinks                Links    `json:"liveLinks"`
	// Error is the "error" property of failed operations, flattened to text.
	Error ErrorText `json:"error"`
}

// State is the operation's normalised status.
func (o *Operation) State() (State, bool) { return ParseState(o.Status) }

// Step is one stage of the publishing pipeline.
type Step struct {
	ID                 string   `json:"id"`
	Name               string   `json:"stepName"`
	Description        string   `json:"description"`
	Status             string   `json:"status"`
	EstimatedTimeFrame string   `json:"estimatedTimeFrame"`
	ProgressPercentage Percent  `json:"progressPercentage"`
	Messages           Messages `json:"messages"`
}

// State is the step's normalised status.
func (s *Step) State() (State, bool) { return ParseState(s.Status) }

// Title is the step's name, or its id where the API gave no name.
func (s *Step) Title() string {
	if s.Name != "" {
		return s.Name
	}
	return s.ID
}

// Message is a step or operation notification. HTML is the API's messageHtml.
type Message struct {
	HTML      string `json:"messageHtml"`
	Level     string `json:"level"`
	Timestamp string `json:"timestamp"`
	// Ref names what the message is about in the request that was sent (a
	// configure job error's resourceId), so the reporter can point at it in
	// the user's file; "" when it names nothing. Never read from an API body.
	Ref string `json:"-"`
}

// Messages are an operation's or a step's messages: the documented objects,
// or bare strings, since the reference's property table calls messages an
// "Array of strings". A timestamp is kept as sent, whatever its JSON type.
type Messages []Message

// UnmarshalJSON decodes a list of objects in one nested pass, and only a list
// holding something else element by element: a method on each Message cost a
// nested decode per message (a 50-step operation: 1,853 → 1,354 allocations).
func (ms *Messages) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, (*[]Message)(ms)); err == nil {
		return nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return err
	}
	out := make(Messages, len(raws))
	for i, r := range raws {
		if s, ok := asString(r); ok {
			out[i] = Message{HTML: s, Level: "information"}
			continue
		}
		// A timestamp of another JSON type does not fail the operation: it
		// is only shown, and shown as sent.
		var m struct {
			HTML      string       `json:"messageHtml"`
			Level     string       `json:"level"`
			Timestamp apitime.Time `json:"timestamp"`
		}
		if err := json.Unmarshal(r, &m); err != nil {
			return err
		}
		out[i] = Message{HTML: m.HTML, Level: m.Level, Timestamp: string(m.Timestamp)}
	}
	*ms = out
	return nil
}

// Percent is progressPercentage: an integer 0..100, tolerating floats, numeric
// strings and null, since nothing in the reference pins the JSON type down.
type Percent int

// UnmarshalJSON implements the tolerance described on Percent.
func (p *Percent) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if str, ok := asString(b); ok {
		s = strings.TrimSuffix(strings.TrimSpace(str), "%")
	}
	if s == "null" || s == "" {
		*p = 0
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("progressPercentage %q is not a number", s)
	}
	*p = Percent(max(0, min(100, int(f))))
	return nil
}

// Links are preview or live links. The API has shown them as strings and as
// objects ({"displayText": …, "uri": …}); both decode to the URL.
type Links []string

// UnmarshalJSON implements the tolerance described on Links.
func (l *Links) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(Links, 0, len(raw))
	for _, r := range raw {
		if s, ok := asString(r); ok {
			out = append(out, s)
			continue
		}
		var obj struct {
			URI  string `json:"uri"`
			URL  string `json:"url"`
			Link string `json:"link"`
		}
		if err := json.Unmarshal(r, &obj); err != nil {
			continue // a link we cannot read is not worth failing the poll over
		}
		if u := cmp.Or(obj.URI, obj.URL, obj.Link); u != "" {
			out = append(out, u)
		}
	}
	*l = out
	return nil
}

// ErrorText is the operation's "error" property: a string, or an object whose
// message (or whole JSON) becomes the text.
type ErrorText string

// UnmarshalJSON implements the flattening described on ErrorText.
func (e *ErrorText) UnmarshalJSON(b []byte) error {
	if s, ok := asString(b); ok {
		*e = ErrorText(s)
		return nil
	}
	if string(bytes.TrimSpace(b)) == "null" {
		*e = ""
		return nil
	}
	var obj struct {
		Message string `json:"message"`
		Code    string `json:"code"`
	}
	if json.Unmarshal(b, &obj) == nil && obj.Message != "" {
		*e = ErrorText(strings.TrimSpace(obj.Code + " " + obj.Message))
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return err
	}
	*e = ErrorText(buf.String())
	return nil
}

func asString(b []byte) (string, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(b, &s) != nil {
		return "", false
	}
	return s, true
}
