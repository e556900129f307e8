// Package start sends the request that starts a publish — publish, go-live
// or a configure job — and says what the gate is then to follow. It never
// prints: what happened comes back as text for the caller to log.
//
// A request that changes something is sent at most once per target. It is
// sent again only when it certainly never reached the API (the connection
// was never made; 429 or 503 with Retry-After). After an ambiguous failure
// (a timeout, a connection dropped after sending, another 5xx) the API is
// asked what began since the request was sent, and that is followed; a
// refusal because something already runs is never retried.
package start

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/apihttp"
	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/poll"
)

// Result is what a start leaves the gate to follow.
type Result struct {
	// Target is what to follow: the operation (cpp) or job
	// (product-ingestion) that was started, or, when the answer to the
	// request was lost, the product, from Since.
	Target config.Target
	// Since bounds the submissions that count when Target is a product;
	// Known are the submissions listed before the request, which never do.
	Since time.Time
	Known []string
	// At is when the start request was sent; zero for a dry run.
	At time.Time
	// Said is what happened, line by line, for the log.
	Said []string
	// Plan is what a dry run would have sent; empty otherwise.
	Plan string
	// Unsure is set when the answer was lost and what began is not known
	// yet: the follower gives up, saying this, if nothing appears.
	Unsure string
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

// Starter starts what the gate follows for one target.
type Starter interface {
	Start(ctx context.Context, t config.Target) (Result, error)
}

// maxAttempts bounds how often a request is sent that certainly never
// reached the API, and how often a read is retried.
const maxAttempts = 5

// sender sends requests with the retry rules of a start.
type sender struct {
	clock poll.Clock
}

// neverReached reports a failure after which the request certainly did
// nothing: the connection was never made, or the API turned it away with
// 429 or 503 and said when to come back.
func neverReached(err error) bool {
	var e *apihttp.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.NotSent || (e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusServiceUnavailable) && e.Wait > 0
}

// change sends a request that changes something, again only while it
// certainly never reached the API. It returns when the first attempt was
// sent: what it started began no earlier.
func (s sender) change(ctx context.Context, do func(context.Context) error) (time.Time, error) {
	first := s.clock.Now()
	return first, s.retry(ctx, do, neverReached)
}

// read makes a request that changes nothing, again on transient failures.
func (s sender) read(ctx context.Context, do func(context.Context) error) error {
	return s.retry(ctx, do, func(err error) bool {
		var t interface{ Transient() bool }
		return errors.As(err, &t) && t.Transient()
	})
}

func (s sender) retry(ctx context.Context, do func(context.Context) error, again func(error) bool) error {
	for attempt := 1; ; attempt++ {
		err := do(ctx)
		if err == nil || !again(err) || attempt == maxAttempts {
			return err
		}
		wait := time.Duration(1<<(attempt-1)) * time.Second
		var e *apihttp.Error
		if errors.As(err, &e) && e.Wait > wait {
			wait = e.Wait
		}
		if serr := s.clock.Sleep(ctx, wait); serr != nil {
			return errors.Join(err, serr)
		}
	}
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
// doubt; nil when it does (the caller then looks for what began).
func settled(ctx context.Context, request string, err error) error {
	if ierr := interrupted(ctx, err); ierr != nil {
		return ierr
	}
	switch {
	case ambiguous(err):
		return nil
	case apihttp.StatusOf(err) != 0:
		return fmt.Errorf("%s was refused; nothing was started: %w", request, err)
	}
	return fmt.Errorf("%s failed; nothing was started: %w", request, err)
}

// interrupted reports that the gate's own context ended (a signal, or the
// timeout): the request may or may not have gone out.
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return nil
	}
	return fmt.Errorf("the gate stopped while the start request was in flight, so it may have been sent: look at Partner Center before starting again: %w", context.Cause(ctx))
}
