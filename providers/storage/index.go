package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/mlform/mlform/providers/storage/packfmt"
)

// index is the in-memory union of all index objects of a store (their
// format: package packfmt).
type index struct {
	mu     sync.RWMutex
	chunks map[packfmt.ID]packfmt.Location
	// objects are the ids of the index objects loaded or written.
	objects map[string]bool
}

func newIndex() *index {
	return &index{chunks: map[packfmt.ID]packfmt.Location{}, objects: map[string]bool{}}
}

func (x *index) lookup(id packfmt.ID) (packfmt.Location, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	l, ok := x.chunks[id]
	return l, ok
}

// add merges entries; a chunk already known keeps its first location.
func (x *index) add(objectID string, entries []packfmt.IndexEntry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range entries {
		if _, ok := x.chunks[e.Chunk]; !ok {
			x.chunks[e.Chunk] = e.Location
		}
	}
	if objectID != "" {
		x.objects[objectID] = true
	}
}

// loadIndex reads every index object of the store, verifying each against
// its content id, with up to workers reads at a time.
// With skipBad, damaged index objects are skipped instead of failing.
//
// An index object listed but gone when read was consolidated by a gc of
// another workspace (which writes the new index object before deleting
// the old ones): the listing is taken again, a few times.
func loadIndex(ctx context.Context, o objects, workers int, skipBad bool) (*index, error) {
	for attempt := 0; ; attempt++ {
		x, err := loadIndexOnce(ctx, o, workers, skipBad)
		if err == nil || !errors.Is(err, ErrNotFound) || attempt == 4 {
			return x, err
		}
	}
}

func loadIndexOnce(ctx context.Context, o objects, workers int, skipBad bool) (*index, error) {
	var ids []string
	err := o.List(ctx, indexPrefix, func(key string, _ int64, _ time.Time) error {
		id, ok := idFromKey(indexPrefix, key)
		if !ok {
			return nil // not ours; Check reports it
		}
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load index: %w", err)
	}
	x := newIndex()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, id := range ids {
		g.Go(func() error {
			entries, err := readIndexObject(gctx, o, id)
			if err != nil {
				if skipBad && gctx.Err() == nil {
					return nil
				}
				return err
			}
			x.add(id, entries)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return x, nil
}

func readIndexObject(ctx context.Context, o objects, id string) ([]packfmt.IndexEntry, error) {
	data, err := o.Get(ctx, indexKey(id))
	if errors.Is(err, ErrCorrupt) {
		return nil, indexDamaged(corruptf("index object %s is corrupt (%v); rebuild it from the packs with `mlform gc -rebuild-index`", id, err))
	}
	if err != nil {
		return nil, fmt.Errorf("read index object: %w", err)
	}
	if got := hashHex(data); got != id {
		return nil, indexDamaged(corruptf("index object %s is corrupt (content hashes to %s); rebuild it from the packs with `mlform gc -rebuild-index`", id, got))
	}
	entries, err := packfmt.DecodeIndex(data)
	if err != nil {
		return nil, indexDamaged(fmt.Errorf("index object %s: %w", id, err))
	}
	return entries, nil
}

// indexDamaged marks err, about one index object's content, as an
// ErrIndexDamaged; its text stays err's.
func indexDamaged(err error) error { return indexDamagedError{err} }

type indexDamagedError struct{ err error }

func (e indexDamagedError) Error() string        { return e.err.Error() }
func (e indexDamagedError) Unwrap() error        { return e.err }
func (e indexDamagedError) Is(target error) bool { return target == ErrIndexDamaged }

// writeIndexObject stores entries as a new index object and returns its id.
func writeIndexObject(ctx context.Context, o objects, entries []packfmt.IndexEntry) (string, error) {
	data := packfmt.EncodeIndex(entries)
	id := hashHex(data)
	// The packs it names first, or a power loss could leave an index
	// naming chunks that are not there (durable.go).
	if err := syncObjects(ctx, o); err != nil {
		return "", err
	}
	if err := o.Put(ctx, indexKey(id), bytes.NewReader(data), false); err != nil {
		return "", fmt.Errorf("write index object: %w", err)
	}
	return id, nil
}

// replace swaps in the content of other (after GC or RebuildIndex).
func (x *index) replace(other *index) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.chunks = other.chunks
	x.objects = other.objects
}
