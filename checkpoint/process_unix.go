//go:build unix

package checkpoint

import (
	"errors"
	"syscall"
)

// processGone reports whether no process pid runs on this machine:
// signal 0 checks for the process without touching it.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
