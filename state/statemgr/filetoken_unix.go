//go:build unix

package statemgr

import (
	"fmt"
	"os"
	"syscall"
)

// fileToken identifies a file's current content cheaply: size,
// modification time and inode (a rename over it changes the inode).
func fileToken(fi os.FileInfo) string {
	ino := uint64(0)
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino = uint64(st.Ino)
	}
	return fmt.Sprintf("%d %d %d", fi.Size(), fi.ModTime().UnixNano(), ino)
}
