package cpp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

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
func DecodeOperation(body []byte) (snapshot.Operation, error) {
	var op snapshot.Operation
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var ops []snapshot.Operation
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
