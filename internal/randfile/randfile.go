// Package randfile writes the deterministic pseudo-random files benchmarks
// measure (benchgen for `make bench`, the store's own benchmarks): content
// is incompressible and the same on every machine for the same seed, so
// runs compare like with like.
package randfile

import (
	"bufio"
	"math/rand/v2"
	"os"
)

// Write writes size bytes from r to path, buffered through w (reset onto
// the file; nil: a new 1 MiB buffer). Reusing w keeps writing thousands of
// small files cheap.
func Write(path string, size int64, r *rand.Rand, w *bufio.Writer) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if w == nil {
		w = bufio.NewWriterSize(f, 1<<20)
	} else {
		w.Reset(f)
	}
	var word [8]byte
	for n := int64(0); n < size; n += 8 {
		v := r.Uint64()
		for j := range word {
			word[j] = byte(v >> (8 * j))
		}
		if _, err := w.Write(word[:min(8, size-n)]); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
