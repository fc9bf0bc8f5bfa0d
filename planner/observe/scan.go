package observe

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/mlform/mlform/providers/storage/chunker"

	"golang.org/x/sync/errgroup"

	"github.com/mlform/mlform/planner/observe/statcache"
	"github.com/mlform/mlform/planner/profile"
	"github.com/mlform/mlform/providers/source"
)

// scan is the working state of one Observe call.
type scan struct {
	opts    Options
	src     source.Source
	entries []source.Entry // included regular files, sorted by path
	local   bool

	files []File             // per entry
	profs []*profile.Profile // per entry, profiled files hashed in this scan
	raw   [][]byte           // per entry, encoded per-file profile (cache)
	need  []int              // entries to read

	limits    *limiter
	read      []bool // per entry: read in this scan
	colsSame  bool   // cache profiles were made for the same columns
	cachedAll bool   // every entry fresh in the cache, and no cached entry gone
	// oldModes: a fresh cached entry records a mode other than the one
	// a snapshot records now (a cache written before snapshotMode), so
	// the cache's LastID is not the id of these files.
	oldModes bool

	mu          sync.Mutex // serialises Progress
	hashedFiles int
	hashedBytes int64
	hashedCount atomic.Int64
}

// match takes every entry whose stat data is unchanged since the cache was
// written from the cache, and lists the others in need.
func (s *scan) match(cache *statcache.Cache) {
	n := len(s.entries)
	s.files = make([]File, n)
	if len(s.opts.StatsColumns) > 0 { // per-file profile state
		s.profs = make([]*profile.Profile, n)
		s.raw = make([][]byte, n)
		s.read = make([]bool, n)
	}
	s.limits = newLimiter()
	if cache == nil {
		s.need = make([]int, n)
		for i := range s.need {
			s.need[i] = i
		}
		return
	}
	s.colsSame = slices.Equal(cache.Columns, s.opts.StatsColumns)
	ce, j, matched := cache.Entries, 0, 0
	for i := range s.entries {
		e := &s.entries[i]
		for j < len(ce) && ce[j].Path < e.Path {
			j++
		}
		if j == len(ce) || ce[j].Path != e.Path || !s.fresh(e, &ce[j], cache.ScanStartNs) {
			s.need = append(s.need, i)
			continue
		}
		c := &ce[j]
		if s.profiled(e.Path) {
			if !s.colsSame || len(c.Profile) == 0 {
				s.need = append(s.need, i)
				continue
			}
			s.raw[i] = c.Profile
		}
		s.files[i] = c.File
		s.files[i].Mode = snapshotMode(e.Mode)
		if c.File.Mode != s.files[i].Mode {
			s.oldModes = true
		}
		matched++
	}
	s.cachedAll = len(s.need) == 0 && matched == len(ce)
}

// snapshotMode is the mode a snapshot records for a file: 0755 when any
// execute bit is set, else 0644, as git records a file and as Materialize
// gives it back. The other permission bits follow the umask of whoever
// checked the data out (0664 under umask 002, 0644 under 022; 0444 in a
// read-only cache): recording them made the same data two snapshots on
// two machines, and a developer's apply and a CI job retrain each other's
// models for a "data change" of permission bits. The stat cache keeps the
// full bits, so a chmod still has the file looked at again.
func snapshotMode(m fs.FileMode) uint32 { return SnapshotMode(uint32(m.Perm())) }

// SnapshotMode is the mode a snapshot records for a file with permission
// bits perm (snapshotMode). Snapshots taken before it existed recorded
// perm as it was; the dataset planner compares them through it.
func SnapshotMode(perm uint32) uint32 {
	if perm&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

// fresh reports whether e is unchanged since c was recorded by the scan
// that started at ref (ns), and old enough not to be racy.
func (s *scan) fresh(e *source.Entry, c *statcache.Entry, ref int64) bool {
	if e.Size != c.Size || uint32(e.Mode.Perm()) != c.Mode {
		return false
	}
	limit := ref - int64(racyMargin)
	if s.local {
		return e.MtimeNs == c.MtimeNs && e.CtimeNs == c.Ctime && e.Inode == c.Inode && e.Dev == c.Dev &&
			max(e.MtimeNs, e.CtimeNs) < limit
	}
	if e.Digest != "" || c.Digest != "" {
		return e.Digest == c.Digest // a content digest from the service
	}
	return e.MtimeNs == c.MtimeNs && e.MtimeNs < limit
}

// hashAll reads the needed files, Workers at a time; the first error
// cancels the rest.
func (s *scan) hashAll(ctx context.Context) error {
	if len(s.need) == 0 {
		return nil
	}
	g, ctx := errgroup.WithContext(ctx)
	var next atomic.Int64
	for w := 0; w < min(s.opts.Workers, len(s.need)); w++ {
		g.Go(func() error {
			for {
				k := int(next.Add(1)) - 1
				if k >= len(s.need) {
					return nil
				}
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := s.hashOne(ctx, s.need[k]); err != nil {
					return err
				}
			}
		})
	}
	return g.Wait()
}

// maxReads is how many times a file that is written while it is read is
// read again before the observation gives up on it.
const maxReads = 3

// hashOne hashes entry i and, for a profiled CSV, profiles it from the
// same bytes. A local file written while it was read (its size, mtime or
// ctime moved between the fstat at open and the one after the last byte,
// or the bytes read disagree with the size) is read again: the bytes of
// such a read may be a mixture of two versions, a file that never existed.
//
// Progress counts the file once: counted carries over the reads the bytes
// of it that are already in the totals.
func (s *scan) hashOne(ctx context.Context, i int) error {
	var counted int64
	for n := 1; ; n++ {
		changed, err := s.readOne(ctx, i, &counted)
		if err != nil || !changed {
			return err
		}
		if n == maxReads {
			return errorf(s.entries[i].Path, fmt.Errorf("the file changed while it was being read (%d times): snapshot it when nothing is writing to it, or exclude it", n))
		}
	}
}

// readOne reads entry i once: the hasher reads through a tee into a pipe
// whose other end the CSV profiler consumes in its own goroutine. It
// records the result unless the file changed during the read. counted is
// how many of the file's bytes earlier reads of it put in the progress
// totals.
func (s *scan) readOne(ctx context.Context, i int, counted *int64) (changed bool, err error) {
	e := &s.entries[i]
	rc, err := s.src.Open(ctx, e.Path)
	if err != nil {
		return false, err
	}
	defer rc.Close()
	before, stated := source.StatAtOpen(rc)
	cr := &countingReader{ctx: ctx, r: rc, s: s, counted: counted}
	var r io.Reader = cr
	var f File
	var p *profile.Profile
	if s.profiled(e.Path) {
		if f, p, err = s.hashAndProfile(r, e.Path); err != nil {
			return false, err
		}
	} else if f, err = s.opts.Hash(r); err != nil {
		return false, errorf(e.Path, err)
	}
	if stated {
		after, ok := source.OpenStat(rc)
		if !ok || !source.SameContentStat(before, after) || f.Size != before.Size {
			return true, nil
		}
	}
	if p != nil {
		s.limits.cut(p)
		raw, err := profile.Encode(p)
		if err != nil {
			return false, errorf(e.Path, err)
		}
		s.profs[i], s.raw[i] = p, raw
	}
	f.Path, f.Mode = e.Path, snapshotMode(e.Mode)
	s.files[i] = f
	if s.read != nil {
		s.read[i] = true
	}
	s.hashedCount.Add(1)
	cr.flush(1)
	return false, nil
}

func (s *scan) hashAndProfile(r io.Reader, path string) (File, *profile.Profile, error) {
	pr, pw := io.Pipe()
	type result struct {
		p   *profile.Profile
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := profile.CSV(pr, path, s.opts.StatsColumns)
		// On a profile error, fail the hasher's writes at once rather than
		// hashing the rest of a file whose plan is already lost.
		pr.CloseWithError(err)
		done <- result{p, err}
	}()
	f, herr := s.opts.Hash(io.TeeReader(r, pw))
	pw.CloseWithError(herr)
	res := <-done
	if res.err != nil {
		return File{}, nil, res.err
	}
	if herr != nil {
		return File{}, nil, errorf(path, herr)
	}
	return f, res.p, nil
}

// progressStep is how many bytes of one file are read between Progress
// calls, so a large file moves the progress bar while it is hashed.
const progressStep = 8 << 20

// countingReader stops a long read when the observation is cancelled and
// reports progress every progressStep bytes. A file read again (it was
// written while read) reports only the bytes beyond what its earlier
// reads reported, so each file's bytes are counted once.
type countingReader struct {
	ctx     context.Context
	r       io.Reader
	s       *scan
	read    int64  // bytes of this read
	counted *int64 // bytes of the file in the totals, over all its reads
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	c.read += int64(n)
	if c.read-*c.counted >= progressStep {
		c.flush(0)
	}
	return n, err
}

// Size passes on the size of the underlying file, when it has one, so the
// store can size its buffers for it.
func (c *countingReader) Size() int64 { return chunker.SizeOf(c.r) }

// flush adds the bytes of this read not yet counted, and files, to the
// totals and reports them. The last flush of a file (files 1) sets its
// share of the totals to the bytes hashed, less than counted when the
// file shrank between reads.
func (c *countingReader) flush(files int) {
	if c.s.opts.Progress == nil {
		return
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.hashedFiles += files
	c.s.hashedBytes += c.read - *c.counted
	*c.counted = c.read
	c.s.opts.Progress(c.s.hashedFiles, c.s.hashedBytes)
}
