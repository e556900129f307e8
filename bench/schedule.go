package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/poll"
	"github.com/marketplace-gate/marketplace-gate/internal/poll/polltest"
	"github.com/marketplace-gate/marketplace-gate/internal/snapshot"
)

// lengths are the simulated operations: a quick update to a certification.
var lengths = []struct {
	name string
	d    time.Duration
}{{"1 min", time.Minute}, {"1 h", time.Hour}, {"6 h", 6 * time.Hour}, {"3 days", 72 * time.Hour}}

// fixedLoop is the interval of the usual hand-written loop.
const fixedLoop = 10 * time.Second

// schedules plays the gate's real poller with a fake clock (no sleeping) over
// operations that turn terminal after each length, trials times each with
// its jitter, and compares the requests made and the lag between the
// terminal state and its detection with the ideal capped exponential
// schedule (no jitter) and a fixed 10-second loop.
func schedules(trials int) (string, []string) {
	initial := config.DefaultInitialInterval(config.APICPP)
	maxInterval, _ := time.ParseDuration(config.Default("max-interval"))
	var t strings.Builder
	fmt.Fprintf(&t, "| operation | gate: requests, mean (max) of %d runs | ideal | ratio, worst | gate: lag, max | ideal: lag | fixed %s loop: requests | lag, max |\n", trials, fixedLoop)
	t.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	var misses []string
	for _, l := range lengths {
		idealN, idealLag := ideal(l.d, initial, maxInterval)
		var sum, worst int
		var worstLag time.Duration
		for range trials {
			n, lag := gate(l.d, initial, maxInterval)
			sum, worst, worstLag = sum+n, max(worst, n), max(worstLag, lag)
		}
		fixedN := int((l.d+fixedLoop-1)/fixedLoop) + 1
		r := float64(worst) / float64(idealN)
		fmt.Fprintf(&t, "| %s | %.1f (%d) | %d | %.2f× | %s | %s | %d | %s |\n",
			l.name, float64(sum)/float64(trials), worst, idealN, r, worstLag.Round(time.Second), idealLag.Round(time.Second), fixedN, fixedLoop)
		if r > maxRequestRatio {
			misses = append(misses, fmt.Sprintf("%s operation: %d requests, %.2f× the ideal %d", l.name, worst, r, idealN))
		}
		if worstLag > maxInterval {
			misses = append(misses, fmt.Sprintf("%s operation: detected %s late, more than max-interval %s", l.name, worstLag, maxInterval))
		}
	}
	fmt.Fprintf(&t, "\nDefaults: initial-interval %s, max-interval %s, ×%.1f a poll, jitter ±%.0f%%.\n", initial, maxInterval, poll.Multiplier, poll.Jitter*100)
	return t.String(), misses
}

// gate runs the poller on an operation that completes after d and returns
// the requests it made and how late it saw the end.
func gate(d, initial, maxInterval time.Duration) (int, time.Duration) {
	clock := polltest.New()
	end := clock.Now().Add(d)
	p := poll.Poller{
		Clock:           clock,
		Timeout:         d + 24*time.Hour,
		InitialInterval: initial,
		MaxInterval:     maxInterval,
		Fetch: func(context.Context) (snapshot.Operation, error) {
			if clock.Now().Before(end) {
				return snapshot.Operation{Status: "running"}, nil
			}
			return snapshot.Operation{Status: "succeeded"}, nil
		},
	}
	v := p.Run(context.Background())
	return v.Polls, clock.Now().Sub(end)
}

// ideal is the jitter-free capped exponential schedule: a poll at once, then
// after waits of initial, initial×1.5, … up to maxInterval.
func ideal(d, initial, maxInterval time.Duration) (int, time.Duration) {
	var at time.Duration
	n, wait := 1, float64(initial)
	for at < d {
		at += time.Duration(wait)
		wait = min(wait*poll.Multiplier, float64(maxInterval))
		n++
	}
	return n, at - d
}

// runnerMinutes prices a 3-day certification in GitHub-hosted runner minutes:
// one job waiting all along, against an hourly scheduled check with
// wait: false (GitHub bills each job rounded up to a whole minute).
func runnerMinutes() string {
	const days = 3
	waiting := days * 24 * 60
	checks := days * 24
	return fmt.Sprintf(`| watching a %d-day certification | runner minutes billed |
|---|---:|
| one job that waits (wait: true) | %d (and GitHub-hosted jobs stop at 6 h) |
| an hourly scheduled check (wait: false) | %d (%d jobs × 1 min) |
| ratio | %d× |
`, days, waiting, checks, checks, waiting/checks)
}
