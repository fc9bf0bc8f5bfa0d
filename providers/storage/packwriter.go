package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
)

// errClosed is returned by writes to a closed Store.
var errClosed = errors.New("store is closed")

// packWriter appends new chunks into an open pack, seals it when it reaches
// the pack size and uploads it in the background, at most `uploads` at a
// time, with at most uploads+1 pack buffers in memory. Chunks are "pending"
// from the moment they are appended until Flush has written an index object
// naming them; pending chunks are not stored twice.
type packWriter struct {
	o        objects
	idx      *index
	packSize int
	slots    chan struct{} // one token per upload in flight
	bufs     *packBufs     // recycled pack buffers
	flushMu  sync.Mutex    // one Flush at a time
	failed   firstError    // first upload error: the writer is then unusable

	mu      sync.Mutex // guards closed, pending, open; may be held while waiting for a buffer
	closed  bool
	pending map[rawID]struct{}
	open    *openPack

	// upMu guards uploaded. Upload goroutines take only upMu, never mu, so
	// they always finish and free their buffer and slot.
	upMu     sync.Mutex
	uploaded []indexEntry // entries of uploaded packs not yet in an index object
}

type openPack struct {
	buf     []byte // data, then trailer
	mem     []byte // the buffer from bufs (buf may have outgrown it)
	entries []packEntry
}

func newPackWriter(o objects, idx *index, uploads, packSize int) *packWriter {
	return &packWriter{
		o:        o,
		idx:      idx,
		packSize: packSize,
		slots:    make(chan struct{}, uploads),
		// The open pack plus one per upload: a pack sealed while all
		// uploads are busy waits in its own buffer, and the next pack's
		// buffer waits for an upload to finish.
		bufs:    newPackBufs(packSize+packSize/256+packFooterSize, uploads+1),
		pending: map[rawID]struct{}{},
	}
}

// add stores one chunk unless it is already stored or pending. It may block
// until an upload slot is free (back-pressure bounds memory).
func (w *packWriter) add(ctx context.Context, id rawID, data []byte) error {
	if err := w.failed.get(); err != nil {
		return err
	}
	if _, ok := w.idx.lookup(id); ok {
		return nil
	}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return errClosed
	}
	if _, ok := w.pending[id]; ok {
		w.mu.Unlock()
		return nil
	}
	w.pending[id] = struct{}{}
	// Seal the open pack first if this chunk would take it past the pack
	// size, so packs stay within their buffers.
	var full *openPack
	if p := w.open; p != nil && len(p.buf)+len(data) > w.packSize {
		full, w.open = p, nil
	}
	if w.open == nil {
		// May wait for an upload to finish and return its buffer.
		mem, err := w.bufs.get(ctx)
		if err != nil {
			delete(w.pending, id)
			w.mu.Unlock()
			if full != nil {
				w.bufs.put(full.mem)
				w.failed.set(fmt.Errorf("pack upload abandoned: %w", err))
			}
			return err
		}
		w.open = &openPack{buf: mem, mem: mem}
	}
	p := w.open
	p.entries = append(p.entries, packEntry{ID: id, Offset: uint64(len(p.buf)), Length: uint32(len(data))})
	p.buf = append(p.buf, data...)
	if full == nil && len(p.buf) >= w.packSize {
		full, w.open = p, nil
	}
	w.mu.Unlock()
	if full != nil {
		return w.seal(ctx, full)
	}
	return nil
}

// seal appends the pack's own index, names the pack by its hash and starts
// its upload once a slot is free.
func (w *packWriter) seal(ctx context.Context, p *openPack) error {
	select {
	case w.slots <- struct{}{}:
	case <-ctx.Done():
		w.failed.set(fmt.Errorf("pack upload abandoned: %w", ctx.Err()))
		w.bufs.put(p.mem)
		return ctx.Err()
	}
	trailer := encodeTrailer(p.entries)
	p.buf = append(p.buf, trailer...)
	id := packID(trailer)
	// The upload outlives the PutFile that sealed the pack; Flush and Close
	// wait for it. Cancelling the caller's context must not leave a pack
	// half-considered, so it is detached from cancellation.
	uctx := context.WithoutCancel(ctx)
	go func() {
		defer func() { <-w.slots }()
		err := w.o.Put(uctx, packKey(id), bytes.NewReader(p.buf), false)
		if err != nil {
			// The buffer is not recycled: a driver that gave up early might
			// still hold the reader. The store refuses writes from now on.
			w.failed.set(fmt.Errorf("upload pack %s: %w", id, err))
			w.bufs.abandon()
			return
		}
		w.bufs.put(p.mem) // a completed upload holds no reference to it
		pid, _ := parseRawID(id)
		entries := make([]indexEntry, len(p.entries))
		for i, e := range p.entries {
			entries[i] = indexEntry{Chunk: e.ID, location: location{Pack: pid, Offset: e.Offset, Length: e.Length}}
		}
		w.upMu.Lock()
		w.uploaded = append(w.uploaded, entries...)
		w.upMu.Unlock()
	}()
	return nil
}

// drain waits until no upload is in flight.
func (w *packWriter) drain(ctx context.Context) error {
	n := cap(w.slots)
	for i := 0; i < n; i++ {
		select {
		case w.slots <- struct{}{}:
		case <-ctx.Done():
			for ; i > 0; i-- {
				<-w.slots
			}
			return ctx.Err()
		}
	}
	for i := 0; i < n; i++ {
		<-w.slots
	}
	return nil
}

// flush seals the open pack, waits for every upload and writes one index
// object naming all uploaded chunks. When it returns nil, every chunk
// added before the call is durable and findable by a new Open.
func (w *packWriter) flush(ctx context.Context) error {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	w.mu.Lock()
	p := w.open
	w.open = nil
	w.mu.Unlock()
	if p != nil && len(p.entries) > 0 {
		if err := w.seal(ctx, p); err != nil {
			return err
		}
	}
	if err := w.drain(ctx); err != nil {
		return err
	}
	if err := w.failed.get(); err != nil {
		return err
	}
	w.upMu.Lock()
	entries := w.uploaded
	w.uploaded = nil
	w.upMu.Unlock()
	if len(entries) == 0 {
		return nil
	}
	id, err := writeIndexObject(ctx, w.o, entries)
	if err != nil {
		w.upMu.Lock()
		w.uploaded = append(w.uploaded, entries...)
		w.upMu.Unlock()
		return err
	}
	w.idx.add(id, entries)
	w.mu.Lock()
	for _, e := range entries {
		delete(w.pending, e.Chunk)
	}
	w.mu.Unlock()
	// A flush ends a batch of writes: give the idle pack buffers back
	// rather than hold tens of MiB through what comes next (reads, training).
	w.bufs.close()
	return nil
}

// close waits for uploads in flight and releases the buffers; unflushed
// chunks are dropped.
func (w *packWriter) close() error {
	w.mu.Lock()
	w.closed = true
	if w.open != nil {
		w.bufs.put(w.open.mem)
		w.open = nil
	}
	w.mu.Unlock()
	err := w.drain(context.Background())
	w.bufs.close()
	return err
}

// unflushed reports whether chunks were added since the last Flush.
func (w *packWriter) unflushed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pending) > 0
}
