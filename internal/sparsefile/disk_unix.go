//go:build unix

package sparsefile

import (
	"os"
	"syscall"
)

// Allocated is the disk space the file at path takes (st_blocks, in
// 512-byte units): less than its size when it has holes.
func Allocated(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return -1, nil
	}
	return st.Blocks * 512, nil
}
