//go:build !unix

package sparsefile

import "os"

// Allocated is unknown on this platform: -1 (the file must exist).
func Allocated(path string) (int64, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, err
	}
	return -1, nil
}
