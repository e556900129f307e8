// Package start sends the request that starts a publish — publish, go-live
// or a configure job — and says what the gate is then to follow. It never
// prints: what happened comes back as text for the caller to log.
//
// A request that changes something is sent at most once per target. It is
// sent again only while it certainly never reached the API (the connection
// was never made; no token could be had; 429 or 503 with Retry-After), on
// the poller's schedule until the gate's timeout. After an ambiguous failure
// (a timeout, a connection dropped after sending, another 5xx, an answer
// that cannot be read) it is never sent again: the gate follows what began
// since, once it appears; a refusal because something already runs is
// never retried. The reads around a start are retried on the same
// schedule, within the same timeout.
package start

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/auth"
	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/poll"
)

// Result is what a start leaves the gate to follow.
type Result struct {
	// Target is what to follow: the operation (cpp) or job
	// (product-ingestion) that was started, or, when the answer to the
	// request was lost, the offer (an operation not in Known, of Type) or
	// the product (a submission from Since, not in Known).
	Target config.Target
	// Since bounds the submissions that count when Target is a product;
	// Known are what was listed before the request, which never counts: the
	// offer's operation ids (cpp), or the product's submission entries by
	// ingestion.Submission.Key, target and id (a go-live's live entry keeps
	// the id its preview entry was listed under).
	Since time.Time
	Known []string
	// Type is the submissionType of the operation a CPP request starts
	// (publish, golive), for an answer that was lost.
	Type string
	// At is when the start request was sent; zero for a dry run.
	At time.Time
	// Said is what happened, line by line, for the log.
	Said []string
	// Plan is what a dry run would have sent; empty otherwise.
	Plan string
	// Unsure is set when the answer was lost and what began is not known
	// yet: the follower keeps looking until the timeout and, if nothing
	// appears, says this and what it saw.
	Unsure string

	// Image is what an image release (a start with an image source) is
	// about, for the outputs; nil otherwise.
	Image *Image
	// Done, when set, ends the gate at the start with status completed and
	// this notice: nothing is left to follow (the version is already where
	// it was asked to go, or a CPP add-image's PUT was all there was).
	Done string
	// Verify, when set, is called once the work followed has passed: it
	// proves the change landed (the version is in the plan with the source
	// sent). Its error turns the verdict into status error.
	Verify func(ctx context.Context) error
	// Warnings are for the log as warnings: a check that was skipped.
	Warnings []string
}

// Image is an image release's facts for the outputs.
type Image struct {
	// Version is the image version added or found (output image-version).
	Version string
	// SKUIDs are the plan's SKU ids the version went to; cpp: the plan id
	// (output sku-ids).
	SKUIDs []string
	// URNs are publisher:offer:sku:version, when publisher-id is given
	// (output image-urns).
	URNs []string
}

// BusyError is a start refused because something already runs: one
// operation at a time. Never retried.
type BusyError struct {
	// Running describes what runs, when it could be found.
	Running string
	// Way is how to gate on it instead.
	Way string
	Err error
}

func (e *BusyError) Error() string {
	msg := "the start was refused: something already runs"
	if e.Running != "" {
		msg += ": " + e.Running
	}
	if e.Err != nil {
		msg += " (" + e.Err.Error() + ")"
	}
	return msg + ". " + e.Way + ", or serialise release runs with the workflow's `concurrency:` so that one publish runs at a time"
}

func (e *BusyError) Unwrap() error { return e.Err }

// RejectedError is a publish the API refused as invalid (CPP 422): the
// offer failed validation. Messages are the body's reasons.
type RejectedError struct {
	Messages []string
	Err      error
}

func (e *RejectedError) Error() string {
	return "the API refused the publish: the offer failed validation (" + e.Err.Error() + ")"
}

func (e *RejectedError) Unwrap() error { return e.Err }

// Starter starts what the gate follows for one target. retry is how its
// reads and sends are tried again: the poller's schedule, up to the gate's
// timeout, logged to the target's log.
type Starter interface {
	Start(ctx context.Context, t config.Target, retry poll.Retry) (Result, error)
}

// NotSentError is a start that certainly did nothing: every try failed
// before the API acted on it (no connection, no token it took, turned away
// with 429/503 and Retry-After), until the gate gave up.
type NotSentError struct {
	msg string
	Err error
}

func (e *NotSentError) Error() string { return e.msg }
func (e *NotSentError) Unwrap() error { return e.Err }

// sender sends requests with the retry rules of a start.
type sender struct {
	retry poll.Retry
}

// neverReached reports a failure after which the request certainly did
// nothing, and that may pass if it is sent again: the connection was never
// made, the API turned it away with 429 or 503 and said when to come back,
// or a token could not be had (for now).
func neverReached(err error) bool {
	if tokenless(err) {
		return transient(err)
	}
	var e *apihttp.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.NotSent || turnedAway(e)
}

func turnedAway(e *apihttp.Error) bool {
	return (e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusServiceUnavailable) && e.Wait > 0
}

// tokenless reports a request that failed getting its token, so it never
// left with one the API took (after a 401 the client asks for a new token
// and sends again; a 401 is refused before anything is done). The API
// client returns an *apihttp.Error for everything from building the
// request on; what precedes it is the token: a token source's *auth.Error,
// or the context ending while one was fetched.
func tokenless(err error) bool {
	var a *auth.Error
	if errors.As(err, &a) {
		return true
	}
	var e *apihttp.Error
	return !errors.As(err, &e) && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

// unsent reports a failure after which the request certainly did nothing,
// whether or not it is worth sending again.
func unsent(err error) bool {
	var e *apihttp.Error
	return tokenless(err) || errors.As(err, &e) && (e.NotSent || turnedAway(e))
}

func transient(err error) bool {
	var t interface{ Transient() bool }
	return errors.As(err, &t) && t.Transient()
}

// change sends a request that changes something, again only while it
// certainly never reached the API, on the retry schedule. It returns when
// the first try was made (what it started began no earlier) and what the
// tries came to.
func (s sender) change(ctx context.Context, do func(context.Context) error) (at time.Time, tr tries, err error) {
	at = s.clock().Now()
	err = s.retry.Do(ctx, func(ctx context.Context) error {
		tr.n++
		err := do(ctx)
		if ctx.Err() == nil {
			tr.last = err
		}
		return err
	}, neverReached)
	return at, tr, err
}

// tries is how many tries a change made, and the last failure that was the
// API's or the network's, not the gate's own deadline or stop cutting a try
// short: that one says why the start could not go out.
type tries struct {
	n    int
	last error
}

// read makes a request that changes nothing, again on transient failures.
func (s sender) read(ctx context.Context, do func(context.Context) error) error {
	return s.retry.Do(ctx, do, transient)
}

func (s sender) clock() poll.Clock {
	if s.retry.Clock == nil {
		return poll.RealClock{}
	}
	return s.retry.Clock
}

// notSent is the error of a start that certainly did nothing (unsent),
// saying why the gate gave up.
func notSent(ctx context.Context, request string, tr tries, err error) error {
	last := err
	if tr.last != nil {
		last = tr.last
	}
	what := "the start was never sent"
	var e *apihttp.Error
	if errors.As(last, &e) && turnedAway(e) {
		what = fmt.Sprintf("the start was never taken: the API turned it away (HTTP %d)", e.StatusCode)
	}
	var out *poll.OutOfTime
	switch {
	case errors.As(err, &out) || errors.Is(context.Cause(ctx), poll.ErrTimeout):
		return &NotSentError{Err: err, msg: fmt.Sprintf("%s: %s could not go out before the gate's timeout (%s; the last failure: %v). Nothing was started: run the job again once that is fixed", what, request, plural(tr.n, "try", "tries"), last)}
	case ctx.Err() != nil:
		return &NotSentError{Err: err, msg: fmt.Sprintf("the gate was stopped (%v: the job was cancelled, or a timeout-minutes ran out) before the start was sent: %s never went out, nothing was started", context.Cause(ctx), request)}
	}
	return &NotSentError{Err: err, msg: fmt.Sprintf("%s: %s failed before it left (%v). Nothing was started", what, request, err)}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// saysBusy reports text saying that another operation is in the way, as a
// 400 or 422 may (the pages do not give the status code of that refusal).
// Plain substrings, not a regexp: compiling one cost every start of the
// binary (go run ./bench).
func saysBusy(text string) bool {
	text = strings.ToLower(text)
	for _, words := range []string{"in progress", "already running", "already being", "another operation", "another submission", "another publish", "currently running", "currently being", "conflict"} {
		if strings.Contains(text, words) {
			return true
		}
	}
	return false
}

// refusedAsBusy reports a refusal because something already runs: 409, or
// a 400/422 whose message says so.
func refusedAsBusy(err error) bool {
	var e *apihttp.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.StatusCode {
	case http.StatusConflict:
		return true
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return saysBusy(e.Detail) || saysBusy(string(e.Body))
	}
	return false
}

// ambiguous reports a failure after which the request may have been
// acted on: no answer, a connection dropped after sending, a 5xx or 408
// that was not a clear "come back later".
func ambiguous(err error) bool {
	var e *apihttp.Error
	if !errors.As(err, &e) {
		return false
	}
	if e.StatusCode == 0 {
		return !e.NotSent
	}
	return (e.StatusCode >= 500 || e.StatusCode == http.StatusRequestTimeout) && !neverReached(err)
}

// settled is the error a failed start ends with when the failure leaves no
// doubt; nil when it does (the caller then looks for what began). Whatever
// is not a refusal may have been acted on: no answer, a 5xx, or an answer
// the client could not read.
func settled(ctx context.Context, request string, err error) error {
	if ierr := interrupted(ctx, err); ierr != nil {
		return ierr
	}
	if apihttp.StatusOf(err) != 0 && !ambiguous(err) {
		return fmt.Errorf("%s was refused; nothing was started: %w", request, err)
	}
	return nil
}

// readFailed is the error of a read before the start: nothing was sent.
func readFailed(what string, err error) error {
	var out *poll.OutOfTime
	if errors.As(err, &out) {
		return fmt.Errorf("%s before starting failed %s, until the gate's timeout: %w; nothing was started", what, plural(out.Tries, "time", "times"), err)
	}
	return fmt.Errorf("%s before starting: %w; nothing was started", what, err)
}

// interrupted reports that the gate's own context ended (a signal, or the
// timeout) with the request in flight: it may or may not have gone out.
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return nil
	}
	why := context.Cause(ctx).Error()
	if !errors.Is(context.Cause(ctx), poll.ErrTimeout) {
		why += ": the job was cancelled, or a timeout-minutes ran out"
	}
	return fmt.Errorf("the gate was stopped (%s) while the start request was in flight, so it may have been sent: look at Partner Center before starting again: %w", why, err)
}
