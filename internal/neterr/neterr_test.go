package neterr

import (
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
)

func TestCauseDropsAddresses(t *testing.T) {
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 43996}
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&net.OpError{Op: "read", Net: "tcp", Source: local, Addr: remote, Err: os.NewSyscallError("read", syscall.ECONNRESET)}, "read: connection reset by peer"},
		{&net.OpError{Op: "dial", Net: "tcp", Addr: remote, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, "connect: connection refused"},
		{&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "example.invalid"}}, "dial: lookup example.invalid: no such host"},
		{errors.New("plain"), "plain"},
	} {
		got := Cause(tc.err)
		if got.Error() != tc.want {
			t.Errorf("Cause(%v) = %q; want %q", tc.err, got, tc.want)
		}
		var errno syscall.Errno
		if errors.As(tc.err, &errno) && !errors.Is(got, errno) {
			t.Errorf("Cause(%v) lost the errno", tc.err)
		}
	}
}
