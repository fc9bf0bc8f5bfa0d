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
	return ctxReader{ctx: ctx, r: r}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
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
