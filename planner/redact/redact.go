// Package redact hides sensitive values in the output of a step (a
// trainer's or evaluator's stdout and stderr, streamed to the terminal and
// the stored logs): NewWriter replaces every secret with config's
// placeholder before passing the stream on. The output is untrusted and
// arbitrary, so the writer is fuzzed on its own, apart from the engine and
// the store's drivers.
package redact

import (
	"bytes"
	"io"
	"slices"

	"github.com/mlform/mlform/config/vars"
)

// MinLen is the shortest sensitive text redacted from step output and
// errors: shorter strings would garble unrelated words (config's
// diagnostics use the same floor).
const MinLen = 3

// MaxPending bounds how much of a line without a newline a step's output
// writers hold before passing it on: a trainer printing a progress bar with
// \r, or binary noise, must not grow memory without bound.
const MaxPending = 64 << 10

// writer replaces secrets in a stream with config's placeholder before
// passing it on. It works on whole lines, so a secret split across two
// writes is still found; a line longer than limit is passed on in pieces,
// holding back enough bytes that no secret straddles a cut. Close flushes
// the rest.
type writer struct {
	w       io.Writer
	secrets [][]byte
	longest int
	limit   int
	buf     []byte
}

// NewWriter returns a writer that redacts secrets from what it passes on
// to w (an io.WriteCloser: Close writes what is left of a last line), or
// w itself when there is nothing to redact.
func NewWriter(w io.Writer, secrets []string) io.Writer {
	return newWriter(w, secrets, MaxPending)
}

// newWriter is NewWriter holding about limit bytes of a line at most
// (tests lower it, so short inputs reach the cutting of long lines).
func newWriter(w io.Writer, secrets []string, limit int) io.Writer {
	if len(secrets) == 0 {
		return w
	}
	r := &writer{w: w, limit: limit}
	for _, s := range secrets {
		r.secrets = append(r.secrets, []byte(s))
		r.longest = max(r.longest, len(s))
	}
	// Longest first: a secret that holds a shorter one is replaced whole.
	slices.SortStableFunc(r.secrets, func(a, b []byte) int { return len(b) - len(a) })
	return r
}

func (r *writer) Write(b []byte) (int, error) {
	r.buf = append(r.buf, b...)
	if i := bytes.LastIndexByte(r.buf, '\n'); i >= 0 {
		if err := r.emit(r.buf[:i+1]); err != nil {
			return 0, err
		}
		r.buf = append(r.buf[:0], r.buf[i+1:]...)
	}
	if len(r.buf) > r.limit {
		// Hold back the last longest-1 bytes as they are: a secret may
		// start there and not be complete yet (and a shorter secret there
		// may be only the start of a longer one, so nothing in them is
		// replaced now). A secret longer than the limit is held back
		// whole (memory stays bounded by the longest secret).
		if red, n := r.redactBefore(r.buf, len(r.buf)-(r.longest-1)); n > 0 {
			if _, err := r.w.Write(red); err != nil {
				return 0, err
			}
			r.buf = append(r.buf[:0], r.buf[n:]...)
		}
	}
	return len(b), nil
}

// redactBefore returns b up to cut with every secret that starts before
// cut replaced (scanning from the left, the longest secret at each
// position), and how many bytes of b that covers: cut, or more when a
// secret starting before cut ends after it.
func (r *writer) redactBefore(b []byte, cut int) ([]byte, int) {
	if cut <= 0 {
		return nil, 0
	}
	var out []byte
	i, done := 0, 0
	for i < cut {
		s := r.secretAt(b, i)
		if s == 0 {
			i++
			continue
		}
		out = append(append(out, b[done:i]...), vars.SensitivePlaceholder...)
		i += s
		done = i
	}
	return append(out, b[done:i]...), i
}

// secretAt is the length of the longest secret b holds at i, 0 for none.
func (r *writer) secretAt(b []byte, i int) int {
	for _, s := range r.secrets { // longest first
		if len(s) > 0 && b[i] == s[0] && bytes.HasPrefix(b[i:], s) {
			return len(s)
		}
	}
	return 0
}

// Close writes what is left of the last line.
func (r *writer) Close() error {
	if len(r.buf) == 0 {
		return nil
	}
	err := r.emit(r.buf)
	r.buf = r.buf[:0]
	return err
}

func (r *writer) emit(b []byte) error {
	_, err := r.w.Write(r.redact(b))
	return err
}

// redact returns b with every secret replaced; it may return b itself.
func (r *writer) redact(b []byte) []byte {
	out := b
	for _, s := range r.secrets {
		if bytes.Contains(out, s) {
			out = bytes.ReplaceAll(out, s, []byte(vars.SensitivePlaceholder))
		}
	}
	return out
}
