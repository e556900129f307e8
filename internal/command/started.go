package command

import (
	"context"
	"errors"
	"html"

	"github.com/marketplace-gate/marketplace-gate/internal/poll"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
	"github.com/marketplace-gate/marketplace-gate/internal/start"
	"github.com/marketplace-gate/marketplace-gate/internal/verdict"
)

// start sends the start request and says what came of it; a verdict when
// the gate ends there (a dry run, a refusal, an error). Its reads and sends
// are tried again on retry's schedule, each holding a slot of the bound on
// requests in flight (never a wait between tries).
func (w *watch) start(ctx context.Context, retry poll.Retry) (start.Result, *verdict.Verdict) {
	res, err := w.api.starter.Start(ctx, w.target, retry)
	for _, line := range res.Said {
		w.log.Logf("%s", line)
	}
	for _, warning := range res.Warnings {
		w.log.Warn(warning)
	}
	v := verdict.Verdict{OfferID: w.name, Kind: w.kind, StartedAt: res.At}
	withImage(&v, res.Image)
	var busy *start.BusyError
	var rejected *start.RejectedError
	var unsent *start.NotSentError
	switch {
	case err == nil && res.Plan != "":
		w.log.Logf("Dry run: would send %s", res.Plan)
		v.Status, v.Plan = verdict.DryRun, res.Plan
	case err == nil && res.Done != "":
		// Nothing to follow: what was asked is already done.
		v.Status, v.Notice = verdict.Completed, res.Done
	case err == nil:
		return res, nil
	case errors.As(err, &rejected):
		// The refusal's reasons are shown as a failed step's messages.
		op := rejectedOperation(rejected)
		w.log.Snapshot(&op, 0)
		v.Status, v.Operation, v.FailedStep = verdict.Failed, &op, publishStep
	case errors.As(err, &unsent):
		// Nothing was started: an error, even at the timeout (the gate did
		// not run out of time waiting on a publish; there is none). A stop
		// by the runner stays a stop.
		v.Status, v.Err = verdict.Error, err
		if ctx.Err() != nil && !errors.Is(context.Cause(ctx), poll.ErrTimeout) {
			v.Status = verdict.Interrupted
		}
	case ctx.Err() != nil && !errors.As(err, &busy):
		v.Status, v.Err = poll.StopCause(ctx, err)
	default:
		v.Status, v.Err = verdict.Error, err
	}
	return res, &v
}

// publishStep names the request that a refused start failed at.
const publishStep = "publish"

// rejectedOperation shows a publish the API refused as invalid as a failed
// step whose messages are the reasons.
func rejectedOperation(r *start.RejectedError) snapshot.Operation {
	step := snapshot.Step{ID: publishStep, Name: "Publish request", Description: "The API validates the offer before publishing", Status: string(snapshot.StateFailed), ProgressPercentage: 100}
	for _, m := range r.Messages {
		step.Messages = append(step.Messages, snapshot.Message{HTML: html.EscapeString(m), Level: "error"})
	}
	if len(step.Messages) == 0 {
		step.Messages = append(step.Messages, snapshot.Message{HTML: html.EscapeString(r.Error()), Level: "error"})
	}
	return snapshot.Operation{Status: string(snapshot.StateFailed), Steps: []snapshot.Step{step}}
}
