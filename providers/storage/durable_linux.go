package storage

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// syncDir flushes the file system holding dir (syncfs(2)): every pack,
// index and manifest the store wrote there, in one call.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync store %s: %w", dir, err)
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("sync store %s: %w", dir, err)
	}
	return nil
}
