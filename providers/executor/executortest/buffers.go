//go:build unix

package executortest

import (
	"bytes"
	"strings"
	"sync"
)

// syncBuffer is a bytes.Buffer safe for the executor's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// readyWriter closes seen once a line equal to want was written.
type readyWriter struct {
	syncBuffer
	want string
	once sync.Once
	seen chan struct{}
}

func newReadyWriter(want string) *readyWriter {
	return &readyWriter{want: want, seen: make(chan struct{})}
}

func (w *readyWriter) Write(p []byte) (int, error) {
	n, err := w.syncBuffer.Write(p)
	if strings.Contains("\n"+w.String(), "\n"+w.want+"\n") {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}
