package start

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/auth"
	"github.com/marketplace-gate/marketplace-gate/internal/poll"
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
		"message not a string": {`{"message":{"text":"x"},"details":[{"message":"ok"}]}`, []string{"ok"}},
		// The JSON-string body a Partner Center 400 has been recorded with
		// (../shared/captures/pcv1-setup-400-json-string-wrapped-error.json).
		"a JSON string": {`"ICH50400 - Unable to complete request. {\"faultCode\":50400,\"data\":{\"FeatureName\":[\"The field FeatureName is invalid.\"]}}"`,
			[]string{`ICH50400 - Unable to complete request. {"faultCode":50400,"data":{"FeatureName":["The field FeatureName is invalid."]}}`}},
		"OAuth's form":       {`{"error":"invalid_request","error_description":"The offer has no plan."}`, []string{"The offer has no plan."}},
		"a validations list": {`{"value":[{"errorCode":"Resell-20007","severity":"Error","message":"ResellerConfiguration module is missing.."}]}`, []string{"ResellerConfiguration module is missing.."}},
		"details an object":  {`{"error":{"code":"c","message":"top","details":{}}}`, []string{"top"}},
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
		{fmt.Errorf("POST publish: getting a token: %w", &auth.Error{Msg: "HTTP 500", Retry: true}), true, false, false},
		{fmt.Errorf("POST publish: getting a token: %w", &auth.Error{Msg: "Azure AD refused the sign-in"}), false, false, false},
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
// something is repeated only while it certainly did nothing, on the
// poller's schedule (waiting longer when the API asks), until the deadline;
// anything else ends the tries at once.
func TestChangeIsSentAgainOnlyWhenItNeverArrived(t *testing.T) {
	refused := func() error { return &apihttp.Error{NotSent: true, Retry: true} }
	tokenDown := func() error {
		return fmt.Errorf("POST publish: getting a token: %w", &auth.Error{Msg: "Azure AD token endpoint answered HTTP 500", Retry: true})
	}
	for name, tc := range map[string]struct {
		errs   []func() error
		sends  int
		waits  []time.Duration
		gaveUp bool
	}{
		"refused connection, then accepted": {[]func() error{refused, nil}, 2, []time.Duration{10 * time.Millisecond}, false},
		"429 with Retry-After":              {[]func() error{func() error { return &apihttp.Error{StatusCode: 429, Wait: 50 * time.Millisecond} }, nil}, 2, []time.Duration{50 * time.Millisecond}, false},
		"token refused, then had":           {[]func() error{tokenDown, tokenDown, nil}, 3, []time.Duration{10 * time.Millisecond, 15 * time.Millisecond}, false},
		"500: once":                         {[]func() error{func() error { return &apihttp.Error{StatusCode: 500, Retry: true} }, nil}, 1, nil, false},
		"503 without Retry-After: once":     {[]func() error{func() error { return &apihttp.Error{StatusCode: 503, Retry: true} }, nil}, 1, nil, false},
		"dropped after sending: once":       {[]func() error{func() error { return &apihttp.Error{Retry: true, Err: errors.New("EOF")} }, nil}, 1, nil, false},
		"409: once":                         {[]func() error{func() error { return &apihttp.Error{StatusCode: http.StatusConflict} }, nil}, 1, nil, false},
		"sign-in refused: once":             {[]func() error{func() error { return &auth.Error{Msg: "Azure AD refused the sign-in"} }, nil}, 1, nil, false},
		"Retry-After past the deadline":     {[]func() error{func() error { return &apihttp.Error{StatusCode: 503, Wait: time.Hour} }, nil}, 1, nil, true},
		// 10+15+22.5+33.75 ms = 81.25 ms; the fifth wait (40 ms, capped) would end past 100 ms.
		"never arrives: until the deadline": {[]func() error{refused, refused, refused, refused, refused, refused, refused, refused}, 5,
			[]time.Duration{10 * time.Millisecond, 15 * time.Millisecond, 22500 * time.Microsecond, 33750 * time.Microsecond}, true},
	} {
		clock := polltest.New()
		retry := poll.Retry{Clock: clock, InitialInterval: 10 * time.Millisecond, MaxInterval: 40 * time.Millisecond, Deadline: clock.Now().Add(100 * time.Millisecond)}
		sends := 0
		at, tr, err := sender{retry: retry}.change(context.Background(), func(context.Context) error {
			f := tc.errs[sends]
			sends++
			if f == nil {
				return nil
			}
			return f()
		})
		var out *poll.OutOfTime
		if sends != tc.sends || tr.n != sends || errors.As(err, &out) != tc.gaveUp || !slices.EqualFunc(clock.Sleeps(), tc.waits, near) {
			t.Errorf("%s: %d sends (%d tries), waits %v, %v; want %d, %v, out of time %v", name, sends, tr.n, clock.Sleeps(), err, tc.sends, tc.waits, tc.gaveUp)
		}
		if !at.Equal(polltest.New().Now()) {
			t.Errorf("%s: started at %v; want the first attempt's time", name, at)
		}
	}
}

// near compares waits within the schedule's jitter.
func near(a, b time.Duration) bool {
	d := a - b
	return d <= b/20+1 && -d <= b/20+1
}

// TestNotSentSaysWhatHappened: a start that never left says so, and why
// the gate gave up: the timeout, a stop, or a failure not worth a retry.
func TestNotSentSaysWhatHappened(t *testing.T) {
	token := fmt.Errorf("POST publish: getting a token: %w", &auth.Error{Msg: "Azure AD token endpoint answered HTTP 500", Retry: true})
	timedOut, cancel := context.WithCancelCause(context.Background())
	cancel(poll.ErrTimeout)
	stopped, stop := context.WithCancelCause(context.Background())
	stop(errors.New("interrupt signal received"))
	for name, tc := range map[string]struct {
		ctx  context.Context
		err  error
		last error // the last try's own failure, when a stop cut the final one short
		want []string
	}{
		"out of time":    {context.Background(), &poll.OutOfTime{Err: token, Tries: 7}, nil, []string{"the start was never sent", "before the gate's timeout", "7 tries", "HTTP 500", "Nothing was started"}},
		"the timeout":    {timedOut, fmt.Errorf("POST publish: getting a token: %w", context.Canceled), token, []string{"the start was never sent", "before the gate's timeout", "the last failure: POST publish: getting a token: Azure AD token endpoint answered HTTP 500"}},
		"a signal":       {stopped, token, nil, []string{"the gate was stopped (interrupt signal received: the job was cancelled, or a timeout-minutes ran out) before the start was sent", "nothing was started"}},
		"turned away":    {context.Background(), &poll.OutOfTime{Err: &apihttp.Error{StatusCode: 429, Wait: time.Hour}, Tries: 1}, nil, []string{"never taken: the API turned it away (HTTP 429)", "1 try;"}},
		"not worth more": {context.Background(), &auth.Error{Msg: "Azure AD refused the sign-in (invalid_client)"}, nil, []string{"the start was never sent", "failed before it left (Azure AD refused the sign-in (invalid_client))"}},
	} {
		if !unsent(tc.err) {
			t.Errorf("%s: %v is not taken for unsent", name, tc.err)
			continue
		}
		tr := tries{n: 1, last: tc.last}
		if out := (*poll.OutOfTime)(nil); errors.As(tc.err, &out) {
			tr.n = out.Tries
		}
		msg := notSent(tc.ctx, "POST …/offers/contoso-vm/publish", tr, tc.err).Error()
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q lacks %q", name, msg, w)
			}
		}
		if strings.Contains(msg, "may have") || strings.Contains(msg, "will retry") {
			t.Errorf("%s: %q doubts or promises", name, msg)
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
