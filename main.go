// Command marketplace-gate waits on an Azure Marketplace publishing operation
// and fails the job unless the publish went through. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"

	// CA roots inside the binary: the release image is scratch, with no CA files.
	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/marketplace-gate/marketplace-gate/internal/command"
)

func main() {
	// The gate waits on the network: one processor spares it the
	// cross-thread wake-ups of a second (a fifth of its CPU per poll), and a
	// heap allowed to grow half its live size, not all of it, keeps the
	// process under 12 MB (go run ./bench).
	runtime.GOMAXPROCS(1)
	debug.SetGCPercent(50)
	// A cancelled job and a step's or the job's timeout-minutes running out
	// reach us alike: the runner signals the docker CLI, which forwards each
	// signal to the container: SIGINT, 7.5 s later SIGTERM, 2.5 s after that
	// SIGKILL of the CLI alone, which would leave this container running.
	// So a signal is a stop, not necessarily a cancel. Either signal ends
	// the wait; we exit within a second.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := command.Run(ctx, command.Env{Args: os.Args[1:], Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
