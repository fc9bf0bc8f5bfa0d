package source

import (
	"context"
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

	"github.com/mlform/mlform/internal/relpath"
)

// local is a directory tree (or one file) on a local file system.
type local struct {
	dir  string   // absolute, cleaned root directory
	file string   // non-empty for a single-file source: its base name
	root *os.Root // confines Open to dir, symlinks included
	fast *fastOpener
}

// notExistError is a local source that is not there; errors.Is sees
// fs.ErrNotExist, so a caller can say where the source was set.
type notExistError struct{ path string }

func (e notExistError) Error() string        { return "dataset source " + e.path + " does not exist" }
func (e notExistError) Is(target error) bool { return target == fs.ErrNotExist }

func openLocal(path string) (Source, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("dataset source %s: %w", path, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, notExistError{path}
		}
		return nil, fmt.Errorf("dataset source %s: %w", path, err)
	}
	l := &local{dir: abs}
	switch {
	case fi.IsDir():
	case fi.Mode().IsRegular():
		l.dir, l.file = filepath.Dir(abs), filepath.Base(abs)
	default:
		return nil, fmt.Errorf("dataset source %s is neither a directory nor a regular file (mode %s)", path, fi.Mode())
	}
	if l.root, err = os.OpenRoot(l.dir); err != nil {
		return nil, fmt.Errorf("dataset source %s: %w", path, err)
	}
	l.fast = newFastOpener(l.dir)
	return l, nil
}

func (l *local) String() string {
	if l.file != "" {
		return filepath.Join(l.dir, l.file)
	}
	return l.dir
}

func (l *local) Local() bool { return true }

// Root returns the absolute directory every path is relative to (a
// single-file source's parent), so callers can recognise their own files
// inside it (the observer skips its stat cache).
func (l *local) Root() string { return l.dir }

func (l *local) Close() error {
	l.fast.close()
	return l.root.Close()
}

// Open opens a regular file inside the root. The path is re-validated: it
// may come from a cache or a manifest rather than from Walk.
func (l *local) Open(ctx context.Context, path string) (io.ReadCloser, error) {
	if err := relpath.Check(path); err != nil {
		return nil, fmt.Errorf("open %q in %s: %w", path, l, err)
	}
	if l.file != "" && path != filepath.ToSlash(l.file) {
		return nil, fmt.Errorf("open %q: source %s is the single file %s", path, l, l.file)
	}
	name := filepath.FromSlash(path)
	if f := l.fast.open(name); f != nil {
		return f, nil
	}
	fi, err := l.root.Lstat(name)
	if err != nil {
		return nil, fmt.Errorf("open %q in %s: %w", path, l, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("open %q in %s: not a regular file (mode %s)", path, l, fi.Mode())
	}
	f, err := l.root.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open %q in %s: %w", path, l, err)
	}
	return f, nil
}

// Walk lists the tree with one worker per CPU, each reading whole
// directories and stat-ing their entries relative to an open directory
// handle (one fstatat per file, no path re-resolution), then reports the
// entries in path order.
func (l *local) Walk(ctx context.Context, fn func(Entry) error) error {
	return walkListing(ctx, l, fn)
}

// Entries is Walk's listing as one slice the caller owns.
func (l *local) Entries(ctx context.Context) ([]Entry, error) {
	if l.file == "" {
		return l.walkTree(ctx)
	}
	e, err := lstatEntry(l.dir, l.file)
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", l, err)
	}
	e.Path = filepath.ToSlash(l.file)
	return []Entry{e}, nil
}

// treeWalk is the shared state of one parallel walk.
type treeWalk struct {
	ctx  context.Context
	sem  chan struct{} // bounds goroutines beyond the caller's
	wg   sync.WaitGroup
	mu   sync.Mutex
	n    int // entries found
	err  error
	stop chan struct{}
	once sync.Once
}

// dirResult is one directory's listing: its files and subdirectories in
// the order of their keys (a file's name, a directory's name plus "/"), so
// concatenating the tree depth-first yields every path in lexical byte
// order without sorting all paths at the end.
type dirResult struct {
	files []Entry
	items []dirItem
}

type dirItem struct {
	key  string
	file int        // index in files, for a file
	sub  *dirResult // for a directory
}

func (r *dirResult) appendTo(out []Entry) []Entry {
	for _, it := range r.items {
		if it.sub != nil {
			out = it.sub.appendTo(out)
		} else {
			out = append(out, r.files[it.file])
		}
	}
	return out
}

func (w *treeWalk) fail(err error) {
	w.once.Do(func() {
		w.mu.Lock()
		w.err = err
		w.mu.Unlock()
		close(w.stop)
	})
}

func (w *treeWalk) stopped() bool {
	select {
	case <-w.stop:
		return true
	default:
		return w.ctx.Err() != nil
	}
}

func (l *local) walkTree(ctx context.Context) ([]Entry, error) {
	d, err := openRootDir(l.dir)
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", l, err)
	}
	w := &treeWalk{ctx: ctx, sem: make(chan struct{}, runtime.NumCPU()), stop: make(chan struct{})}
	root := &dirResult{}
	w.walkDir(d, "", root)
	w.wg.Wait()
	if w.err != nil {
		return nil, fmt.Errorf("walk %s: %w", l, w.err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return root.appendTo(make([]Entry, 0, w.n)), nil
}

// walkDir reads one directory (closing d) into res and walks its
// subdirectories, in a new goroutine while the semaphore allows and inline
// otherwise, so depth never blocks progress.
func (w *treeWalk) walkDir(d dirHandle, rel string, res *dirResult) {
	defer d.Close()
	if w.stopped() {
		return
	}
	names, err := d.ReadDir()
	if err != nil {
		w.fail(fmt.Errorf("read directory %s: %w", displayRel(rel), err))
		return
	}
	res.files = make([]Entry, 0, len(names))
	res.items = make([]dirItem, 0, len(names))
	for _, n := range names {
		p := n.Name
		if rel != "" {
			p = rel + "/" + n.Name
		}
		isDir := n.Dir
		if !isDir {
			e, err := d.Stat(n.Name)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue // removed since the directory was read
				}
				w.fail(fmt.Errorf("stat %s: %w", p, err))
				return
			}
			if !e.Mode.IsDir() {
				e.Path = p
				res.items = append(res.items, dirItem{key: n.Name, file: len(res.files)})
				res.files = append(res.files, e)
				continue
			}
			isDir = true
		}
		sub, err := d.OpenDir(n.Name)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since the directory was read
		}
		if err != nil {
			w.fail(fmt.Errorf("open directory %s: %w", p, err))
			return
		}
		subRes := &dirResult{}
		res.items = append(res.items, dirItem{key: n.Name + "/", sub: subRes})
		select {
		case w.sem <- struct{}{}:
			w.wg.Add(1)
			go func() {
				defer w.wg.Done()
				defer func() { <-w.sem }()
				w.walkDir(sub, p, subRes)
			}()
		default:
			w.walkDir(sub, p, subRes)
		}
	}
	slices.SortFunc(res.items, func(a, b dirItem) int { return strings.Compare(a.key, b.key) })
	w.mu.Lock()
	w.n += len(res.files)
	w.mu.Unlock()
}

func displayRel(rel string) string {
	if rel == "" {
		return "."
	}
	return rel
}

// dirName is one name read from a directory.
type dirName struct {
	Name string
	Dir  bool // known to be a directory from the directory entry's type
}

// StatAtOpen is OpenStat, but a reader that took its stat data when it
// was opened (before any read) answers without another fstat.
func StatAtOpen(r io.Reader) (Entry, bool) {
	if f, ok := r.(interface{ StatAtOpen() Entry }); ok {
		return f.StatAtOpen(), true
	}
	return OpenStat(r)
}

// OpenStat returns the current stat data of r when r is a file a local
// source's Open returned (fstat of its descriptor), and false for any other
// reader (a bucket object, whose reader serves one version). The observer
// compares a reading taken before a file is hashed with one taken after,
// and reads the file again if it was written in between, so a snapshot
// never records a mixture of two versions of a file.
func OpenStat(r io.Reader) (Entry, bool) {
	switch f := r.(type) {
	case interface{ StatNow() (Entry, error) }:
		e, err := f.StatNow()
		return e, err == nil
	case *os.File:
		e, err := fstatEntry(f)
		return e, err == nil
	}
	return Entry{}, false
}
