package storage

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/mlform/mlform/providers/storage/chunker"

	"github.com/mlform/mlform/internal/readfile"
	"github.com/mlform/mlform/providers/storage/manifest"
	"github.com/mlform/mlform/providers/storage/packfmt"
)

// PutFile stores the content of r and returns its File (no Path or Mode:
// the caller sets them). Chunks already stored or pending are skipped. The
// chunks become durable at the next Flush; PutManifest flushes first. Safe
// for concurrent use. After a failed pack upload the Store refuses further
// writes: reopen it.
func (s *Store) PutFile(ctx context.Context, r io.Reader) (manifest.File, error) {
	if err := s.w.failed.get(); err != nil {
		return manifest.File{}, err
	}
	size := chunker.SizeOf(r)
	r = readfile.StopOnCancel(ctx, r)
	var (
		f   manifest.File
		err error
	)
	if size > 0 && size <= ChunkMinSize {
		f, err = s.putSmall(ctx, r, int(size))
	} else {
		f, err = s.putStream(ctx, r, size)
	}
	if err == nil {
		s.w.checkpoint(ctx)
	}
	return f, err
}

func (s *Store) putStream(ctx context.Context, r io.Reader, size int64) (manifest.File, error) {
	return s.split.Split(r, size, func(id packfmt.ID, data []byte) error {
		return s.w.add(ctx, id, data)
	})
}

// putSmall stores a stream expected to be n bytes, at most one chunk, by
// reading it straight into room reserved in the open pack. If the stream
// turns out shorter or longer than n (a file changing while it is read) the
// room is given back and the bytes read so far go the general way.
func (s *Store) putSmall(ctx context.Context, r io.Reader, n int) (manifest.File, error) {
	res, err := s.w.reserve(ctx, n)
	if err != nil {
		return manifest.File{}, err
	}
	if res == nil {
		return s.putStream(ctx, r, int64(n))
	}
	got, err := io.ReadFull(r, res.data)
	var probe [1]byte
	extra := 0
	if err == nil {
		extra, err = r.Read(probe[:])
		for extra == 0 && err == nil { // a reader may return 0, nil
			extra, err = r.Read(probe[:])
		}
		if extra == 0 && err == io.EOF {
			id := packfmt.Sum(res.data)
			if err := s.w.commit(ctx, res, id); err != nil {
				return manifest.File{}, err
			}
			return chunker.OneChunkFile(id, n), nil
		}
	}
	switch err {
	case nil, io.EOF, io.ErrUnexpectedEOF: // the stream was not n bytes long
	default:
		s.w.cancel(ctx, res)
		return manifest.File{}, fmt.Errorf("read: %w", err)
	}
	head := make([]byte, got+extra)
	copy(head, res.data[:got])
	copy(head[got:], probe[:extra])
	s.w.cancel(ctx, res)
	return s.putStream(ctx, io.MultiReader(bytes.NewReader(head), r), -1)
}

// HashFile computes exactly the File that PutFile would return for r (size,
// hash, chunks), storing nothing. The planner uses it at plan time.
func (s *Store) HashFile(r io.Reader) (manifest.File, error) {
	return s.split.Split(r, chunker.SizeOf(r), func(packfmt.ID, []byte) error { return nil })
}

// Flush seals the open pack, waits for all pack uploads and writes the index
// object naming their chunks: every File returned by PutFile before the call
// is then durable.
func (s *Store) Flush(ctx context.Context) error {
	return s.w.flush(ctx)
}
