//go:build unix && !linux

package storage

import "golang.org/x/sys/unix"

// syncDir flushes every file system (sync(2)): other systems have no
// per-file-system call.
func syncDir(string) error {
	unix.Sync()
	return nil
}

// writeback is a no-op here: syncDir's sync(2) is the only call.
func writeback(string) {}
