package storage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/mlform/mlform/internal/bufpool"
	"github.com/mlform/mlform/providers/storage/packfmt"
)

// errClosed is returned by writes to a closed Store.
var errClosed = errors.New("store is closed")

// packWriter appends new chunks into an open pack, seals it when it reaches
// the pack size and uploads it in the background, at most `uploads` at a
// time, with at most uploads+1 pack buffers in memory. Chunks are "pending"
// from the moment they are appended until Flush has written an index object
// naming them; pending chunks are not stored twice.
//
// A chunk gets into a pack in one of two ways. add copies a chunk that is
// already in memory. reserve hands out space in the open pack for a chunk
// of known size that the caller then reads straight into it (a small file:
// one copy from the kernel instead of two), and commit or cancel returns
// it. A pack with reservations out is never moved or sealed: when it is
// full it waits, retired, until its last reservation comes back, and the
// writer returning it seals it. Space whose chunk turned out to be stored
// already, or whose file changed while being read, is squeezed out when the
// pack is sealed.
type packWriter struct {
	o        objects
	idx      *index
	packSize int
	slots    chan struct{} // one token per upload in flight
	bufs     *bufpool.Pool // recycled pack buffers
	flushMu  sync.Mutex    // one Flush at a time
	failed   firstError    // first upload error: the writer is then unusable

	// mu guards closed, pending, open, retired and every openPack's fields.
	// It is never held while waiting for a buffer or an upload slot.
	mu      sync.Mutex
	idle    *sync.Cond // signalled when retired drops
	closed  bool
	pending map[packfmt.ID]struct{}
	open    *openPack
	retired int // packs taken out of open and not yet uploading or released

	// upMu guards uploaded and lastIndex. Upload goroutines take only
	// upMu, never mu, so they always finish and free their buffer and slot.
	upMu       sync.Mutex
	uploaded   []packfmt.IndexEntry // entries of uploaded packs not yet in an index object
	lastIndex  time.Time            // when an index object was last written (or the writer made)
	indexEvery time.Duration
}

type openPack struct {
	buf     []byte // data, then trailer
	mem     []byte // the buffer from bufs (buf may have outgrown it)
	entries []packfmt.Entry
	refs    int  // reservations handed out and not yet returned
	full    bool // retired while refs > 0: the last reservation seals it
	holes   bool // a returned reservation left unused bytes
}

// reservation is room for one chunk in an open pack, filled by the caller
// without the lock.
type reservation struct {
	p    *openPack
	off  int
	data []byte
}

func newPackWriter(o objects, idx *index, uploads, packSize int, offHeap func(int64)) *packWriter {
	w := &packWriter{
		o:        o,
		idx:      idx,
		packSize: packSize,
		slots:    make(chan struct{}, uploads),
		// The open pack plus one per upload: a pack sealed while all
		// uploads are busy waits in its own buffer, and the next pack's
		// buffer waits for an upload to finish.
		bufs:      bufpool.New(packSize+packSize/256+packfmt.FooterSize, uploads+1, offHeap),
		pending:   map[packfmt.ID]struct{}{},
		lastIndex: time.Now(),
	}
	w.idle = sync.NewCond(&w.mu)
	return w
}

// sealedSize is the size p would have sealed: its data and the trailer
// naming its chunks, counting the reservations out and extra more chunks.
// Many tiny files make a large trailer (44 bytes per chunk), so it counts
// against the pack size like data.
func sealedSize(p *openPack, extra int) int {
	return len(p.buf) + (len(p.entries)+p.refs+extra)*packfmt.EntrySize + packfmt.FooterSize
}

// fits reports whether a chunk of n more bytes goes into p: within the pack
// size (an empty pack takes any chunk), and within its buffer, trailer
// included, when the bytes must not move (a reservation, or other
// reservations outstanding).
func (w *packWriter) fits(p *openPack, n int, inPlace bool) bool {
	size := sealedSize(p, 1) + n
	if len(p.buf) > 0 && size > w.packSize {
		return false
	}
	return size <= cap(p.buf) || (!inPlace && p.refs == 0)
}

// isFull reports whether p has reached the pack size.
func (w *packWriter) isFull(p *openPack) bool {
	return sealedSize(p, 0) >= w.packSize
}

// lockRoom locks mu and returns the open pack with room for n more bytes,
// retiring the packs that have none. It waits for a buffer without the
// lock, so writers holding reservations can always return them. On error
// mu is not held.
func (w *packWriter) lockRoom(ctx context.Context, n int, inPlace bool) (*openPack, error) {
	w.mu.Lock()
	for {
		if w.closed {
			w.mu.Unlock()
			return nil, errClosed
		}
		if p := w.open; p != nil && w.fits(p, n, inPlace) {
			return p, nil
		}
		done := w.retireOpen()
		w.mu.Unlock()
		if done != nil {
			if err := w.release(ctx, done); err != nil {
				return nil, err
			}
		}
		mem, err := w.bufs.Get(ctx)
		if err != nil {
			return nil, err
		}
		w.mu.Lock()
		if w.open == nil && !w.closed {
			w.open = &openPack{buf: mem, mem: mem}
		} else {
			w.bufs.Put(mem) // another writer opened a pack first
		}
	}
}

// retireOpen retires the open pack, if any (mu held); see retire.
func (w *packWriter) retireOpen() *openPack {
	p := w.open
	if p == nil {
		return nil
	}
	w.open = nil
	return w.retire(p)
}

// retire takes p out of service (mu held, p no longer w.open). It returns
// p if it can be sealed now; otherwise the last reservation seals it.
func (w *packWriter) retire(p *openPack) *openPack {
	w.retired++
	if p.refs > 0 {
		p.full = true
		return nil
	}
	return p
}

// release seals a retired pack (or gives its buffer back if the writer was
// closed meanwhile) and counts it out of retired once it is uploading.
func (w *packWriter) release(ctx context.Context, p *openPack) error {
	defer func() {
		w.mu.Lock()
		w.retired--
		w.idle.Broadcast()
		w.mu.Unlock()
	}()
	w.mu.Lock()
	closed := w.closed
	w.mu.Unlock()
	if closed {
		w.bufs.Put(p.mem)
		w.bufs.Close() // Close has already released the idle buffers
		return errClosed
	}
	return w.seal(ctx, p)
}

// add stores one chunk unless it is already stored or pending. It may block
// until an upload slot is free (back-pressure bounds memory).
func (w *packWriter) add(ctx context.Context, id packfmt.ID, data []byte) error {
	if err := w.failed.get(); err != nil {
		return err
	}
	if _, ok := w.idx.lookup(id); ok {
		return nil
	}
	w.mu.Lock()
	_, dup := w.pending[id]
	w.mu.Unlock()
	if dup {
		return nil
	}
	p, err := w.lockRoom(ctx, len(data), false)
	if err != nil {
		return err
	}
	if w.known(id) { // added meanwhile
		w.mu.Unlock()
		return nil
	}
	w.pending[id] = struct{}{}
	p.entries = append(p.entries, packfmt.Entry{ID: id, Offset: uint64(len(p.buf)), Length: uint32(len(data))})
	p.buf = append(p.buf, data...)
	var done *openPack
	if w.isFull(p) {
		done = w.retireOpen()
	}
	w.mu.Unlock()
	if done != nil {
		return w.release(ctx, done)
	}
	return nil
}

// reserve returns room for a chunk of exactly n bytes in the open pack, or
// nil if n is too large to reserve in any pack (the caller then uses add).
// The caller fills r.data and must return it with commit or cancel.
func (w *packWriter) reserve(ctx context.Context, n int) (*reservation, error) {
	if n <= 0 || n > w.packSize || n+packfmt.EntrySize+packfmt.FooterSize > w.bufs.Size() {
		return nil, nil // would not fit even an empty pack's buffer
	}
	if err := w.failed.get(); err != nil {
		return nil, err
	}
	p, err := w.lockRoom(ctx, n, true)
	if err != nil {
		return nil, err
	}
	off := len(p.buf)
	p.buf = p.buf[:off+n]
	p.refs++
	r := &reservation{p: p, off: off, data: p.buf[off : off+n : off+n]}
	if w.isFull(p) {
		w.retireOpen() // has a reservation out: the last one returned seals it
	}
	w.mu.Unlock()
	return r, nil
}

// commit records the reserved bytes as chunk id, unless it is already
// stored or pending: its bytes are then dropped at seal.
func (w *packWriter) commit(ctx context.Context, r *reservation, id packfmt.ID) error {
	w.mu.Lock()
	p := r.p
	if w.known(id) || w.closed {
		p.holes = true
	} else {
		w.pending[id] = struct{}{}
		p.entries = append(p.entries, packfmt.Entry{ID: id, Offset: uint64(r.off), Length: uint32(len(r.data))})
	}
	closed := w.closed
	done := w.unref(p)
	w.mu.Unlock()
	if done != nil {
		if err := w.release(ctx, done); err != nil {
			return err
		}
	}
	if closed {
		return errClosed
	}
	return nil
}

// known reports whether chunk id is pending or stored (mu held). Both are
// checked under mu, pending first: Flush indexes a chunk before it takes mu
// to drop it from pending, so a chunk missing from pending here is either
// in the index already or in neither.
func (w *packWriter) known(id packfmt.ID) bool {
	if _, ok := w.pending[id]; ok {
		return true
	}
	_, ok := w.idx.lookup(id)
	return ok
}

// cancel gives back a reservation whose bytes are not a chunk.
func (w *packWriter) cancel(ctx context.Context, r *reservation) {
	w.mu.Lock()
	r.p.holes = true
	done := w.unref(r.p)
	w.mu.Unlock()
	if done != nil {
		_ = w.release(ctx, done) // any failure is recorded in w.failed
	}
}

// unref drops one reservation of p (mu held) and returns p if that was the
// last one of a retired pack, which the caller must then release.
func (w *packWriter) unref(p *openPack) *openPack {
	p.refs--
	if p.full && p.refs == 0 {
		return p
	}
	return nil
}

// compact squeezes out the bytes of returned reservations that hold no
// chunk and orders the entries by offset, as the trailer lists them.
func compact(p *openPack) {
	slices.SortFunc(p.entries, func(a, b packfmt.Entry) int { return cmp.Compare(a.Offset, b.Offset) })
	if !p.holes {
		return
	}
	next := uint64(0)
	for i := range p.entries {
		e := &p.entries[i]
		if e.Offset != next {
			copy(p.buf[next:], p.buf[e.Offset:e.Offset+uint64(e.Length)])
			e.Offset = next
		}
		next += uint64(e.Length)
	}
	p.buf = p.buf[:next]
	p.holes = false
}

// seal appends the pack's own index, names the pack by its hash and starts
// its upload once a slot is free. A pack left with no chunk is dropped.
func (w *packWriter) seal(ctx context.Context, p *openPack) error {
	// What was written in the buffer is in memory from now on (the
	// process's budget counts it: bufpool.Pool.Touched).
	w.bufs.Touched(p.mem, len(p.buf))
	compact(p)
	if len(p.entries) == 0 {
		w.bufs.Put(p.mem)
		return nil
	}
	select {
	case w.slots <- struct{}{}:
	case <-ctx.Done():
		w.failed.set(fmt.Errorf("pack upload abandoned: %w", ctx.Err()))
		w.bufs.Put(p.mem)
		return ctx.Err()
	}
	trailer := packfmt.EncodeTrailer(p.entries)
	p.buf = append(p.buf, trailer...)
	w.bufs.Touched(p.mem, len(p.buf))
	id := packfmt.PackID(trailer)
	// The upload outlives the PutFile that sealed the pack; Flush and Close
	// wait for it. Cancelling the caller's context must not leave a pack
	// half-considered, so it is detached from cancellation.
	uctx := context.WithoutCancel(ctx)
	go func() {
		defer func() { <-w.slots }()
		err := w.o.Put(uctx, packKey(id), &pieces{b: p.buf}, false)
		if err != nil {
			// The buffer is not recycled: a driver that gave up early might
			// still hold the reader. The store refuses writes from now on.
			w.failed.set(fmt.Errorf("upload pack %s: %w", id, err))
			w.bufs.Abandon()
			return
		}
		w.bufs.Put(p.mem) // a completed upload holds no reference to it
		startWriteback(w.o, packKey(id))
		pid, _ := packfmt.ParseID(id)
		entries := make([]packfmt.IndexEntry, len(p.entries))
		for i, e := range p.entries {
			entries[i] = packfmt.IndexEntry{Chunk: e.ID, Location: packfmt.Location{Pack: pid, Offset: e.Offset, Length: e.Length}}
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

// waitRetired waits until every retired pack is uploading or released: a
// pack retired by another writer, or waiting for a reservation, may hold
// chunks of files whose PutFile has returned.
func (w *packWriter) waitRetired() {
	w.mu.Lock()
	for w.retired > 0 {
		w.idle.Wait()
	}
	w.mu.Unlock()
}

// flush seals the open pack, waits for every upload and writes one index
// object naming all uploaded chunks. When it returns nil, every chunk
// added before the call is durable and findable by a new Open.
func (w *packWriter) flush(ctx context.Context) error {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	w.mu.Lock()
	done := w.retireOpen()
	w.mu.Unlock()
	if done != nil {
		if err := w.release(ctx, done); err != nil {
			return err
		}
	}
	w.waitRetired()
	if err := w.drain(ctx); err != nil {
		return err
	}
	if err := w.failed.get(); err != nil {
		return err
	}
	if err := w.writeIndex(ctx); err != nil {
		return err
	}
	// A flush ends a batch of writes: give the idle pack buffers back
	// rather than hold tens of MiB through what comes next (reads, training).
	w.bufs.Close()
	return nil
}

// writeIndex writes one index object naming the chunks of every pack
// uploaded so far and not yet indexed (flushMu held). On failure the
// entries are kept for the next attempt.
func (w *packWriter) writeIndex(ctx context.Context) error {
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
	w.upMu.Lock()
	w.lastIndex = time.Now()
	w.upMu.Unlock()
	return nil
}

// checkpoint indexes the packs uploaded so far once indexEvery has passed
// since the last index object, without waiting for uploads in flight, so
// that a long write interrupted before its Flush keeps most of its work.
// It never blocks on a Flush: if one is running, that one indexes them.
func (w *packWriter) checkpoint(ctx context.Context) {
	if w.indexEvery < 0 {
		return
	}
	w.upMu.Lock()
	due := len(w.uploaded) > 0 && time.Since(w.lastIndex) >= w.indexEvery
	w.upMu.Unlock()
	if !due || !w.flushMu.TryLock() {
		return
	}
	defer w.flushMu.Unlock()
	// A failed index write keeps its entries: the next checkpoint or the
	// Flush retries, and Flush reports the error.
	_ = w.writeIndex(ctx)
}

// indexUploaded writes one index object for the packs uploaded and not
// yet indexed (after close: what an interrupted write left); see
// Store.Close. It gives up after indexUploadedTimeout: a process stopping
// on Ctrl-C must not hang on a store that stopped answering, and an index
// not written only costs the next run an upload.
func (w *packWriter) indexUploaded() error {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), indexUploadedTimeout)
	defer cancel()
	return w.writeIndex(ctx)
}

const indexUploadedTimeout = 30 * time.Second

// close waits for uploads in flight and releases the buffers; unflushed
// chunks are dropped. A pack with reservations out gives its buffer back
// when the last one returns.
func (w *packWriter) close() error {
	w.mu.Lock()
	w.closed = true
	done := w.retireOpen()
	w.mu.Unlock()
	if done != nil {
		_ = w.release(context.Background(), done) // closed: returns the buffer
	}
	err := w.drain(context.Background())
	w.bufs.Close()
	return err
}

// unflushed reports whether chunks were added since the last Flush.
func (w *packWriter) unflushed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pending) > 0
}
