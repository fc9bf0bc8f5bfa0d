// Package observe scans a dataset source: it selects files with
// include/exclude globs, hashes (and chunks) the new or changed ones in
// parallel, reuses a local stat cache for the rest, and profiles the
// configured CSV columns in the same read. Plan calls it for every
// dataset; apply records what it returned.
package observe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/mlform/mlform/internal/readfile"
	"github.com/mlform/mlform/internal/relpath"
	"github.com/mlform/mlform/planner/observe/pathfilter"
	"github.com/mlform/mlform/planner/observe/statcache"
	"github.com/mlform/mlform/planner/profile"
	"github.com/mlform/mlform/providers/source"
)

// Options configures one observation.
type Options struct {
	// Include and Exclude are doublestar globs over paths relative to the
	// source root (see pathfilter.Filter for the exact rules). Empty
	// Include: all.
	Include, Exclude []string
	// Workers bounds the files hashed at once (default runtime.NumCPU()).
	Workers int
	// CacheDir holds the stat caches ("" disables caching); CacheKey names
	// this dataset's cache in it (the dataset name).
	CacheDir, CacheKey string
	// SourceName is what the stat cache records for the source (a
	// different one invalidates it); "" means src.String(). A source that
	// must not be written down passes a hash of it.
	SourceName string
	// Skip lists local directories whose contents never belong to a
	// snapshot even when the source contains them: the workspace's own
	// .mlform directory and local state or store directories, which every
	// apply rewrites (a dataset with source = "." would otherwise never
	// settle). The cache directory is always skipped.
	Skip []string
	// StatsColumns are the CSV columns to profile in every "*.csv" file
	// (case-insensitive extension); none means no profile.
	StatsColumns []string
	// Hash chunks and hashes one file's content exactly like the store
	// will (storage.Store.HashFile). Required.
	Hash func(io.Reader) (File, error)
	// HashID identifies Hash's output format (the store's chunker and
	// hash configuration): cache entries made under another HashID are
	// not reused.
	HashID string
	// ManifestID computes a snapshot id from the sorted files; nil means
	// manifest.ID of a Manifest{Kind: "snapshot", Files: files}.
	ManifestID func(files []File) string
	// Progress, when set, is called serially with the running totals of
	// files hashed and bytes read: after each file, and every 8 MiB within
	// a large one.
	Progress func(files int, bytes int64)
	// Clock is the wall clock of the racy-timestamp rule (nil: time.Now).
	// It must be the real clock of this host, never a plan's -now; tests
	// move it forward to make freshly written files look old.
	Clock func() time.Time
}

// Observation is what a source holds now.
type Observation struct {
	// Files sorted by Path, with Path and Mode (permission bits) set.
	Files []File
	Bytes int64
	// ID is the snapshot id of Files.
	ID string
	// Profile merges the per-file column profiles in path order; nil when
	// no StatsColumns were asked for.
	Profile *profile.Profile
	// Hashed counts the files read; Cached those taken from the stat cache.
	Hashed, Cached int
}

// racyMargin is how long after the start of a scan a file must have been
// last modified (or had its inode changed) to be re-hashed next time even
// if its stat data is unchanged: a write within one timestamp tick of the
// scan could leave mtime unchanged (git's "racy clean" problem). It covers
// coarse file-system timestamps (FAT's 2 s) and small clock differences
// between the file system and this host.
const racyMargin = 2 * time.Second

// Observe scans src. A file the filters include that is not a regular file
// (a symlink, FIFO, device) is an error naming it: the source follows no
// links and a snapshot never silently misses data. Errors name the file or
// pattern at fault; the caller adds which dataset was being observed.
func Observe(ctx context.Context, src source.Source, opts Options) (*Observation, error) {
	if opts.Hash == nil {
		return nil, errors.New("observe: Options.Hash is required")
	}
	if opts.ManifestID == nil {
		opts.ManifestID = snapshotID
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.NumCPU()
	}
	f, err := pathfilter.New(opts.Include, opts.Exclude)
	if err != nil {
		return nil, err
	}
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	scanStart := clock().UnixNano()
	// The cache (20,000 entries to decode and check for a large dataset)
	// loads while the source is walked: the walk waits on the file
	// system, the decoding on the CPU.
	var cache *statcache.Cache
	cachePathName := ""
	cacheLoaded := make(chan struct{})
	if opts.CacheDir != "" {
		cachePathName = statcache.Path(opts.CacheDir, opts.CacheKey)
		name := sourceName(src, opts)
		go func() {
			defer close(cacheLoaded)
			cache = statcache.Load(cachePathName)
			if cache != nil && (cache.HashID != opts.HashID || cache.Source != name) {
				cache = nil
			}
		}()
	} else {
		close(cacheLoaded)
	}
	entries, err := source.Entries(ctx, src)
	<-cacheLoaded
	if err != nil {
		return nil, err
	}
	entries, err = selectEntries(entries, f, ownDirs(src, append([]string{opts.CacheDir}, opts.Skip...)), src)
	if err != nil {
		return nil, err
	}

	s := &scan{opts: opts, src: src, entries: entries, local: src.Local()}
	s.match(cache)
	if err := s.hashAll(ctx); err != nil {
		return nil, err
	}
	obs, err := s.result(ctx, cache)
	if err != nil {
		return nil, err
	}
	if cachePathName != "" && s.cacheChanged(cache, obs) {
		// A cache that cannot be written costs speed next time, not
		// correctness: the observation stands.
		_ = statcache.Save(cachePathName, s.newCache(scanStart, obs))
	}
	return obs, nil
}

// sourceName is the source as the stat cache records it.
func sourceName(src source.Source, opts Options) string {
	if opts.SourceName != "" {
		return opts.SourceName
	}
	return src.String()
}

// selectEntries keeps, in place, the entries the filter includes, minus
// the observer's own cache directory; an included non-regular file, or one
// whose name breaks the path rule every manifest, pull and publish applies
// (internal/relpath), is an error naming it, so plan refuses what apply
// could never record.
func selectEntries(entries []source.Entry, f *pathfilter.Filter, own []string, src source.Source) ([]source.Entry, error) {
	kept := entries[:0]
	for _, e := range entries {
		if !f.Match(e.Path) || under(e.Path, own) {
			continue
		}
		if !e.Mode.IsRegular() {
			return nil, fmt.Errorf("%s in %s is %s, not a regular file%s: exclude it or copy the data in", e.Path, src, readfile.Kind(e.Mode), symlinkNote(e))
		}
		if err := relpath.Check(e.Path); err != nil {
			return nil, fmt.Errorf("%w: rename it or exclude it", err)
		}
		kept = append(kept, e)
	}
	// A bucket may hold both "f" and "f/g"; no manifest can (a path is
	// never both a file and a directory), so apply would fail after
	// uploading: say it now.
	files := make(map[string]bool, len(kept))
	for _, e := range kept {
		files[e.Path] = true
	}
	for _, e := range kept {
		for dir := path.Dir(e.Path); dir != "." && dir != "/"; dir = path.Dir(dir) {
			if files[dir] {
				return nil, fmt.Errorf("%q is both a file and the directory of %q, which no snapshot can hold: rename one or exclude one", dir, e.Path)
			}
		}
	}
	return kept, nil
}

// under reports whether path is one of dirs or inside one of them.
func under(path string, dirs []string) bool {
	for _, d := range dirs {
		if path == d || strings.HasPrefix(path, d+"/") {
			return true
		}
	}
	return false
}

// ownDirs returns the paths, relative to a local source's root, of those
// dirs that lie inside it (the cache, the workspace's .mlform, local state
// and stores): a source that contains the workspace (source = ".") must
// not snapshot what this very run rewrites.
func ownDirs(src source.Source, dirs []string) []string {
	r, ok := src.(interface{ Root() string })
	if !ok {
		return nil
	}
	var own []string
	for _, d := range dirs {
		if d == "" {
			continue
		}
		abs, err := filepath.Abs(d)
		if err != nil {
			continue
		}
		rel, err := filepath.Rel(r.Root(), abs)
		if err != nil || rel == "." || !filepath.IsLocal(rel) {
			continue
		}
		own = append(own, filepath.ToSlash(rel))
	}
	return own
}

func symlinkNote(e source.Entry) string {
	if e.Mode&fs.ModeSymlink != 0 {
		return " (mlform follows no symlinks)"
	}
	return ""
}

// profiled reports whether path is a CSV file to profile.
func (s *scan) profiled(path string) bool {
	return len(s.opts.StatsColumns) > 0 && strings.HasSuffix(strings.ToLower(path), ".csv")
}
