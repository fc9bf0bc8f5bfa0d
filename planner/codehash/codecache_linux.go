//go:build linux

package codehash

import (
	"io/fs"
	"syscall"
)

// inodeCtime returns what Linux's stat adds to size and mtime: a file
// replaced or rewritten within the mtime's granularity changes one of them.
func inodeCtime(fi fs.FileInfo) (inode uint64, ctimeNs int64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino, st.Ctim.Sec*1e9 + st.Ctim.Nsec
	}
	return 0, 0
}
