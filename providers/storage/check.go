package storage

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/mlform/mlform/providers/storage/packfmt"
)

// CheckOptions select how deep Check goes.
type CheckOptions struct {
	// ReadData reads every pack and object in full and verifies every
	// chunk's hash; without it Check reads only pack trailers, index
	// objects and manifests.
	ReadData bool
}

// Problem is one thing Check found wrong.
type Problem struct {
	Key     string // object key concerned
	Message string
}

func (p Problem) String() string { return p.Key + ": " + p.Message }

// CheckReport is the result of Check.
type CheckReport struct {
	Packs, IndexObjects, Chunks, Manifests, Objects int
	// UnindexedPacks are packs no index object names: left by an
	// interrupted write, harmless, removed by GC.
	UnindexedPacks int
	Problems       []Problem
}

// OK reports whether Check found no problem.
func (r *CheckReport) OK() bool { return len(r.Problems) == 0 }

func (r *CheckReport) add(key, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{Key: key, Message: fmt.Sprintf(format, args...)})
}

// Check verifies the store end to end from what is in the bucket (not from
// this Store's memory): every index object is intact, every index entry
// points at an existing pack and matches that pack's own trailer, every
// manifest is intact and all its chunks are indexed in existing packs, and
// with ReadData every pack, chunk and object hashes to its id. Problems are
// reported, not returned as errors; an error means Check itself could not
// run (a listing or read failed).
func (s *Store) Check(ctx context.Context, opts CheckOptions) (*CheckReport, error) {
	r := &CheckReport{}
	keys, err := s.listStore(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	r.Packs, r.IndexObjects, r.Manifests, r.Objects = len(keys.packs), len(keys.indexes), len(keys.manifests), len(keys.objects)

	// Index objects, read fresh.
	chunks := map[packfmt.ID]packfmt.Location{}
	byPack := map[packfmt.ID][]packfmt.IndexEntry{}
	for _, id := range keys.indexes {
		entries, err := readIndexObject(ctx, s.o, id)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			r.add(indexKey(id), "%v", err)
			continue
		}
		for _, e := range entries {
			if _, ok := chunks[e.Chunk]; !ok {
				chunks[e.Chunk] = e.Location
			}
			byPack[e.Pack] = append(byPack[e.Pack], e)
		}
	}
	r.Chunks = len(chunks)

	// Packs: their trailers (or whole content) against the index.
	badPacks := map[packfmt.ID]bool{}
	ids := slices.Sorted(maps.Keys(keys.packs))
	results, err := s.readPacks(ctx, ids, keys.packs, opts.ReadData)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	for i, id := range ids {
		pid, _ := packfmt.ParseID(id)
		entries, problems := results[i].entries, results[i].problems
		for _, p := range problems {
			r.add(packKey(id), "%s", p)
		}
		if len(problems) > 0 {
			badPacks[pid] = true
		}
		if len(byPack[pid]) == 0 {
			r.UnindexedPacks++
			continue
		}
		if entries == nil {
			continue
		}
		inPack := make(map[packfmt.ID]packfmt.Entry, len(entries))
		for _, e := range entries {
			inPack[e.ID] = e
		}
		for _, e := range byPack[pid] {
			pe, ok := inPack[e.Chunk]
			if !ok || pe.Offset != e.Offset || pe.Length != e.Length {
				r.add(packKey(id), "index entry for chunk %s (offset %d, length %d) does not match the pack's own index", e.Chunk, e.Offset, e.Length)
				badPacks[pid] = true
			}
		}
	}
	for pid, entries := range byPack {
		if _, ok := keys.packs[pid.String()]; !ok {
			r.add(packKey(pid.String()), "pack is missing but the index lists %d chunks in it", len(entries))
			badPacks[pid] = true
		}
	}

	// Manifests: intact and fully backed by indexed, healthy packs.
	for _, id := range keys.manifests {
		m, err := s.GetManifest(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			r.add(manifestKey(id), "%v", err)
			continue
		}
		for _, f := range m.Files {
			for i, c := range f.Chunks {
				cid, _ := packfmt.ParseID(c.ID)
				loc, ok := chunks[cid]
				switch {
				case !ok:
					r.add(manifestKey(id), "file %q chunk %d (%s) is not in any index", f.Path, i, c.ID)
				case badPacks[loc.Pack]:
					r.add(manifestKey(id), "file %q chunk %d (%s) is in damaged or missing pack %s", f.Path, i, c.ID, loc.Pack)
				case loc.Length != c.Size:
					r.add(manifestKey(id), "file %q chunk %d (%s) is %d bytes in the index, %d in the manifest", f.Path, i, c.ID, loc.Length, c.Size)
				}
			}
		}
	}

	if opts.ReadData {
		for _, id := range keys.objects {
			if _, err := s.GetObject(ctx, id); err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				r.add(objectKey(id), "%v", err)
			}
		}
	}
	return r, nil
}

// packResult is what Check learnt from one pack.
type packResult struct {
	entries  []packfmt.Entry // nil when unreadable
	problems []string
}

// readPacks reads the trailers (or, with readData, the whole content) of
// packs, up to s.workers at a time (a pack is a round trip on a remote
// bucket). A damaged pack is a problem; an error is returned only when
// reading itself failed (a pack vanished, the bucket or ctx failed).
func (s *Store) readPacks(ctx context.Context, ids []string, sizes map[string]int64, readData bool) ([]packResult, error) {
	results := make([]packResult, len(ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.workers)
	for i, id := range ids {
		g.Go(func() error {
			r := &results[i]
			if readData {
				var err error
				r.entries, r.problems, err = verifyPack(gctx, s.o, id)
				return err
			}
			entries, err := readPackEntries(gctx, s.o, id, sizes[id])
			switch {
			case err == nil:
				r.entries = entries
			case errors.Is(err, errDamaged):
				r.problems = []string{err.Error()}
			default:
				return err
			}
			return nil
		})
	}
	return results, g.Wait()
}

// storeKeys is a listing of the store's objects by kind.
type storeKeys struct {
	packs                       map[string]int64 // id -> size
	indexes, manifests, objects []string
	temps                       []string // upload leftovers (see isTempKey)
}

// listStore lists every object under the store's prefixes; names that are
// not valid store keys are reported to r (when not nil) and otherwise ignored.
func (s *Store) listStore(ctx context.Context, r *CheckReport) (*storeKeys, error) {
	k := &storeKeys{packs: map[string]int64{}}
	unexpected := func(key string) {
		if r != nil {
			r.add(key, "unexpected object in the store (not a valid store key); left alone")
		}
	}
	ids := func(prefix string, dst *[]string) func(string, int64) bool {
		return func(key string, _ int64) bool {
			id, ok := idFromKey(prefix, key)
			if ok {
				*dst = append(*dst, id)
			}
			return ok
		}
	}
	for _, l := range []struct {
		prefix string
		add    func(key string, size int64) bool // false: not a key of this prefix
	}{
		{packPrefix, func(key string, size int64) bool {
			id, ok := packIDFromKey(key)
			if ok {
				k.packs[id] = size
			}
			return ok
		}},
		{indexPrefix, ids(indexPrefix, &k.indexes)},
		{manifestPrefix, ids(manifestPrefix, &k.manifests)},
		{objectPrefix, ids(objectPrefix, &k.objects)},
	} {
		err := s.o.List(ctx, l.prefix, func(key string, size int64, _ time.Time) error {
			switch {
			case l.add(key, size):
			case isStoreKey(l.prefix, tempBase(key)):
				k.temps = append(k.temps, key)
			default:
				unexpected(key)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, ids := range [][]string{k.indexes, k.manifests, k.objects} {
		sort.Strings(ids)
	}
	return k, nil
}

// isTempKey matches what may be fileblob's temporary files
// ("<key>.<hex>.tmp"): an upload in progress, or one interrupted by a
// crash. Listings of roots and locks skip them; GC deletes only those of
// its own keys (tempBase, isStoreKey).
func isTempKey(key string) bool {
	return strings.HasSuffix(key, ".tmp")
}

// tempBase is the key a fileblob temporary "<key>.<hex>.tmp" is written
// for, or "" when key is not named that way.
func tempBase(key string) string {
	rest, ok := strings.CutSuffix(key, ".tmp")
	if !ok {
		return ""
	}
	i := strings.LastIndexByte(rest, '.')
	if i <= 0 || i == len(rest)-1 {
		return ""
	}
	for _, c := range rest[i+1:] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return ""
		}
	}
	return rest[:i]
}

// isStoreKey reports whether key is an object key the store writes under
// prefix (one of the prefixes listStore lists). GC deletes a temporary
// only when it was written for such a key: a store may share its
// directory with other files (a user's data/notes.tmp), which are not its
// to delete.
func isStoreKey(prefix, key string) bool {
	if prefix == packPrefix {
		_, ok := packIDFromKey(key)
		return ok
	}
	_, ok := idFromKey(prefix, key)
	return ok
}
