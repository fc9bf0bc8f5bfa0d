package storage

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/mlform/mlform/internal/hexid"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/providers/storage/packfmt"
)

// GCReport says what GC removed and kept.
type GCReport struct {
	ManifestsKept, ManifestsDeleted int
	ObjectsKept, ObjectsDeleted     int
	PacksKept, PacksDeleted         int
	IndexObjectsDeleted             int
	TempObjectsDeleted              int   // leftovers of interrupted local uploads
	BytesDeleted                    int64 // pack bytes
	// Roots counts the workspace roots whose ids were kept;
	// MissingRootIDs the ids they name that the store no longer has.
	Roots, MissingRootIDs int
	// roots are those roots' lineages and backends.
	roots []rootOwner
}

type rootOwner struct{ lineage, backend string }

// OwnRoots counts the kept roots of the workspace whose state has lineage
// and lives at backend (one per storage block of it naming this store).
func (r *GCReport) OwnRoots(lineage, backend string) int {
	n := 0
	for _, o := range r.roots {
		if o.lineage == lineage && o.backend == backend {
			n++
		}
	}
	return n
}

// GC deletes everything that neither keep nor any root reaches. keep is
// the caller's own live set (the ids its workspace's state references);
// every root in the store (one per workspace sharing it, see roots.go and storedoc)
// adds its ids. Manifests and objects reached by neither are deleted, and
// so are packs holding no chunk of a kept manifest. A pack with any live
// chunk is kept whole (no repacking).
//
// Every id in keep must exist, and every kept manifest must be readable
// with all chunks indexed; otherwise GC refuses and deletes nothing, since
// a wrong keep set (say, the state of another store) would otherwise
// delete live data. An id of another workspace's root that is absent is
// only counted (MissingRootIDs): that workspace already lost it, and it
// must not stop every other workspace from collecting. A root that cannot
// be decoded makes GC refuse: what it protects is unknown.
//
// The caller must hold the exclusive store lock (Lock with LockExclusive)
// so that no writer uploads objects it has not recorded in a root yet.
//
// Order: unkept manifests, then a new consolidated index object, then the
// old index objects, then dead packs and objects. A crash at any point
// leaves a consistent store; the next GC finishes the job.
func (s *Store) GC(ctx context.Context, keep []string) (*GCReport, error) {
	if s.exclusive.Load() <= 0 {
		return nil, errors.New("gc: the exclusive store lock is not held (take it with Lock(ctx, LockExclusive, ...))")
	}
	if s.w.unflushed() {
		return nil, errors.New("gc: this store has unflushed writes; Flush first")
	}
	if err := s.CheckLocks(ctx); err != nil {
		return nil, fmt.Errorf("gc: %w", err)
	}
	keys, err := s.listStore(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("gc: %w", err)
	}
	isManifest := setOf(keys.manifests)
	isObject := setOf(keys.objects)
	keepSet := map[string]bool{}
	for _, id := range keep {
		if err := hexid.Check("keep", id); err != nil {
			return nil, fmt.Errorf("gc: %w", err)
		}
		if !isManifest[id] && !isObject[id] {
			return nil, &MissingKeptError{ID: id}
		}
		keepSet[id] = true
	}
	r := &GCReport{}
	roots, err := s.Roots(ctx)
	if err != nil {
		return nil, fmt.Errorf("gc: %w", err)
	}
	for _, e := range roots {
		if e.Err != nil {
			return nil, fmt.Errorf("gc: %w; refusing to collect: what that workspace references is unknown (if its workspace is gone: mlform gc -forget-workspace %s)", e.Err, e.Name)
		}
		r.Roots++
		r.roots = append(r.roots, rootOwner{e.Root.Lineage, e.Root.Backend})
		for _, id := range e.Root.IDs {
			if !isManifest[id] && !isObject[id] {
				r.MissingRootIDs++
				continue
			}
			keepSet[id] = true
		}
	}

	// Read the index fresh: it is what the new index is built from.
	idx, err := loadIndex(ctx, s.o, s.workers, false)
	if err != nil {
		return nil, fmt.Errorf("gc: %w", err)
	}
	livePacks := map[packfmt.ID]bool{}
	for id := range keepSet {
		if !isManifest[id] {
			continue
		}
		m, err := s.GetManifest(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("gc: kept %w; refusing to collect", err)
		}
		for _, f := range m.Files {
			for _, c := range f.Chunks {
				cid, _ := packfmt.ParseID(c.ID)
				loc, ok := idx.chunks[cid]
				if !ok {
					return nil, fmt.Errorf("gc: kept manifest %s file %q references chunk %s that no index lists; refusing to collect (run check)", id, f.Path, c.ID)
				}
				livePacks[loc.Pack] = true
			}
		}
	}
	for pid := range livePacks {
		if _, ok := keys.packs[pid.String()]; !ok {
			return nil, fmt.Errorf("gc: pack %s holding live chunks is missing; refusing to collect (run check)", pid)
		}
	}

	// 1. Manifests nothing references.
	kept := func(id string) bool { return keepSet[id] }
	if err := s.sweep(ctx, keys.manifests, kept, manifestKey, &r.ManifestsKept, &r.ManifestsDeleted, nil); err != nil {
		return r, err
	}
	// 2. One index object for the live packs, then the old ones.
	var entries []packfmt.IndexEntry
	for chunk, loc := range idx.chunks {
		if livePacks[loc.Pack] {
			entries = append(entries, packfmt.IndexEntry{Chunk: chunk, Location: loc})
		}
	}
	newID := ""
	if err := s.CheckLocks(ctx); err != nil {
		return r, fmt.Errorf("gc: %w", err)
	}
	if len(entries) > 0 {
		if newID, err = writeIndexObject(ctx, s.o, entries); err != nil {
			return r, fmt.Errorf("gc: %w", err)
		}
	}
	if err := s.sweep(ctx, keys.indexes, func(id string) bool { return id == newID }, indexKey, nil, &r.IndexObjectsDeleted, nil); err != nil {
		return r, err
	}
	fresh := newIndex()
	fresh.add(newID, entries)
	s.idx.replace(fresh)
	// 3. Packs no kept manifest uses, and unkept objects.
	livePack := func(id string) bool {
		pid, _ := packfmt.ParseID(id)
		return livePacks[pid]
	}
	packBytes := func(id string) { r.BytesDeleted += keys.packs[id] }
	if err := s.CheckLocks(ctx); err != nil {
		return r, fmt.Errorf("gc: %w", err)
	}
	if err := s.sweep(ctx, slices.Sorted(maps.Keys(keys.packs)), livePack, packKey, &r.PacksKept, &r.PacksDeleted, packBytes); err != nil {
		return r, err
	}
	if err := s.sweep(ctx, keys.objects, kept, objectKey, &r.ObjectsKept, &r.ObjectsDeleted, nil); err != nil {
		return r, err
	}
	// Temporary files of uploads a crash interrupted (fileblob writes
	// "<key>.<n>.tmp" next to the key). No upload is in progress: the
	// caller holds the exclusive store lock.
	none := func(string) bool { return false }
	asIs := func(key string) string { return key }
	if err := s.sweep(ctx, keys.temps, none, asIs, nil, &r.TempObjectsDeleted, nil); err != nil {
		return r, err
	}
	return r, nil
}

// MissingKeptError is GC refusing because an id of its keep set is not in
// the store: a wrong keep set (another store's state) would otherwise
// delete live data, and a lost object is for the caller to report.
type MissingKeptError struct {
	ID string
}

func (e *MissingKeptError) Error() string {
	return fmt.Sprintf("gc: referenced id %s is neither a manifest nor an object in this store; refusing to collect (is this the right store?)", e.ID)
}

// sweep deletes the object of every id that keep refuses (key names it),
// counting the ids kept (kept may be nil) and deleted, and calling
// deleted for each one gone (nil: nothing more to do). Before each delete
// it checks that the store locks held still hold (by their refresh time;
// GC checks the lock objects between phases): a gc stopped or suspended
// past the stale timeout may find that a writer took the store since and
// now uses a chunk this gc judged dead.
func (s *Store) sweep(ctx context.Context, ids []string, keep func(id string) bool, key func(id string) string, nKept, nDeleted *int, deleted func(id string)) error {
	for _, id := range ids {
		if keep(id) {
			if nKept != nil {
				*nKept++
			}
			continue
		}
		if err := s.locksFresh(); err != nil {
			return fmt.Errorf("gc: %w", err)
		}
		if err := s.deleteKey(ctx, key(id)); err != nil {
			return fmt.Errorf("gc: %w", err)
		}
		*nDeleted++
		if deleted != nil {
			deleted(id)
		}
	}
	return nil
}

// deleteKey deletes key; already gone is fine.
func (s *Store) deleteKey(ctx context.Context, key string) error {
	if err := s.o.Delete(ctx, key); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("delete %w", err)
	}
	return nil
}

func setOf(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// RebuildIndex rebuilds the store index from the packs' own trailers, for a
// store whose index objects were lost or damaged. It writes one new index
// object naming every chunk of every readable pack; the old index objects
// are deleted only when every pack could be read (otherwise they may hold
// the only record of a damaged pack's chunks, and an error names the bad
// packs). It returns the number of packs indexed.
func (s *Store) RebuildIndex(ctx context.Context) (int, error) {
	if s.w.unflushed() {
		return 0, errors.New("rebuild index: this store has unflushed writes; Flush first")
	}
	keys, err := s.listStore(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("rebuild index: %w", err)
	}
	var entries []packfmt.IndexEntry
	var bad []error
	seen := map[packfmt.ID]bool{}
	packs := 0
	ids := slices.Sorted(maps.Keys(keys.packs))
	results, err := s.readPacks(ctx, ids, keys.packs, false)
	if err != nil {
		return 0, fmt.Errorf("rebuild index: %w", err)
	}
	for i, id := range ids {
		if len(results[i].problems) > 0 {
			bad = append(bad, errors.New(strings.Join(results[i].problems, "; ")))
			continue
		}
		packs++
		pid, _ := packfmt.ParseID(id)
		for _, e := range results[i].entries {
			if seen[e.ID] {
				continue
			}
			seen[e.ID] = true
			entries = append(entries, packfmt.IndexEntry{Chunk: e.ID, Location: packfmt.Location{Pack: pid, Offset: e.Offset, Length: e.Length}})
		}
	}
	newID := ""
	if err := s.CheckLocks(ctx); err != nil {
		return 0, fmt.Errorf("rebuild index: %w", err)
	}
	if len(entries) > 0 {
		if newID, err = writeIndexObject(ctx, s.o, entries); err != nil {
			return 0, fmt.Errorf("rebuild index: %w", err)
		}
	}
	if len(bad) > 0 {
		idx, lerr := loadIndex(ctx, s.o, s.workers, true)
		if lerr == nil {
			s.idx.replace(idx)
		}
		return packs, fmt.Errorf("rebuild index: %s unreadable, old index objects kept: %w", textfmt.Count(len(bad), "pack"), errors.Join(bad...))
	}
	for _, id := range keys.indexes {
		if id != newID {
			if err := s.deleteKey(ctx, indexKey(id)); err != nil {
				return packs, fmt.Errorf("rebuild index: %w", err)
			}
		}
	}
	fresh := newIndex()
	fresh.add(newID, entries)
	s.idx.replace(fresh)
	return packs, nil
}
