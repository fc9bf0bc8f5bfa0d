package codehash

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/mlform/mlform/internal/hexid"
)

// codeCacheFormat versions the cache file; another version is ignored.
const codeCacheFormat = 1

// racyMargin: a file modified less than this before it was hashed is not
// cached. A later change could otherwise keep the same size and mtime
// (coarse timestamps) and go unnoticed — git's "racy clean" problem.
const racyMargin = 2 * time.Second

// CodeCache remembers the content hash of code and lock files by their
// stat (size, mtime, ctime, inode, mode: ctime catches a file replaced
// under a reused inode number), so an unchanged tree costs one lstat
// per file instead of a read. It is a local optimisation only: a missing,
// unreadable or damaged cache file means "hash everything". Safe for
// concurrent use.
type CodeCache struct {
	path  string
	clock func() time.Time

	mu      sync.Mutex
	entries map[string]cacheEntry
	used    map[string]bool // looked up or remembered in this run
	dirty   bool
	// trees remembers each code tree hashed through this cache (by base
	// directory and globs): a plan opens one cache, and a fleet of models
	// sharing their code (one trainer) is then hashed once, not once per
	// model.
	trees map[string]treeResult
}

// treeResult is one selectTreeOnce answer: the sorted, hashed files and
// their digest, or the error.
type treeResult struct {
	list []treeFile
	hash string
	err  error
}

// tree returns the remembered answer for key, if any.
func (c *CodeCache) tree(key string) (treeResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.trees[key]
	return r, ok
}

func (c *CodeCache) rememberTree(key string, r treeResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.trees == nil {
		c.trees = map[string]treeResult{}
	}
	c.trees[key] = r
}

// cacheEntry is one remembered file (the JSON schema of the cache file).
type cacheEntry struct {
	Size    int64  `json:"size"`
	MtimeNs int64  `json:"mtime_ns"`
	CtimeNs int64  `json:"ctime_ns"`
	Inode   uint64 `json:"inode"`
	Mode    uint32 `json:"mode"`
	Hash    string `json:"hash"`
}

type cacheDoc struct {
	Format  int                   `json:"format"`
	Entries map[string]cacheEntry `json:"entries"`
}

// OpenCodeCache loads the cache at path ("" gives a cache that remembers
// nothing across runs). clock is the real wall clock (nil: time.Now),
// never a plan's -now.
func OpenCodeCache(path string, clock func() time.Time) *CodeCache {
	if clock == nil {
		clock = time.Now
	}
	c := &CodeCache{path: path, clock: clock, entries: map[string]cacheEntry{}, used: map[string]bool{}}
	if path == "" {
		return c
	}
	if b, err := os.ReadFile(path); err == nil {
		c.entries = decodeCodeCache(b)
	}
	return c
}

// decodeCodeCache reads a cache file, keeping only well-formed entries:
// the file is local but not trusted (anything may have written it).
func decodeCodeCache(b []byte) map[string]cacheEntry {
	out := map[string]cacheEntry{}
	var doc cacheDoc
	if json.Unmarshal(b, &doc) != nil || doc.Format != codeCacheFormat {
		return out
	}
	for key, e := range doc.Entries {
		if len(key) > 0 && len(key) <= 8192 && e.Size >= 0 && hexid.Valid(e.Hash) {
			out[key] = e
		}
	}
	return out
}

// Save writes the cache if it changed: to a temporary file renamed into
// place, so a crash never leaves a torn cache. Entries this run did not
// use (deleted files, files no glob selects any more) are dropped, so the
// cache stays the size of the trees it serves.
func (c *CodeCache) Save() error {
	if c == nil || c.path == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if !c.used[k] {
			delete(c.entries, k)
			c.dirty = true
		}
	}
	if !c.dirty {
		return nil
	}
	b, err := json.Marshal(cacheDoc{Format: codeCacheFormat, Entries: c.entries})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return fmt.Errorf("code cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".code-cache-*")
	if err != nil {
		return fmt.Errorf("code cache: %w", err)
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("code cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("code cache: %w", err)
	}
	c.dirty = false
	return nil
}

// key identifies a file across runs: its absolute path.
func cacheKey(root, p string) string { return filepath.Join(root, filepath.FromSlash(p)) }

// statOf extracts what the cache compares.
func statOf(fi fs.FileInfo) cacheEntry {
	e := cacheEntry{Size: fi.Size(), MtimeNs: fi.ModTime().UnixNano(), Mode: uint32(fi.Mode())}
	e.Inode, e.CtimeNs = inodeCtime(fi)
	return e
}

// lookup returns the remembered hash of a file whose stat is unchanged.
func (c *CodeCache) lookup(key string, fi fs.FileInfo) (string, bool) {
	if c == nil {
		return "", false
	}
	want := statOf(fi)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.used[key] = true
	e, ok := c.entries[key]
	if !ok || e.Size != want.Size || e.MtimeNs != want.MtimeNs || e.CtimeNs != want.CtimeNs || e.Inode != want.Inode || e.Mode != want.Mode {
		return "", false
	}
	return e.Hash, true
}

// remember records a file's hash unless it changed too recently to trust
// its stat (racyMargin) before hashing started at hashedAt.
func (c *CodeCache) remember(key string, fi fs.FileInfo, hash string, hashedAt time.Time) {
	if c == nil || !fi.ModTime().Before(hashedAt.Add(-racyMargin)) {
		return
	}
	e := statOf(fi)
	e.Hash = hash
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; !ok || old != e {
		c.entries[key] = e
		c.dirty = true
	}
}
