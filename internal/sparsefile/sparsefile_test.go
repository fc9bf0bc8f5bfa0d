package sparsefile

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

const mib = 1 << 20

// island returns size zero bytes but for data at off.
func island(size, off int, data string) []byte {
	b := make([]byte, size)
	copy(b[off:], data)
	return b
}

// write writes data to a new file in dir through a Writer, in writes of at
// most piece bytes (0: io.Copy, through ReadFrom).
func write(t *testing.T, dir, name string, data []byte, piece int) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := NewWriter(f)
	if piece == 0 {
		if _, err := io.Copy(w, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
	} else {
		for rest := data; len(rest) > 0; {
			n, err := w.Write(rest[:min(len(rest), piece)])
			if err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

var cases = map[string][]byte{
	"empty":            nil,
	"short":            []byte("hello"),
	"zeros":            make([]byte, 3*mib),
	"short zeros":      make([]byte, BlockSize-1),
	"ends in a hole":   island(2*mib, 10, "head"),
	"starts in a hole": island(2*mib, 2*mib-3, "end"),
	"one byte a block": island(BlockSize*3, BlockSize+BlockSize/2, "x"),
	"island unaligned": island(5*mib+7, 3*mib+BlockSize-2, "straddles a block boundary"),
}

// TestContent: whatever the holes, the file reads back as written, with
// its full size, however the writes split its blocks.
func TestContent(t *testing.T) {
	dir := t.TempDir()
	for name, data := range cases {
		for _, piece := range []int{0, 1000, BlockSize, 3*BlockSize + 1} {
			if piece == 1000 && len(data) > mib {
				continue // slow and no different from 3*BlockSize+1
			}
			got, err := os.ReadFile(write(t, dir, "f", data, piece))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Errorf("%s (writes of %d): read back %d bytes, want %d equal to those written", name, piece, len(got), len(data))
			}
		}
	}
}
