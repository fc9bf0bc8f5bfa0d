//go:build unix

package storage

import (
	"os"
	"syscall"
	"testing"
)

// allocated is the disk space p takes (st_blocks, in 512-byte units).
func allocated(t *testing.T, p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Blocks * 512
}
