// Package syncbuf holds the buffers tests hand to code that writes from
// several goroutines (an executor's output streams, a progress printer),
// so that a test can read what was written so far, or wait for a line,
// without a data race.
package syncbuf

import (
	"bytes"
	"slices"
	"strings"
	"sync"
)

// Buffer is a bytes.Buffer safe for concurrent Write and String.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// LineWaiter is a Buffer whose Seen channel closes once a whole line equal
// to the wanted one has been written: tests wait on it instead of sleeping.
type LineWaiter struct {
	Buffer
	want string
	once sync.Once
	seen chan struct{}
}

// NewLineWaiter waits for the line want (without its newline).
func NewLineWaiter(want string) *LineWaiter {
	return &LineWaiter{want: want, seen: make(chan struct{})}
}

func (w *LineWaiter) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	if strings.Contains("\n"+w.String(), "\n"+w.want+"\n") {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

// Seen is closed once the line has been written.
func (w *LineWaiter) Seen() <-chan struct{} { return w.seen }

// Writes records every Write separately, for tests of code that promises
// how it cuts its output (an executor writes one whole line per Write).
type Writes struct {
	mu sync.Mutex
	w  []string
}

func (w *Writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.w = append(w.w, string(p))
	return len(p), nil
}

// All returns the writes so far, in order.
func (w *Writes) All() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.w)
}
