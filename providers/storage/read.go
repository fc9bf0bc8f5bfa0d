package storage

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/providers/storage/manifest"
	"github.com/mlform/mlform/providers/storage/packfmt"
)

// OpenFile streams the content of f. Every chunk is checked against its id
// and the whole content against f.Hash and f.Size before EOF is returned: a
// mismatch is an error naming the file and chunk, never silently wrong
// bytes. The next chunk is fetched while the current one is read, so a
// reader on a remote bucket does not wait one round trip per chunk; memory
// is two chunks. Close stops the read-ahead.
func (s *Store) OpenFile(ctx context.Context, f manifest.File) (io.ReadCloser, error) {
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("open file %q: %w", f.Path, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &fileReader{ctx: ctx, cancel: cancel, s: s, f: f}
	// A one-chunk file's hash is its chunk's id: verifying the chunk
	// verifies the file, so it is not hashed twice.
	if !(len(f.Chunks) == 1 && f.Chunks[0].ID == f.Hash) {
		r.whole = blake3.New()
	}
	return r, nil
}

type fileReader struct {
	ctx    context.Context
	cancel context.CancelFunc
	s      *Store
	f      manifest.File
	next   int    // index of the next chunk to load
	buf    []byte // the current chunk
	cur    []byte // unread part of buf
	ahead  chan fetched
	whole  hash.Hash // nil when the chunk check covers the file hash
	total  int64
	err    error
}

// fetched is a chunk read ahead, or the error reading it.
type fetched struct {
	data []byte
	err  error
}

func (r *fileReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	for len(r.cur) == 0 {
		if r.next == len(r.f.Chunks) {
			r.err = r.finish()
			return 0, r.err
		}
		if err := r.load(); err != nil {
			r.err = err
			return 0, err
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

func (r *fileReader) name() string {
	if r.f.Path != "" {
		return fmt.Sprintf("file %q", r.f.Path)
	}
	return "file " + r.f.Hash
}

// load makes the next chunk current (read ahead, or read now) and starts
// fetching the one after it.
func (r *fileReader) load() error {
	i := r.next
	var got fetched
	if r.ahead != nil {
		got = <-r.ahead
		r.ahead = nil
	} else {
		got.data, got.err = r.s.readChunk(r.ctx, r.f.Chunks[i], nil)
	}
	if got.err != nil {
		return fmt.Errorf("%s: chunk %d: %w", r.name(), i, got.err)
	}
	// The buffer served before this one is free again.
	prev := r.buf
	r.buf, r.cur = got.data, got.data
	r.next++
	r.total += int64(len(got.data))
	if r.whole != nil {
		_, _ = r.whole.Write(got.data)
	}
	if r.next < len(r.f.Chunks) {
		c, buf, ahead := r.f.Chunks[r.next], prev, make(chan fetched, 1)
		r.ahead = ahead
		go func() {
			data, err := r.s.readChunk(r.ctx, c, buf)
			ahead <- fetched{data, err}
		}()
	}
	return nil
}

// finish checks the whole-file size and hash at the end of the stream.
func (r *fileReader) finish() error {
	if r.total != r.f.Size {
		return fmt.Errorf("%s: read %d bytes, want %d", r.name(), r.total, r.f.Size)
	}
	if r.whole == nil {
		return io.EOF // the one chunk was verified against f.Hash
	}
	var sum packfmt.ID
	r.whole.Sum(sum[:0])
	if got := sum.String(); got != r.f.Hash {
		return corruptf("%s is corrupt: content hashes to %s, want %s", r.name(), got, r.f.Hash)
	}
	return io.EOF
}

// Close stops any read-ahead and waits for it.
func (r *fileReader) Close() error {
	r.cancel()
	if r.ahead != nil {
		<-r.ahead
		r.ahead = nil
	}
	if r.err == nil {
		r.err = errors.New("read after close")
	}
	return nil
}

// readChunk reads chunk c from its pack into buf (reused when large enough)
// and verifies its length and hash.
func (s *Store) readChunk(ctx context.Context, c manifest.Chunk, buf []byte) ([]byte, error) {
	id, err := packfmt.ParseID(c.ID)
	if err != nil {
		return nil, err
	}
	loc, ok := s.idx.lookup(id)
	if !ok {
		return nil, fmt.Errorf("chunk %s is not in the store index: %w", c.ID, ErrNotFound)
	}
	if loc.Length != c.Size {
		return nil, fmt.Errorf("chunk %s is %d bytes in the index but %d in the manifest", c.ID, loc.Length, c.Size)
	}
	pack := loc.Pack.String()
	rc, err := s.o.GetRange(ctx, packKey(pack), int64(loc.Offset), int64(loc.Length))
	if err != nil {
		return nil, fmt.Errorf("chunk %s in pack %s: %w", c.ID, pack, err)
	}
	defer rc.Close()
	if cap(buf) < int(loc.Length) {
		buf = make([]byte, loc.Length)
	}
	buf = buf[:loc.Length]
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, fmt.Errorf("chunk %s in pack %s at offset %d: short read: %w", c.ID, pack, loc.Offset, err)
	}
	if got := packfmt.Sum(buf); got != id {
		return nil, corruptf("chunk %s in pack %s at offset %d is corrupt: content hashes to %s", c.ID, pack, loc.Offset, got)
	}
	return buf, nil
}
