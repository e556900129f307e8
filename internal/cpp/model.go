package cpp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Operation is one publishing operation as GET …/operations/{id} returns it.
type Operation struct {
	ID                       string    `json:"id"`
	Status                   string    `json:"status"`
	SubmissionType           string    `json:"submissionType"`
	CancellationRequestState string    `json:"cancellationRequestState"`
	Messages                 []Message `json:"messages"`
	Steps                    []Step    `json:"steps"`
	PreviewLinks             Links     `json:"previewLinks"`
	LiveLinks                Links     `json:"liveLinks"`
	// Error is the "error" property of failed operations, flattened to text.
	Error ErrorText `json:"error"`
}

// State is the operation's normalised status.
func (o *Operation) State() (State, bool) { return ParseState(o.Status) }

// Step is one stage of the publishing pipeline.
type Step struct {
	ID                 string    `json:"id"`
	Name               string    `json:"stepName"`
	Description        string    `json:"description"`
	Status             string    `json:"status"`
	EstimatedTimeFrame string    `json:"estimatedTimeFrame"`
	ProgressPercentage Percent   `json:"progressPercentage"`
	Messages           []Message `json:"messages"`
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
}

// UnmarshalJSON accepts the documented object and also a bare string: the
// reference's property table calls messages an "Array of strings".
func (m *Message) UnmarshalJSON(b []byte) error {
	if s, ok := asString(b); ok {
		*m = Message{HTML: s, Level: "information"}
		return nil
	}
	type plain Message
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*m = Message(p)
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
		if u := firstNonEmpty(obj.URI, obj.URL, obj.Link); u != "" {
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

// Submission is one entry of GET …/submissions.
type Submission struct {
	ID              string `json:"id"`
	SubmissionType  string `json:"submissionType"`
	SubmissionState string `json:"submissionState"`
	Slot            string `json:"slot"`
	ChangedTime     string `json:"changedTime"`
}

// Offer is one entry of GET …/publishers/{p}/offers.
type Offer struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Definition struct {
		DisplayText string `json:"displayText"`
	} `json:"definition"`
}

// errEmptyArray is returned when a one-element array wrapper holds nothing.
var errEmptyArray = errors.New("the response is an empty array, not an operation")

// DecodeOperation reads an operation body: an object, or (as the reference
// shows) an array holding one object.
func DecodeOperation(body []byte) (Operation, error) {
	var op Operation
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var ops []Operation
		if err := json.Unmarshal(trimmed, &ops); err != nil {
			return op, fmt.Errorf("decoding operation: %w", err)
		}
		if len(ops) == 0 {
			return op, errEmptyArray
		}
		return ops[0], nil
	}
	if err := json.Unmarshal(trimmed, &op); err != nil {
		return op, fmt.Errorf("decoding operation: %w", err)
	}
	return op, nil
}

// DecodeSubmissions reads the submissions list: an array, or a single object.
func DecodeSubmissions(body []byte) ([]Submission, error) {
	return decodeList[Submission](body, "submissions")
}

// DecodeOffers reads the offers list: an array, or a single object.
func DecodeOffers(body []byte) ([]Offer, error) {
	return decodeList[Offer](body, "offers")
}

func decodeList[T any](body []byte, what string) ([]T, error) {
	body = bytes.TrimLeft(body, " \t\r\n")
	if len(body) > 0 && body[0] == '{' {
		// Some list endpoints wrap the array as {"value": […]}; others return one object.
		var wrapped struct {
			Value []T `json:"value"`
		}
		if err := json.Unmarshal(body, &wrapped); err == nil && wrapped.Value != nil {
			return wrapped.Value, nil
		}
		var one T
		if err := json.Unmarshal(body, &one); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", what, err)
		}
		return []T{one}, nil
	}
	var list []T
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", what, err)
	}
	return list, nil
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

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
