//go:build unix

package tempdir

import (
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"syscall"
)

func userTag() string { return strconv.Itoa(os.Getuid()) }

func checkOwner(root string, info fs.FileInfo) error {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := os.Getuid(); int(st.Uid) != uid {
		return fmt.Errorf("temporary directory root %s belongs to uid %d, not to you (uid %d): remove it or set TMPDIR", root, st.Uid, uid)
	}
	return nil
}
