package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/mlform/mlform/internal/procid"
	"github.com/mlform/mlform/internal/relpath"
	"github.com/mlform/mlform/internal/sparsefile"
	"github.com/mlform/mlform/providers/storage/manifest"
	"github.com/mlform/mlform/providers/storage/packfmt"
)

// Materialize writes every file of manifest id under dir, creating
// directories as needed. Paths come from the manifest and are untrusted:
// they are validated, and no directory on the way may be a symlink or a
// non-directory, so nothing is written outside dir. Each file is written to
// a temporary name and renamed into place only when its content checked
// out; the exec bit follows Mode. Files already in dir that the manifest
// does not list are left alone, except the temporaries of a Materialize
// killed midway (sweepTemps).
//
// One-chunk files (every file under ChunkMinSize) are read in spans: the chunks
// of one pack that lie close together come in one range read, so pulling
// 20,000 small files costs a few dozen reads, not 20,000.
func (s *Store) Materialize(ctx context.Context, id, dir string) error {
	m, err := s.GetManifest(ctx, id)
	if err != nil {
		return err
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("materialize %s: %w", id, err)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("materialize %s: %w", id, err)
	}
	sweepTemps(root)
	spans, large := s.planSpans(m.Files)
	// Span buffers are recycled: one per file writer at most, grown to the
	// largest span they served.
	bufs := make(chan []byte, 2*s.workers)
	g, gctx := errgroup.WithContext(ctx)
	// Writing small files is dominated by file system calls, not by the
	// bucket: more of them in flight than readers.
	g.SetLimit(2 * s.workers)
	for _, f := range large {
		g.Go(func() error {
			if err := s.materializeStream(gctx, root, f); err != nil {
				return fmt.Errorf("materialize %s: %w", id, err)
			}
			return nil
		})
	}
	for _, sp := range spans {
		g.Go(func() error {
			// A buffer the size of the span: a workspace of tiny datasets
			// (one small CSV each) would otherwise allocate a chunk-sized
			// buffer per materialize, which dominated apply's memory.
			var buf []byte
			select {
			case buf = <-bufs:
			default:
			}
			if need := int(sp.end - sp.start); cap(buf) < need {
				buf = make([]byte, need)
			}
			defer func() { bufs <- buf }()
			if err := s.materializeSpan(gctx, root, sp, buf); err != nil {
				return fmt.Errorf("materialize %s: %w", id, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// span is a range of one pack holding the single chunks of some files.
type span struct {
	pack       packfmt.ID
	start, end uint64
	files      []spanFile
}

type spanFile struct {
	f   manifest.File
	loc packfmt.Location
}

// Span limits: chunks closer than maxSpanGap are read together (reading
// the gap costs less than a round trip), up to maxSpanSize per read.
const (
	maxSpanGap  = 1 << 20
	maxSpanSize = ChunkMaxSize // >= any one chunk, so every span fits
)

// planSpans groups one-chunk files into spans; the rest (several chunks,
// empty, or a chunk the index does not know, which then fails with a clear
// error on the streaming path) are returned as large.
func (s *Store) planSpans(files []manifest.File) ([]*span, []manifest.File) {
	var large []manifest.File
	byPack := map[packfmt.ID][]spanFile{}
	for _, f := range files {
		if len(f.Chunks) != 1 {
			large = append(large, f)
			continue
		}
		id, err := packfmt.ParseID(f.Chunks[0].ID)
		loc, ok := s.idx.lookup(id)
		if err != nil || !ok || loc.Length != f.Chunks[0].Size {
			large = append(large, f)
			continue
		}
		byPack[loc.Pack] = append(byPack[loc.Pack], spanFile{f, loc})
	}
	var spans []*span
	for pack, sfs := range byPack {
		sort.Slice(sfs, func(i, j int) bool { return sfs[i].loc.Offset < sfs[j].loc.Offset })
		var cur *span
		for _, sf := range sfs {
			end := sf.loc.Offset + uint64(sf.loc.Length)
			if cur != nil && sf.loc.Offset <= cur.end+maxSpanGap && max(end, cur.end)-cur.start <= maxSpanSize {
				cur.end = max(cur.end, end)
				cur.files = append(cur.files, sf)
				continue
			}
			cur = &span{pack: pack, start: sf.loc.Offset, end: end, files: []spanFile{sf}}
			spans = append(spans, cur)
		}
	}
	return spans, large
}

// materializeSpan reads one span and writes its files, each chunk checked
// against its id (which, for a one-chunk file, is also the file hash).
func (s *Store) materializeSpan(ctx context.Context, root string, sp *span, buf []byte) error {
	pack := sp.pack.String()
	data := buf[:sp.end-sp.start]
	if err := readRangeInto(ctx, s.o, packKey(pack), int64(sp.start), data); err != nil {
		return fmt.Errorf("pack %s: %w", pack, err)
	}
	for _, sf := range sp.files {
		chunk := data[sf.loc.Offset-sp.start : sf.loc.Offset-sp.start+uint64(sf.loc.Length)]
		c := sf.f.Chunks[0]
		if got := packfmt.Sum(chunk).String(); got != c.ID {
			return corruptf("file %q: chunk 0: chunk %s in pack %s at offset %d is corrupt: content hashes to %s", sf.f.Path, c.ID, pack, sf.loc.Offset, got)
		}
		if c.ID != sf.f.Hash {
			return corruptf("file %q is corrupt: content hashes to %s, want %s", sf.f.Path, c.ID, sf.f.Hash)
		}
		if err := writeFile(root, sf.f, bytes.NewReader(chunk)); err != nil {
			return err
		}
	}
	return nil
}

// materializeStream writes one file read through OpenFile.
func (s *Store) materializeStream(ctx context.Context, root string, f manifest.File) error {
	rc, err := s.OpenFile(ctx, f)
	if err != nil {
		return err
	}
	defer rc.Close()
	return writeFile(root, f, rc)
}

// writeFile writes r to f.Path under root through a temporary file renamed
// into place only when r reached EOF without error (OpenFile's EOF means
// verified). All-zero blocks are left as holes (internal/sparsefile).
func writeFile(root string, f manifest.File, r io.Reader) error {
	if err := relpath.Check(f.Path); err != nil {
		return err
	}
	parent, err := ensureDirs(root, path.Dir(f.Path))
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	target := filepath.Join(parent, path.Base(f.Path))
	if fi, err := os.Lstat(target); err == nil && fi.IsDir() {
		return fmt.Errorf("%s: a directory is in the way", f.Path)
	}
	tmp, err := os.CreateTemp(parent, tempPrefix+selfToken()+"-*")
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	sw := sparsefile.NewWriter(tmp)
	if _, err := io.Copy(sw, r); err != nil {
		return err
	}
	if err := sw.Finish(); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	perm := os.FileMode(0o644)
	if f.Mode&0o111 != 0 {
		perm = 0o755
	}
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	ok = true
	return nil
}

// tempPrefix starts the name of each file Materialize writes before it is
// verified: ".mlform-tmp-<procid token>-<n>", so that what a writer killed
// midway left (a partial file, possibly hundreds of megabytes, in a pull's
// target directory) is known to be mlform's and whose.
const tempPrefix = ".mlform-tmp-"

var selfToken = sync.OnceValue(func() string { return procid.Self().Token() })

// sweepTemps removes, anywhere under root, the temporaries of writers gone
// from this host (a pull or apply killed while materializing). Those of a
// live writer, of another host (a directory on a shared file system), and
// any name that is not exactly mlform's are left alone; so are symlinks and
// what lies behind them. Best effort: what cannot be removed stays.
func sweepTemps(root string) {
	_ = filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return nil
		}
		rest, ok := strings.CutPrefix(e.Name(), tempPrefix)
		if !ok {
			return nil
		}
		i := strings.LastIndexByte(rest, '-')
		if i < 0 {
			return nil
		}
		if _, err := strconv.ParseUint(rest[i+1:], 10, 64); err != nil {
			return nil
		}
		if tok, ok := procid.ParseToken(rest[:i]); ok && tok.Liveness() == procid.Gone {
			_ = os.Remove(p)
		}
		return nil
	})
}

// ensureDirs creates the directories of rel (a validated slash path, "."
// for root itself) under root one element at a time, refusing any element
// that exists as a symlink or a non-directory. It returns the OS path.
func ensureDirs(root, rel string) (string, error) {
	cur := root
	if rel == "." {
		return cur, nil
	}
	for _, el := range strings.Split(rel, "/") {
		cur = filepath.Join(cur, el)
		fi, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			if err := os.Mkdir(cur, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
				return "", err
			}
			fi, err = os.Lstat(cur)
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return "", fmt.Errorf("%s is a symlink; refusing to write through it", cur)
		}
		if !fi.IsDir() {
			return "", fmt.Errorf("%s is in the way: not a directory", cur)
		}
	}
	return cur, nil
}
