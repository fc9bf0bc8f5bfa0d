package executor

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// MakeReadOnly makes a materialised snapshot or model directory read-only
// (files 0444, or 0555 when executable; directories 0555) so a train
// command cannot change the data it is recorded as having used. Symlinks
// are left alone (chmod would follow them out of dir).
func MakeReadOnly(dir string) error {
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			return nil
		case d.IsDir():
			return os.Chmod(p, 0o555)
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			mode := fs.FileMode(0o444)
			if info.Mode()&0o111 != 0 {
				mode = 0o555
			}
			return os.Chmod(p, mode)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("make %s read-only: %w", dir, err)
	}
	return nil
}

// RemoveReadOnly removes path and everything below it, first giving the
// owner write permission on directories so read-only trees made by
// MakeReadOnly (where os.RemoveAll alone fails) can be cleaned up. It does
// not follow symlinks. A missing path is not an error.
func RemoveReadOnly(path string) error {
	info, err := os.Lstat(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	if info.IsDir() {
		// Directories are visited before their entries, so each is writable
		// by the time its entries are removed.
		_ = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				_ = os.Chmod(p, 0o755)
			}
			return nil
		})
	}
	if err := os.RemoveAll(path); err != nil {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return nil
}
