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
	return ctxReader{ctx: ctx, r: r, abandon: true}
}

// StopOnCancel returns a reader of r that returns ctx's error from the
// first Read after ctx is cancelled; a Read under way finishes first. For
// long reads of readers that return promptly (a file, a stored object), so
// they stop at Ctrl-C without Interruptible's goroutine per Read.
func StopOnCancel(ctx context.Context, r io.Reader) io.Reader {
	return ctxReader{ctx: ctx, r: r}
}

// ctxReader checks ctx before every Read of r; with abandon, a Read
// under way is given up when ctx is cancelled.
type ctxReader struct {
	ctx     context.Context
	r       io.Reader
	abandon bool
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if !c.abandon {
		return c.r.Read(p)
	}
	type result struct {
		n   int
		err error
	}
	buf := make([]byte, len(p))
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
