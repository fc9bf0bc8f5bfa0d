package storage

import (
	"context"
	"io"
)

// PutFile stores the content of r and returns its File (no Path or Mode:
// the caller sets them). Chunks already stored or pending are skipped. The
// chunks become durable at the next Flush; PutManifest flushes first. Safe
// for concurrent use. After a failed pack upload the Store refuses further
// writes: reopen it.
func (s *Store) PutFile(ctx context.Context, r io.Reader) (File, error) {
	if err := s.w.failed.get(); err != nil {
		return File{}, err
	}
	return s.split.split(ctxReader{ctx, r}, sizeOf(r), func(id rawID, data []byte) error {
		return s.w.add(ctx, id, data)
	})
}

// HashFile computes exactly the File that PutFile would return for r (size,
// hash, chunks), storing nothing. The planner uses it at plan time.
func (s *Store) HashFile(r io.Reader) (File, error) {
	return s.split.split(r, sizeOf(r), func(rawID, []byte) error { return nil })
}

// Flush seals the open pack, waits for all pack uploads and writes the index
// object naming their chunks: every File returned by PutFile before the call
// is then durable.
func (s *Store) Flush(ctx context.Context) error {
	return s.w.flush(ctx)
}

// ctxReader stops a long read when ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
