// Package neterr says what went wrong on the wire in words that stay the same
// from one connection to the next.
package neterr

import (
	"errors"
	"fmt"
	"net"
	"os"
)

// Cause drops the addresses a *net.OpError repeats: the local port changes
// with every connection, which would make each retry of the same failure
// look new ("read tcp 127.0.0.1:43996->…: connection reset by peer" becomes
// "read: connection reset by peer"). Other errors are returned as they are.
func Cause(err error) error {
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Err == nil {
		return err
	}
	var se *os.SyscallError
	if errors.As(oe.Err, &se) {
		return fmt.Errorf("%s: %w", se.Syscall, se.Err)
	}
	return fmt.Errorf("%s: %w", oe.Op, oe.Err)
}
