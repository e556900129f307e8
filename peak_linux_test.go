package main_test

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// vmHWM is the peak resident set of process pid in KiB (VmHWM in
// /proc/pid/status), 0 if unreadable. It is read while the binary waits on a
// request, so the process is alive. getrusage's ru_maxrss would not do: Linux
// carries this test process's own peak across fork and exec into the child's.
func vmHWM(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}
