//go:build !unix

package statemgr

import (
	"fmt"
	"os"
)

// fileToken identifies a file's current content cheaply: size and
// modification time.
func fileToken(fi os.FileInfo) string {
	return fmt.Sprintf("%d %d", fi.Size(), fi.ModTime().UnixNano())
}
