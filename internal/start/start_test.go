package start

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/poll/polltest"
)

func TestMessages(t *testing.T) {
	for name, tc := range map[string]struct {
		body string
		want []string
	}{
		"error with details": {`{"error":{"code":"UnprocessableEntity","message":"The offer failed validation.","details":[{"message":"Plan a: no image."},{"message":"Listing: summary too long."}]}}`,
			[]string{"The offer failed validation.", "Plan a: no image.", "Listing: summary too long."}},
		"a list of errors":     {`{"errors":[{"message":"one"},"two",{"message":"one"}]}`, []string{"one", "two"}},
		"a bare array":         {`["first", {"message":"second"}]`, []string{"first", "second"}},
		"plain text":           {"Validation failed\nmore", []string{"Validation failed"}},
		"nothing":              {``, nil},
		"no message anywhere":  {`{"error":{"code":"X"}}`, nil},
		"nested inner errors":  {`{"error":{"message":"top","innererror":{"message":"inner","details":[{"message":"deep"}]}}}`, []string{"top", "inner", "deep"}},
		"message not a string": {`{"message":5,"details":[{"message":"ok"}]}`, []string{"ok"}},
	} {
		got := messages([]byte(tc.body))
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: %q; want %q", name, got, tc.want)
		}
	}
}

// TestClassification: what may be sent again, what means another operation
// is in the way, and what leaves the gate unsure whether anything started.
func TestClassification(t *testing.T) {
	for name, tc := range []struct {
		err                 error
		never, busy, unsure bool
	}{
		{&apihttp.Error{NotSent: true, Retry: true}, true, false, false},
		{&apihttp.Error{StatusCode: 429, Wait: time.Second, Retry: true}, true, false, false},
		{&apihttp.Error{StatusCode: 503, Wait: time.Second, Retry: true}, true, false, false},
		{&apihttp.Error{StatusCode: 503, Retry: true}, false, false, true},
		{&apihttp.Error{StatusCode: 500, Retry: true}, false, false, true},
		{&apihttp.Error{StatusCode: 504, Retry: true}, false, false, true},
		{&apihttp.Error{Retry: true, Err: errors.New("EOF")}, false, false, true},
		{&apihttp.Error{StatusCode: 409}, false, true, false},
		{&apihttp.Error{StatusCode: 400, Detail: "An operation is already in progress on this offer."}, false, true, false},
		{&apihttp.Error{StatusCode: 422, Body: []byte(`{"error":{"message":"Another submission is currently being published"}}`)}, false, true, false},
		{&apihttp.Error{StatusCode: 422, Detail: "The offer failed validation."}, false, false, false},
		{&apihttp.Error{StatusCode: 403}, false, false, false},
		{errors.New("not an API error"), false, false, false},
	} {
		if got := neverReached(tc.err); got != tc.never {
			t.Errorf("%d: neverReached = %v", name, got)
		}
		if got := refusedAsBusy(tc.err); got != tc.busy {
			t.Errorf("%d: refusedAsBusy = %v", name, got)
		}
		if got := ambiguous(tc.err); got != tc.unsure {
			t.Errorf("%d: ambiguous = %v", name, got)
		}
	}
}

// TestChangeIsSentAgainOnlyWhenItNeverArrived: a request that changes
// something is repeated only while it certainly did nothing, waiting what
// the API asked; anything else ends the attempts at once.
func TestChangeIsSentAgainOnlyWhenItNeverArrived(t *testing.T) {
	for name, tc := range map[string]struct {
		errs  []error
		sends int
		waits []time.Duration
	}{
		"refused connection, then accepted": {[]error{&apihttp.Error{NotSent: true}, nil}, 2, []time.Duration{time.Second}},
		"429 with Retry-After":              {[]error{&apihttp.Error{StatusCode: 429, Wait: 7 * time.Second}, nil}, 2, []time.Duration{7 * time.Second}},
		"500: once":                         {[]error{&apihttp.Error{StatusCode: 500, Retry: true}, nil}, 1, nil},
		"503 without Retry-After: once":     {[]error{&apihttp.Error{StatusCode: 503, Retry: true}, nil}, 1, nil},
		"dropped after sending: once":       {[]error{&apihttp.Error{Retry: true, Err: errors.New("EOF")}, nil}, 1, nil},
		"409: once":                         {[]error{&apihttp.Error{StatusCode: http.StatusConflict}, nil}, 1, nil},
		"never arrives: bounded": {[]error{&apihttp.Error{NotSent: true}, &apihttp.Error{NotSent: true}, &apihttp.Error{NotSent: true},
			&apihttp.Error{NotSent: true}, &apihttp.Error{NotSent: true}, &apihttp.Error{NotSent: true}}, maxAttempts, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}},
	} {
		clock := polltest.New()
		sends := 0
		at, _ := sender{clock: clock}.change(context.Background(), func(context.Context) error {
			err := tc.errs[sends]
			sends++
			return err
		})
		if sends != tc.sends || len(clock.Sleeps()) != len(tc.waits) {
			t.Errorf("%s: %d sends, waits %v; want %d, %v", name, sends, clock.Sleeps(), tc.sends, tc.waits)
			continue
		}
		for i, w := range tc.waits {
			if clock.Sleeps()[i] != w {
				t.Errorf("%s: waits %v; want %v", name, clock.Sleeps(), tc.waits)
			}
		}
		if !at.Equal(polltest.New().Now()) {
			t.Errorf("%s: started at %v; want the first attempt's time", name, at)
		}
	}
}

func TestDocumentProduct(t *testing.T) {
	const p = "8b6f2a4e-1c3d-4e5f-a6b7-c8d9e0f1a2b3"
	sub := `{"$schema":"https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2","product":"product/` + p + `"}`
	for doc, want := range map[string]string{
		`{"resources":[` + sub + `]}`: p,
		`{"resources":[` + sub + `,` + strings.Replace(sub, p, "11111111-2222-4333-8444-555555555555", 1) + `]}`:                         "",
		`{"resources":[{"$schema":"https://schema.mp.microsoft.com/schema/listing/2022-03-01-preview2","product":"product/` + p + `"}]}`: "",
		`{"resources":[{"$schema":"https://schema.mp.microsoft.com/schema/submission/x","product":{"externalId":"contoso-vm"}}]}`:        "",
		`not json`: "",
	} {
		if got := documentProduct([]byte(doc)); got != want {
			t.Errorf("documentProduct(%s) = %q; want %q", doc, got, want)
		}
	}
}
