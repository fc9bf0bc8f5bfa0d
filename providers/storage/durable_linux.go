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

// writeback starts writing path's dirty pages to disk and returns without
// waiting (sync_file_range(2) SYNC_FILE_RANGE_WRITE). It is a hint, not a
// barrier: syncDir still makes the file durable, so a failure is ignored.
func writeback(path string) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return
	}
	_ = unix.SyncFileRange(fd, 0, 0, unix.SYNC_FILE_RANGE_WRITE)
	_ = unix.Close(fd)
}
