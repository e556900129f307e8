// Command bench measures marketplace-gate beside what a workflow would run
// instead: a bash loop of curl + jq, and a loop of az rest. All three poll the
// same simulated operation over TLS, on the same schedule, in one run; the
// gate's own schedule is then played with a fake clock over long operations.
//
//	go run ./bench          # everything; installs curl, jq, azure-cli and time if missing
//	go run ./bench -smoke   # a quick pass for CI: few runs, no az, targets checked
//
// It prints Markdown tables, the ones in the README's "Performance" section.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// The targets; a missed one makes the run fail.
const (
	maxBinaryBytes  = 6_000_000
	maxStartup      = 3 * time.Millisecond
	minCurlRatio    = 3
	minAzRatio      = 100
	maxCPUPerPoll   = 300 * time.Microsecond
	maxPeakRSSBytes = 12_000_000
	maxRequestRatio = 1.1
)

func main() {
	os.Exit(run())
}

func run() int {
	smoke := flag.Bool("smoke", false, "quick pass for CI: 3 runs, 10 polls, no az rest, timing targets reported but not enforced")
	runs := flag.Int("runs", 21, "runs for the exec → first request median")
	polls := flag.Int("polls", 200, "polls in the CPU and memory run")
	azPolls := flag.Int("az-polls", 20, "polls in az rest's CPU and memory run (each costs about a second)")
	interval := flag.Duration("interval", 10*time.Millisecond, "the schedule all three poll on")
	trials := flag.Int("trials", 1000, "jittered runs of the gate's schedule per operation length")
	verbose := flag.Bool("v", false, "print every run's CPU time to stderr")
	cpuprofile := flag.String("cpuprofile", "", "also profile the gate over a -polls run and write the CPU profile here")
	flag.Parse()
	if *smoke { // smaller defaults; flags given explicitly still win
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		small := func(name string, v *int, n int) {
			if !set[name] {
				*v = n
			}
		}
		small("runs", runs, 3)
		small("polls", polls, 10)
		small("trials", trials, 50)
	}

	b, err := newBench(*smoke)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	defer b.close()
	b.verbose = *verbose

	fmt.Printf("Measured %s on %s, %s/%s, %d CPUs, Go %s.\n\n", time.Now().Format("2006-01-02"), cpuModel(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version()[2:])
	var failed []string
	side, misses, err := b.sideBySide(*runs, *polls, *azPolls, *interval, *smoke)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	fmt.Println(side)
	failed = append(failed, misses...)

	if *cpuprofile != "" {
		if err := b.profile(*cpuprofile, *polls, *interval); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			return 1
		}
		fmt.Printf("CPU profile of the gate over %d polls: %s (go tool pprof %[2]s)\n\n", *polls, *cpuprofile)
	}

	sched, misses := schedules(*trials)
	fmt.Println(sched)
	failed = append(failed, misses...)
	fmt.Println(runnerMinutes())

	if len(failed) > 0 {
		fmt.Fprintf(os.Stderr, "bench: targets missed:\n")
		for _, f := range failed {
			fmt.Fprintf(os.Stderr, "  - %s\n", f)
		}
		return 1
	}
	return 0
}

// cpuModel names the processor, so figures can be compared across machines.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "an unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "an unknown CPU"
}
