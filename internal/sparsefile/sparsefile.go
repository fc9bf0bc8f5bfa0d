// Package sparsefile writes a file's content leaving its all-zero blocks
// as holes, as `cp --sparse` and restic's `restore --sparse` do. The store
// records content, not holes, so a sparse image or a preallocated file
// would otherwise come back with every zero written (a 64 MiB image
// holding 5 bytes took 64 MiB on disk); the store's Materialize writes
// files through a Writer.
package sparsefile

import (
	"bytes"
	"io"
	"os"
)

// BlockSize is the granularity of the holes a Writer leaves: a block of a
// file, aligned on its offset, that holds only zero bytes is not written
// (the file system's block size on every common Linux file system).
const BlockSize = 4096

var zeroBlock [BlockSize]byte

// Writer writes a file's content from offset 0 leaving its all-zero
// blocks as holes. Reading the file gives the same bytes; a file system
// without holes stores the zeros as usual. The check is a compare against
// a zero block per 4 KiB, far cheaper than the write it saves. Finish sets
// the size, which the writes alone leave short when the file ends with
// zeros.
type Writer struct {
	f       *os.File
	off     int64 // bytes taken so far
	written int64 // end of the last write: off, unless it ends in a hole
}

// NewWriter returns a Writer filling f, an empty file, from offset 0.
func NewWriter(f *os.File) *Writer { return &Writer{f: f} }

// Write writes p after what was written before, leaving out the blocks of
// p that are whole, aligned and all zeros.
func (w *Writer) Write(p []byte) (int, error) {
	// data is the start in p of the blocks to write in one call: only a
	// zero block ends a run, so data is written as it came.
	data, n := 0, 0
	for n < len(p) {
		// Up to the next block boundary of the file, so a block is
		// judged whole even when writes split it (then it is written).
		end := min(len(p), n+BlockSize-int((w.off+int64(n))%BlockSize))
		if b := p[n:end]; len(b) == BlockSize && bytes.Equal(b, zeroBlock[:]) {
			if err := w.writeAt(p[data:n], w.off+int64(data)); err != nil {
				return data, err
			}
			data = end
		}
		n = end
	}
	if err := w.writeAt(p[data:], w.off+int64(data)); err != nil {
		return data, err
	}
	w.off += int64(len(p))
	return len(p), nil
}

func (w *Writer) writeAt(b []byte, off int64) error {
	if len(b) == 0 {
		return nil
	}
	_, err := w.f.WriteAt(b, off)
	w.written = off + int64(len(b))
	return err
}

// ReadFrom keeps io.Copy from handing the copy to the file (which would
// write every zero) and reads in large pieces.
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	buf := make([]byte, 256<<10)
	var total int64
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return total, werr
			}
			total += int64(n)
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// Finish gives the file its full size when it ends in a hole.
func (w *Writer) Finish() error {
	if w.written != w.off {
		return w.f.Truncate(w.off)
	}
	return nil
}
