package sparsefile

import (
	"fmt"
	"os"
)

// KeepsHoles reports whether the file system under dir keeps a file
// extended by truncate as a hole (tmpfs, ext4, xfs, btrfs do), by probing
// with an 8 MiB file it removes again. False where Allocated cannot tell.
func KeepsHoles(dir string) (bool, error) {
	f, err := os.CreateTemp(dir, ".holes-probe-*")
	if err != nil {
		return false, fmt.Errorf("probe for holes: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := f.Truncate(8 << 20); err != nil {
		return false, fmt.Errorf("probe for holes: %w", err)
	}
	n, err := Allocated(f.Name())
	if err != nil {
		return false, err
	}
	return n >= 0 && n <= 1<<20, nil
}
