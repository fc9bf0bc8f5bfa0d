//go:build unix

package sparsefile

import (
	"testing"
)

// diskSize is Allocated, failing the test on an error.
func diskSize(t *testing.T, p string) int64 {
	n, err := Allocated(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestHoles: all-zero blocks take no disk space, on a file system that
// keeps holes; blocks holding data, even one byte, are written.
func TestHoles(t *testing.T) {
	dir := t.TempDir()
	if ok, err := KeepsHoles(dir); err != nil || !ok {
		t.Skipf("the file system under %s keeps no holes (%v)", dir, err)
	}
	tests := []struct {
		name     string
		data     []byte
		min, max int64 // bounds on the disk space taken
	}{
		{"zeros", make([]byte, 3*mib), 0, 64 << 10},
		{"ends in a hole", island(8*mib, 10, "head"), 1, 64 << 10},
		{"island unaligned", island(8*mib, 3*mib+BlockSize-2, "straddles"), 1, 64 << 10},
	}
	for _, tc := range tests {
		n := diskSize(t, write(t, dir, tc.name, tc.data, 0))
		if n < tc.min || n > tc.max {
			t.Errorf("%s: %d bytes on disk for %d written, want %d..%d", tc.name, n, len(tc.data), tc.min, tc.max)
		}
	}
}
