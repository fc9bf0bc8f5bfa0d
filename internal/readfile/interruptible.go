package readfile

import (
	"context"
	"io"
)

// Interruptible returns a reader of r whose Read gives up when ctx is
// cancelled: a Read blocked on r (standard input from a pipe nobody
// closes) returns ctx's error at once, and the read itself is left to
// finish in the background. For the commands that read standard input
// (fmt -, state push -) and must still stop on Ctrl-C.
func Interruptible(ctx context.Context, r io.Reader) io.Reader {
	return &interruptible{ctx: ctx, r: r}
}

// StopOnCancel returns a reader of r that returns ctx's error from the
// first Read after ctx is cancelled; a Read under way finishes first. For
// long reads of readers that return promptly (a file, a stored object), so
// they stop at Ctrl-C without Interruptible's goroutine per Read.
func StopOnCancel(ctx context.Context, r io.Reader) io.Reader {
	return stopOnCancel{ctx: ctx, r: r}
}

type stopOnCancel struct {
	ctx context.Context
	r   io.Reader
}

func (c stopOnCancel) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// interruptibleChunk bounds one Read of an Interruptible reader: the
// caller's buffer may be huge (io.ReadAll grows it to the size of the
// input), and the read goes to a buffer of the reader's own that it
// reuses, so reading a large input costs no more than reading it straight.
const interruptibleChunk = 64 << 10

type interruptible struct {
	ctx context.Context
	r   io.Reader
	// buf is the buffer each read goes to. The read left running when
	// ctx is cancelled may still write to it; no Read uses it after that.
	buf []byte
}

func (c *interruptible) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	type result struct {
		n   int
		err error
	}
	if c.buf == nil {
		c.buf = make([]byte, interruptibleChunk)
	}
	buf := c.buf[:min(len(p), len(c.buf))]
	done := make(chan result, 1)
	go func() {
		n, err := c.r.Read(buf)
		done <- result{n, err}
	}()
	select {
	case r := <-done:
		return copy(p, buf[:r.n]), r.err
	case <-c.ctx.Done():
		return 0, c.ctx.Err()
	}
}
