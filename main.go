// Command marketplace-gate waits on an Azure Marketplace publishing operation
// and fails the job unless the publish went through. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	// CA roots inside the binary: the release image is scratch, with no CA files.
	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/marketplace-gate/marketplace-gate/internal/command"
)

func main() {
	// The runner cancels a job with SIGINT, then SIGTERM: either ends the wait.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := command.Run(ctx, command.Env{Args: os.Args[1:], Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
