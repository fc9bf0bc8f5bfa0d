package step

import (
	"bytes"
	"io"
	"os"
	"sync"

	"github.com/mlform/mlform/planner/redact"
)

// LineWriter hands whole output lines to Log (nil: it drops them).
type LineWriter struct {
	mu  sync.Mutex
	Log func(string)
	buf []byte
}

func (w *LineWriter) Write(b []byte) (int, error) {
	if w.Log == nil {
		return len(b), nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.Log(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) > redact.MaxPending { // a line without end: show it in pieces
		w.Log(string(w.buf))
		w.buf = nil
	}
	return len(b), nil
}

// Flush hands on what is left of a last line without an end.
func (w *LineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 && w.Log != nil {
		w.Log(string(w.buf))
	}
	w.buf = nil
}

// Capture is a step's two output streams: each written to its log file
// under out (StdoutPath, StderrPath) and to a second writer, secrets
// redacted before either sees them. Close flushes and closes them.
type Capture struct {
	Stdout, Stderr io.Writer
	files          []*os.File
}

// NewCapture creates out's log files and the writers that fill them
// (stdout and stderr also receive each stream; they may be one writer).
func NewCapture(out *Output, secrets []string, stdout, stderr io.Writer) (*Capture, error) {
	c := &Capture{}
	for i, p := range []string{out.StdoutPath, out.StderrPath} {
		f, err := os.Create(p)
		if err != nil {
			c.Close()
			return nil, err
		}
		c.files = append(c.files, f)
		also := stdout
		if i == 1 {
			also = stderr
		}
		w := redact.NewWriter(io.MultiWriter(f, also), secrets)
		if i == 0 {
			c.Stdout = w
		} else {
			c.Stderr = w
		}
	}
	return c, nil
}

// Close flushes the redacting writers (what they held back of a possible
// secret) and closes the log files.
func (c *Capture) Close() {
	for _, w := range []io.Writer{c.Stdout, c.Stderr} {
		if cl, ok := w.(io.Closer); ok {
			cl.Close()
		}
	}
	for _, f := range c.files {
		f.Close()
	}
}
