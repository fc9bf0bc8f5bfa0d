package codehash

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/internal/relpath"
)

// skippedDirs are never part of a code tree, whatever the globs say:
// mlform's own working directory (recording state must not change a model's
// inputs), version-control metadata (a commit is not a code change) and
// the caches tools write next to the code while it runs (a Python trainer
// writes __pycache__ into trainer/ on every train: counting it would make
// every train a code change that asks for the next one).
var skippedDirs = map[string]bool{".mlform": true, ".git": true, ".hg": true, ".svn": true,
	"__pycache__": true, ".pytest_cache": true, ".mypy_cache": true, ".ruff_cache": true, ".ipynb_checkpoints": true}

// treeFile is one file selected by a set of globs, relative to the base
// directory with forward slashes.
type treeFile struct {
	Path string
	Mode string // git-style: "100644", "100755" or "120000" (symlink)
	Hash string // BLAKE3 hex of the content (of the link target for symlinks)
}

// codeHash hashes the files under baseDir matched by any of the doublestar
// globs (relative, slash-separated; "trainer/**"). The hash covers, in
// sorted path order, each file's relative path, its kind (regular,
// executable or symlink: permission bits beyond the executable bit vary with
// umask and are ignored) and the BLAKE3 hash of its content, so the same
// tree gives the same hash on any machine. Symlinks are hashed by their
// target text and never followed; nothing outside baseDir is read. A glob
// that matches no file is an error: a typo would otherwise hide every code
// change from the planner.
func codeHash(baseDir string, globs []string) (hash string, files int, err error) {
	return CodeHashCached(baseDir, globs, nil)
}

// CodeHashCached is codeHash taking unchanged files' hashes from cache
// (nil: none).
func CodeHashCached(baseDir string, globs []string, cache *CodeCache) (hash string, files int, err error) {
	r := selectTreeOnce(baseDir, globs, cache)
	return r.hash, len(r.list), r.err
}

// selectTreeOnce is selectTree and the tree's digest, remembered in cache
// (nil: not remembered) by base directory and globs: a plan opens one
// cache, and a fleet of models sharing their code (one trainer) is then
// listed and hashed once, not once per model.
func selectTreeOnce(baseDir string, globs []string, cache *CodeCache) treeResult {
	var key string
	if cache != nil {
		key = baseDir + "\x00" + strings.Join(globs, "\x00")
		if r, ok := cache.tree(key); ok {
			return r
		}
	}
	var r treeResult
	r.list, r.err = selectTree(baseDir, globs, cache)
	if r.err == nil {
		r.hash = treeDigest(r.list)
	} else {
		r.list = nil
	}
	if cache != nil {
		cache.rememberTree(key, r)
	}
	return r
}

// treeDigest is the BLAKE3 hex digest of a sorted file list.
func treeDigest(list []treeFile) string {
	h := blake3.New()
	for _, f := range list {
		// NUL cannot occur in a path, so the encoding is unambiguous.
		fmt.Fprintf(h, "%s\x00%s\x00%s\n", f.Path, f.Mode, f.Hash)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// selectTree returns the files under baseDir matched by globs, sorted by
// path, each hashed.
func selectTree(baseDir string, globs []string, cache *CodeCache) ([]treeFile, error) {
	if len(globs) == 0 {
		return nil, nil
	}
	root, paths, err := openMatched(baseDir, globs)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	abs, err := filepath.Abs(baseDir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", baseDir, err)
	}
	return hashAll(root, abs, paths, cache)
}

// hashAll hashes paths with one worker per CPU (hashing a code tree is
// mostly open/read syscalls), each reusing its hasher and buffer.
func hashAll(root *os.Root, abs string, paths []string, cache *CodeCache) ([]treeFile, error) {
	list := make([]treeFile, len(paths))
	started := time.Now()
	if cache != nil {
		started = cache.clock()
	}
	errs := make([]error, len(paths))
	workers := min(runtime.NumCPU(), len(paths))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r reader
			for {
				i := int(next.Add(1) - 1)
				if i >= len(paths) {
					return
				}
				list[i], errs[i] = hashTreeFile(root, paths[i], &r, cache, cacheKey(abs, paths[i]), started)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return list, nil
}

// checkGlob refuses patterns that are malformed or could name something
// outside the base directory.
func checkGlob(g string) error {
	switch {
	case g == "":
		return errors.New("empty glob")
	case strings.HasPrefix(g, "/") || (len(g) > 1 && g[1] == ':'):
		return fmt.Errorf("glob %q: must be relative to the working directory", g)
	case strings.Contains(g, "\\"):
		return fmt.Errorf("glob %q: use forward slashes", g)
	case !doublestar.ValidatePattern(g):
		return fmt.Errorf("glob %q: invalid pattern", g)
	}
	for _, seg := range strings.Split(g, "/") {
		if seg == ".." {
			return fmt.Errorf("glob %q: must not leave the working directory (..)", g)
		}
	}
	// Each brace alternative is a glob of its own ("{./a,b}" is "./a" and
	// "b"), held to the same rules.
	alts, err := relpath.ExpandGlob(g)
	if err != nil {
		return fmt.Errorf("glob %q: %v", g, err)
	}
	for _, a := range alts {
		switch {
		case a == "":
			return fmt.Errorf("glob %q: has an empty alternative, which matches no file", g)
		case strings.HasPrefix(a, "/") || (len(a) > 1 && a[1] == ':'):
			return fmt.Errorf("glob %q: must be relative to the working directory (its alternative %q)", g, a)
		case slices.Contains(strings.Split(a, "/"), ".."):
			return fmt.Errorf("glob %q: must not leave the working directory (.. in its alternative %q)", g, a)
		}
	}
	return nil
}

// alternatives returns the clean globs g stands for: its brace
// alternatives (relpath.ExpandGlob), each spelled as a path
// (relpath.CleanGlob), so "{./train.py,lib}" selects train.py and
// everything under lib, as "./train.py" and "lib" would. g is checked
// (checkGlob).
func alternatives(g string) []string {
	alts, err := relpath.ExpandGlob(g)
	if err != nil { // refused by checkGlob; match it whole
		alts = []string{g}
	}
	for i, a := range alts {
		alts[i] = relpath.CleanGlob(a)
	}
	return alts
}

// walkGlob adds to matched every non-directory path matching the clean,
// brace-free glob g (one of alternatives) and returns how many paths g
// matched. It walks only below the pattern's literal prefix, so "trainer/**" never reads the data directory, and never
// follows a symlink.
func walkGlob(root *os.Root, g string, matched map[string]bool) (int, error) {
	base, _ := doublestar.SplitPattern(g)
	if !hasMeta(g) {
		base = g // a file or a directory named literally
	}
	if skippedPath(base) {
		return 0, nil
	}
	fi, err := root.Lstat(base)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("glob %q: %w", g, err)
	case !fi.IsDir():
		if !matchGlob(g, base) {
			return 0, nil
		}
		matched[base] = true
		return 1, nil
	}
	n := 0
	err = fs.WalkDir(root.FS(), base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if skippedDirs[d.Name()] {
				return fs.SkipDir
			}
			return nil
		}
		if matchGlob(g, p) {
			matched[p] = true
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("glob %q: %w", g, err)
	}
	return n, nil
}

// skippedPath reports whether any segment of the slash path p is a
// skipped directory.
func skippedPath(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if skippedDirs[seg] {
			return true
		}
	}
	return false
}

// hashTreeFile hashes one selected path through root (which refuses to
// leave the base directory).
// reader is a hashing worker's hasher and read buffer, made on the first
// file the stat cache cannot answer: an unchanged tree reads nothing.
type reader struct {
	h   *blake3.Hasher
	buf []byte
}

func (r *reader) hasher() *blake3.Hasher {
	if r.h == nil {
		r.h, r.buf = blake3.New(), make([]byte, 64<<10)
	}
	return r.h
}

func hashTreeFile(root *os.Root, p string, r *reader, cache *CodeCache, key string, started time.Time) (treeFile, error) {
	fi, err := root.Lstat(p)
	if err != nil {
		return treeFile{}, fmt.Errorf("hash %s: %w", p, err)
	}
	if fi.Mode().IsRegular() {
		mode := "100644"
		if fi.Mode()&0o111 != 0 {
			mode = "100755"
		}
		if hash, ok := cache.lookup(key, fi); ok {
			return treeFile{Path: p, Mode: mode, Hash: hash}, nil
		}
	}
	h := r.hasher()
	h.Reset()
	mode := "100644"
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := root.Readlink(p)
		if err != nil {
			return treeFile{}, fmt.Errorf("hash %s: %w", p, err)
		}
		mode = "120000"
		io.WriteString(h, target)
	case fi.Mode().IsRegular():
		if fi.Mode()&0o111 != 0 {
			mode = "100755"
		}
		f, err := root.Open(p)
		if err != nil {
			return treeFile{}, fmt.Errorf("hash %s: %w", p, err)
		}
		_, err = io.CopyBuffer(h, f, r.buf)
		f.Close()
		if err != nil {
			return treeFile{}, fmt.Errorf("hash %s: %w", p, err)
		}
	default:
		return treeFile{}, fmt.Errorf("hash %s: not a regular file or symlink (%s)", p, fi.Mode().Type())
	}
	tf := treeFile{Path: p, Mode: mode, Hash: fmt.Sprintf("%x", h.Sum(nil))}
	if mode != "120000" {
		cache.remember(key, fi, tf.Hash, started)
	}
	return tf, nil
}

// matchGlob reports whether the slash path p is selected by the clean
// glob g. A glob without wildcards that names a directory selects
// everything below it ("trainer" works like "trainer/**"; "." is the base
// directory itself).
func matchGlob(g, p string) bool {
	if ok, _ := doublestar.Match(g, p); ok {
		return true
	}
	return !hasMeta(g) && (g == "." || strings.HasPrefix(p, g+"/"))
}

// hasMeta reports whether g contains any doublestar wildcard syntax.
func hasMeta(g string) bool { return strings.ContainsAny(g, "*?[{") }

// Selects reports whether the code globs select the file at rel (a slash
// path relative to the working directory, which need not exist yet) as
// a code tree would: nothing under a skipped directory (.mlform, .git,
// ...) ever is.
func Selects(globs []string, rel string) bool {
	if skippedPath(rel) {
		return false
	}
	for _, g := range globs {
		for _, a := range alternatives(g) {
			if matchGlob(a, rel) {
				return true
			}
		}
	}
	return false
}
