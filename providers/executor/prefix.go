package executor

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// LinePrefix is the label mlform puts before a step's output lines on the
// terminal: "model.churn v3: ".
func LinePrefix(model string, version int) string {
	return fmt.Sprintf("model.%s v%d: ", model, version)
}

// PrefixWriter writes every line it is given to w with a prefix, whole
// lines at a time, so output of trains running in parallel interleaves by
// line and stays readable. A partial line is held until its newline or
// Flush. It is safe for concurrent use; several PrefixWriters may share w
// when w's Write is itself safe for concurrent use (os.File is).
type PrefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix []byte
	buf    []byte
}

// NewPrefixWriter returns a PrefixWriter writing to w.
func NewPrefixWriter(w io.Writer, prefix string) *PrefixWriter {
	return &PrefixWriter{w: w, prefix: []byte(prefix)}
}

// Write always consumes all of p; it returns the first error of w.
func (p *PrefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.buf = append(p.buf, b...)
			break
		}
		line := make([]byte, 0, len(p.prefix)+len(p.buf)+i+1)
		line = append(append(append(line, p.prefix...), p.buf...), b[:i+1]...)
		p.buf = p.buf[:0]
		b = b[i+1:]
		if _, err := p.w.Write(line); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Flush writes a held partial line, ending it with a newline.
func (p *PrefixWriter) Flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) == 0 {
		return nil
	}
	line := append(append(append([]byte{}, p.prefix...), p.buf...), '\n')
	p.buf = p.buf[:0]
	_, err := p.w.Write(line)
	return err
}
