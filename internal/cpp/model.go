package cpp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/apitime"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// Submission is one entry of GET …/submissions.
type Submission struct {
	ID              string `json:"id"`
	SubmissionType  string `json:"submissionType"`
	SubmissionState string `json:"submissionState"`
	Slot            string `json:"slot"`
	// ChangedTime is as sent: with 3 to 7 fraction digits, and with or
	// without a zone (the offers list has shown 2022-06-02T12:25:56.651).
	// Changed reads it.
	ChangedTime string `json:"changedTime"`
}

// UnmarshalJSON reads the entry with changedTime of any JSON type, so an odd
// one never fails the list (it then reads as no time).
func (s *Submission) UnmarshalJSON(b []byte) error {
	type plain Submission
	var v struct {
		plain
		ChangedTime apitime.Time `json:"changedTime"` // shallower: wins over plain's
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Submission(v.plain)
	s.ChangedTime = string(v.ChangedTime)
	return nil
}

// Changed is when the operation last changed, if the API says readably; a
// zoneless time is UTC. Unreadable or unset is no time: never "changed
// since" anything.
func (s Submission) Changed() (time.Time, bool) { return apitime.Parse(s.ChangedTime) }

// Describe names the operation for a log line: its id, type, state and when
// it last changed (in UTC when it reads).
func (s Submission) Describe() string {
	return fmt.Sprintf("operation %s (%s, %s, changed %s)", s.ID, s.SubmissionType, s.SubmissionState, apitime.Time(s.ChangedTime))
}

// Running is the offer's running operation, if one runs (only one can).
func Running(subs []Submission) (Submission, bool) {
	for _, s := range subs {
		if st, _ := snapshot.ParseState(s.SubmissionState); st == snapshot.StateRunning {
			return s, true
		}
	}
	return Submission{}, false
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

// decodeList reads a list: an array, {"value": […]}, or (some CPP list
// endpoints) a single object standing for a list of one.
func decodeList[T any](body []byte, what string) ([]T, error) {
	list, err := apihttp.DecodeList[T](body, what)
	if !errors.Is(err, apihttp.ErrNoList) {
		return list, err
	}
	var one T
	if err := json.Unmarshal(body, &one); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", what, err)
	}
	return []T{one}, nil
}
