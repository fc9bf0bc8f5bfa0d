// Package storage is mlform's content-addressed store on any gocloud.dev
// bucket. Files are cut into content-defined chunks (FastCDC, ~1 MiB),
// addressed by BLAKE3, and appended into pack objects of tens of MiB, so
// that many small files cost a few object writes and a changed file costs
// only its changed chunks. Manifests list the files of a snapshot or a
// model version. docs/store-format.md describes the objects and why they
// are written in the order they are.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mlform/mlform/providers/storage/chunker"

	gblob "gocloud.dev/blob"

	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/providers/blob"
)

// Options tune a Store; the zero value is ready to use.
type Options struct {
	// BaseDir resolves relative file:// URLs.
	BaseDir string
	// Workers bounds parallel object reads (default 4); pack uploads in
	// flight are half of it (at least 1), each holding one pack in memory.
	Workers int
	// PackSize is the size at which a pack is sealed and uploaded (default
	// DefaultPackSize). It does not change the format; tests use small packs.
	PackSize int
	// Repair opens a store whose index objects are damaged, skipping them,
	// so that Check and RebuildIndex can run. Without it Open refuses such
	// a store.
	Repair bool
	// IndexEvery is how often a long run of writes stores an index object
	// naming the packs uploaded so far, so that an interrupted run (killed,
	// crashed, disconnected) keeps what it uploaded and the next run does
	// not upload it again. Default DefaultIndexEvery; negative: only Flush
	// writes index objects.
	IndexEvery time.Duration
	// SharedLock, when set, makes Open take a shared store lock (see
	// storelock.go) before it reads the index, held until Close: a Store
	// that writes objects its caller will reference must be opened so, or
	// a gc elsewhere could delete a pack between this Store's reading the
	// index and its reusing a chunk listed there.
	SharedLock *LockOptions
	// NoCreate opens a store that does not exist yet (no config object)
	// without creating it, nor a local store's directory: it reads as an
	// empty store of this build's config, and every write is refused with
	// ErrNoStore; SharedLock is not taken on it. For the commands that
	// only read (plan, gc -dry-run, gc -check).
	NoCreate bool
	// OffHeap, when set, is told (delta bytes) of the memory the store's
	// pack buffers, mapped outside the Go heap, hold: what was written in
	// them, until they are unmapped (bufpool.Pool.Touched). The process
	// counts it in its memory budget: the Go runtime's soft limit sees
	// only its own heap.
	OffHeap func(delta int64)
}

// ErrNoStore is returned (wrapped) by writes to a store opened with
// Options.NoCreate that does not exist yet.
var ErrNoStore = errors.New("the store does not exist yet (mlform init or apply creates it)")

// DefaultPackSize is the size at which an open pack is sealed.
const DefaultPackSize = 16 << 20

// DefaultIndexEvery is the default Options.IndexEvery: restic's interval.
// A write that takes less time writes exactly one index object, at Flush.
const DefaultIndexEvery = 5 * time.Minute

// Store is an open content-addressed store. PutFile, HashFile, OpenFile and
// the manifest and object methods are safe for concurrent use; Flush, Check,
// GC and RebuildIndex must not race with writes of another Store on the same
// bucket (callers hold the state lock).
type Store struct {
	o        objects
	cfg      Config
	workers  int
	packSize int
	split    *chunker.Splitter
	idx      *index
	w        *packWriter
	// exclusive counts exclusive store locks this Store holds: GC runs
	// only under one.
	exclusive atomic.Int32
	// lock is the shared lock Options.SharedLock took, released by Close.
	lock *StoreLock
	// locks are the store locks held (storelock.go, CheckLocks).
	locksMu sync.Mutex
	locks   map[*StoreLock]bool
	// rootsWritten are the workspace roots this Store wrote (without
	// their ids): only the first write of each reads what it replaces
	// (PutWorkspaceRoot).
	rootsMu      sync.Mutex
	rootsWritten map[string]*Root
}

// Open opens (creating when new) the store at url. A store whose config was
// written with another format, hash or chunker is refused.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	dir, _ := blob.LocalPath(url, opts.BaseDir)
	if opts.NoCreate && dir != "" {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			// Opening would create the directory.
			return openObjects(ctx, absentObjects{}, opts)
		}
	}
	b, err := blob.Open(ctx, url, opts.BaseDir)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s, err := openObjects(ctx, bucketObjects{b: b, owned: true, dir: dir}, opts)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("open store %s: %w", bloburl.Redact(url), err)
	}
	return s, nil
}

// OpenBucket opens (creating when new) the store in an already open bucket.
// Close does not close b: several Stores may share one bucket over time
// (a mem:// bucket exists only as long as its *blob.Bucket).
func OpenBucket(ctx context.Context, b *gblob.Bucket, opts Options) (*Store, error) {
	s, err := openObjects(ctx, bucketObjects{b: b}, opts)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return s, nil
}

// openObjects opens a store on any objects implementation (tests inject
// faults here).
func openObjects(ctx context.Context, o objects, opts Options) (*Store, error) {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.PackSize <= 0 {
		opts.PackSize = DefaultPackSize
	}
	if opts.IndexEvery == 0 {
		opts.IndexEvery = DefaultIndexEvery
	}
	if opts.PackSize > 1<<30 {
		return nil, fmt.Errorf("pack size %d is larger than 1 GiB", opts.PackSize)
	}
	cfg, err := loadConfig(ctx, o, !opts.NoCreate)
	if errors.Is(err, ErrNoStore) {
		// Nothing is stored yet: read as empty, write nothing.
		o, cfg, err = absentObjects{inner: o}, currentConfig(), nil
	}
	if err != nil {
		return nil, err
	}
	s := &Store{
		o:        o,
		cfg:      cfg,
		workers:  opts.Workers,
		packSize: opts.PackSize,
		split:    chunker.New(opts.Workers * 2),
	}
	if _, absent := o.(absentObjects); opts.SharedLock != nil && !absent {
		// A store that does not exist yet (NoCreate) holds nothing a gc
		// could delete, and taking the lock would write to it.
		if s.lock, err = s.Lock(ctx, LockShared, *opts.SharedLock); err != nil {
			return nil, err
		}
	}
	idx, err := loadIndex(ctx, o, opts.Workers, opts.Repair)
	if err != nil {
		if s.lock != nil {
			s.lock.Unlock(context.WithoutCancel(ctx))
		}
		return nil, err
	}
	s.idx = idx
	s.w = newPackWriter(o, idx, max(1, opts.Workers/2), opts.PackSize, opts.OffHeap)
	s.w.indexEvery = opts.IndexEvery
	return s, nil
}

// Config returns the store's recorded config.
func (s *Store) Config() Config { return s.cfg }

// Close waits for pack uploads in flight and closes the bucket if Open
// opened it. Chunks not made durable by Flush (a write interrupted or
// failed before it: Ctrl-C during a snapshot) are dropped, except those in
// packs already uploaded: while the store lock still holds, Close indexes
// them, as a checkpoint would (Options.IndexEvery), so the next run does
// not upload them again. Unreferenced, they stay garbage for GC.
func (s *Store) Close() error {
	werr := s.w.close()
	if s.locksFresh() == nil {
		// Best effort: an index not written only costs the rerun an upload.
		_ = s.w.indexUploaded()
	}
	var lerr error
	if s.lock != nil {
		lerr = s.lock.Unlock(context.Background())
	}
	cerr := s.o.Close()
	return errors.Join(werr, lerr, cerr)
}

// firstError keeps the first error set, for many goroutines.
type firstError struct {
	mu  sync.Mutex
	err error
}

func (e *firstError) set(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err == nil {
		e.err = err
	}
}

func (e *firstError) get() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}
