package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"
)

// A store index object lists where chunks live. It is keyed by the BLAKE3
// of its content (index/<id>), written only after the packs it names, and
// never modified: new entries go into new index objects, and GC replaces a
// set of index objects by one consolidated object.
//
//	header = "MLFINDX\n" | version uint32 BE | count uint32 BE
//	entry  = chunk id [32] | pack id [32] | offset uint64 BE | length uint32 BE  (76 bytes)
const (
	indexMagic      = "MLFINDX\n"
	indexVersion    = 1
	indexHeaderSize = 8 + 4 + 4
	indexEntrySize  = 32 + 32 + 8 + 4
)

// location says where a chunk's bytes are.
type location struct {
	Pack   rawID
	Offset uint64
	Length uint32
}

// indexEntry is one line of an index object.
type indexEntry struct {
	Chunk rawID
	location
}

func encodeIndex(entries []indexEntry) []byte {
	sort.Slice(entries, func(i, j int) bool { return bytes.Compare(entries[i].Chunk[:], entries[j].Chunk[:]) < 0 })
	buf := make([]byte, 0, indexHeaderSize+len(entries)*indexEntrySize)
	buf = append(buf, indexMagic...)
	buf = binary.BigEndian.AppendUint32(buf, indexVersion)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(entries)))
	for _, e := range entries {
		buf = append(buf, e.Chunk[:]...)
		buf = append(buf, e.Pack[:]...)
		buf = binary.BigEndian.AppendUint64(buf, e.Offset)
		buf = binary.BigEndian.AppendUint32(buf, e.Length)
	}
	return buf
}

// decodeIndex parses an index object. Offsets are checked against packs by
// Check and by every read; here only what the object alone can tell.
func decodeIndex(data []byte) ([]indexEntry, error) {
	if len(data) < indexHeaderSize || string(data[:8]) != indexMagic {
		return nil, fmt.Errorf("not an mlform index object")
	}
	if v := binary.BigEndian.Uint32(data[8:12]); v != indexVersion {
		return nil, fmt.Errorf("index version %d is not supported (want %d)", v, indexVersion)
	}
	n := uint64(binary.BigEndian.Uint32(data[12:16]))
	if uint64(len(data)-indexHeaderSize) != n*indexEntrySize {
		return nil, fmt.Errorf("index claims %d entries but holds %d bytes of entries", n, len(data)-indexHeaderSize)
	}
	entries := make([]indexEntry, n)
	for i := range entries {
		b := data[indexHeaderSize+i*indexEntrySize:]
		e := &entries[i]
		copy(e.Chunk[:], b[:32])
		copy(e.Pack[:], b[32:64])
		e.Offset = binary.BigEndian.Uint64(b[64:72])
		e.Length = binary.BigEndian.Uint32(b[72:76])
		if e.Length == 0 || e.Length > ChunkMaxSize {
			return nil, fmt.Errorf("index entry %d (chunk %s) has length %d, want 1..%d", i, e.Chunk, e.Length, ChunkMaxSize)
		}
		if e.Offset > 1<<50 {
			return nil, fmt.Errorf("index entry %d (chunk %s) has implausible offset %d", i, e.Chunk, e.Offset)
		}
	}
	return entries, nil
}

// index is the in-memory union of all index objects of a store.
type index struct {
	mu     sync.RWMutex
	chunks map[rawID]location
	// objects are the ids of the index objects loaded or written.
	objects map[string]bool
}

func newIndex() *index {
	return &index{chunks: map[rawID]location{}, objects: map[string]bool{}}
}

func (x *index) lookup(id rawID) (location, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	l, ok := x.chunks[id]
	return l, ok
}

// add merges entries; a chunk already known keeps its first location.
func (x *index) add(objectID string, entries []indexEntry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range entries {
		if _, ok := x.chunks[e.Chunk]; !ok {
			x.chunks[e.Chunk] = e.location
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
	err := o.List(ctx, indexPrefix, func(key string, _ int64) error {
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

func readIndexObject(ctx context.Context, o objects, id string) ([]indexEntry, error) {
	data, err := o.Get(ctx, indexKey(id))
	if errors.Is(err, ErrCorrupt) {
		return nil, corruptf("index object %s is corrupt (%v); rebuild it from the packs with `mlform gc -rebuild-index`", id, err)
	}
	if err != nil {
		return nil, fmt.Errorf("read index object: %w", err)
	}
	if got := hashHex(data); got != id {
		return nil, corruptf("index object %s is corrupt (content hashes to %s); rebuild it from the packs with `mlform gc -rebuild-index`", id, got)
	}
	entries, err := decodeIndex(data)
	if err != nil {
		return nil, fmt.Errorf("index object %s: %w", id, err)
	}
	return entries, nil
}

// writeIndexObject stores entries as a new index object and returns its id.
func writeIndexObject(ctx context.Context, o objects, entries []indexEntry) (string, error) {
	data := encodeIndex(entries)
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
