//go:build unix

package storage

import (
	"errors"
	"syscall"
)

// processAlive reports whether a process with this pid exists on this host
// (signal 0 checks without sending anything; EPERM: it exists as another
// user). Stale store-lock detection uses it for holders on this host.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
