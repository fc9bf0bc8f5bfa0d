package observe

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	gblob "gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/mlform/mlform/internal/testtree"
	"github.com/mlform/mlform/planner/observe/statcache"
	"github.com/mlform/mlform/planner/profile"
	"github.com/mlform/mlform/providers/source"
)

func openSource(t testing.TB, dir string) source.Source {
	t.Helper()
	src, err := source.Open(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func observe(t testing.TB, dir string, opts Options) *Observation {
	t.Helper()
	obs, err := Observe(context.Background(), openSource(t, dir), opts)
	if err != nil {
		t.Fatal(err)
	}
	return obs
}

func TestObserveIncludeExclude(t *testing.T) {
	dir := t.TempDir()
	testtree.Write(t, dir, map[string]string{
		"a.csv": "x\n1\n", "sub/b.csv": "x\n2\n", "sub/c.json": "{}", "tmp/d.csv": "x\n3\n", "README": "hi",
	})
	tests := []struct {
		name             string
		include, exclude []string
		want             string
	}{
		{"all", nil, nil, "README,a.csv,sub/b.csv,sub/c.json,tmp/d.csv"},
		{"csv anywhere", []string{"**/*.csv"}, nil, "a.csv,sub/b.csv,tmp/d.csv"},
		{"csv but not tmp", []string{"**/*.csv"}, []string{"tmp"}, "a.csv,sub/b.csv"},
		{"one directory", []string{"sub"}, []string{"**/*.json"}, "sub/b.csv"},
		{"nothing", []string{"*.parquet"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOptions("")
			opts.Include, opts.Exclude = tt.include, tt.exclude
			obs := observe(t, dir, opts)
			if got := paths(obs.Files); got != tt.want {
				t.Errorf("files = %q, want %q", got, tt.want)
			}
			var bytes int64
			for _, f := range obs.Files {
				bytes += f.Size
				if f.Mode != 0o644 {
					t.Errorf("%s mode %o, want 644", f.Path, f.Mode)
				}
			}
			if obs.Bytes != bytes || obs.Hashed != len(obs.Files) || obs.Cached != 0 {
				t.Errorf("bytes %d (want %d), hashed %d, cached %d", obs.Bytes, bytes, obs.Hashed, obs.Cached)
			}
		})
	}
}

func TestObserveIDIsContentDerived(t *testing.T) {
	files := map[string]string{"a": "alpha", "d/b": "beta"}
	d1, d2 := t.TempDir(), t.TempDir()
	testtree.Write(t, d1, files)
	testtree.Write(t, d2, files)
	o1 := observe(t, d1, testOptions(t.TempDir()))
	o2 := observe(t, d2, testOptions(""))
	if o1.ID != o2.ID || o1.ID == "" {
		t.Fatalf("same content, ids %q and %q", o1.ID, o2.ID)
	}
	testtree.Write(t, d2, map[string]string{"d/b": "BETA"})
	if o3 := observe(t, d2, testOptions("")); o3.ID == o1.ID {
		t.Fatal("changed content kept the id")
	}
}

func TestObserveStatCache(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	testtree.Write(t, dir, map[string]string{"a": "alpha", "b": "beta", "c/d": "delta"})
	opts := testOptions(cache)
	first := observe(t, dir, opts)
	if first.Hashed != 3 || first.Cached != 0 {
		t.Fatalf("first: hashed %d cached %d, want 3 0", first.Hashed, first.Cached)
	}
	second := observe(t, dir, opts)
	if second.Hashed != 0 || second.Cached != 3 || second.ID != first.ID {
		t.Fatalf("no-op: hashed %d cached %d id %s, want 0 3 %s", second.Hashed, second.Cached, second.ID, first.ID)
	}
	// Same size, mtime restored: the ctime still changes, so it is read.
	fa := filepath.Join(dir, "a")
	fi, _ := os.Stat(fa)
	testtree.Write(t, dir, map[string]string{"a": "ALPHA"})
	os.Chtimes(fa, fi.ModTime(), fi.ModTime())
	third := observe(t, dir, opts)
	if third.Hashed != 1 || third.ID == first.ID {
		t.Fatalf("after same-size edit: hashed %d, id changed %v; want 1, true", third.Hashed, third.ID != first.ID)
	}
	// Remove one file: nothing to read, but the id must change.
	os.Remove(filepath.Join(dir, "b"))
	fourth := observe(t, dir, opts)
	if fourth.Hashed != 0 || fourth.ID == third.ID || paths(fourth.Files) != "a,c/d" {
		t.Fatalf("after removal: hashed %d files %s id changed %v", fourth.Hashed, paths(fourth.Files), fourth.ID != third.ID)
	}
	if want := testManifestID(fourth.Files); fourth.ID != want {
		t.Fatalf("id %s, want %s", fourth.ID, want)
	}
	// Another hasher configuration invalidates every entry.
	opts.HashID = "other-chunker"
	if o := observe(t, dir, opts); o.Hashed != 2 {
		t.Fatalf("new hash id: hashed %d, want 2", o.Hashed)
	}
}

func TestObserveCorruptCacheIsIgnored(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	testtree.Write(t, dir, map[string]string{"a": "alpha", "b": "beta"})
	opts := testOptions(cache)
	want := observe(t, dir, opts)
	p := statcache.Path(cache, "ds")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{nil, []byte("garbage"), data[:len(data)/2], append(append([]byte{}, data[:20]...), 0xff)} {
		os.WriteFile(p, bad, 0o644)
		got := observe(t, dir, opts)
		if got.ID != want.ID || got.Hashed != 2 {
			t.Fatalf("corrupt cache %q...: id %s hashed %d, want %s 2", bad[:min(len(bad), 8)], got.ID, got.Hashed, want.ID)
		}
	}
}

// fakeSource serves fixed entries and mutable contents, so a test can
// change a file's bytes while its stat data stays identical — the case
// the racy-timestamp rule exists for.
type fakeSource struct {
	entries []source.Entry
	content map[string]string
}

func (f *fakeSource) Walk(ctx context.Context, fn func(source.Entry) error) error {
	for _, e := range f.entries {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}
func (f *fakeSource) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	c, ok := f.content[p]
	if !ok {
		return nil, os.ErrNotExist
	}
	return io.NopCloser(strings.NewReader(c)), nil
}
func (f *fakeSource) Local() bool    { return true }
func (f *fakeSource) String() string { return "fake" }
func (f *fakeSource) Close() error   { return nil }

func TestObserveRacyTimestamps(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name      string
		mtime     time.Time
		wantReads int // on the second scan, after an edit that kept every stat field
	}{
		// Modified within the racy margin of the scan that cached it: the
		// same mtime proves nothing, so the file is read again.
		{"modified during the scan", now, 1},
		{"modified just inside the margin", now.Add(-racyMargin + 100*time.Millisecond), 1},
		// Before the margin: stat data is trusted.
		{"modified just outside the margin", now.Add(-racyMargin - time.Millisecond), 0},
		{"modified long before", now.Add(-time.Hour), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := tt.mtime.UnixNano()
			src := &fakeSource{
				entries: []source.Entry{{Path: "a.bin", Size: 5, MtimeNs: ns, CtimeNs: ns, Mode: 0o644, Inode: 7, Dev: 1}},
				content: map[string]string{"a.bin": "alpha"},
			}
			opts := testOptions(t.TempDir())
			opts.Clock = func() time.Time { return now }
			first, err := Observe(context.Background(), src, opts)
			if err != nil {
				t.Fatal(err)
			}
			src.content["a.bin"] = "ALPHA" // same size, same stat data
			second, err := Observe(context.Background(), src, opts)
			if err != nil {
				t.Fatal(err)
			}
			if second.Hashed != tt.wantReads {
				t.Fatalf("second scan read %d files, want %d", second.Hashed, tt.wantReads)
			}
			if changed := second.ID != first.ID; changed != (tt.wantReads == 1) {
				t.Fatalf("id changed = %v, want %v", changed, tt.wantReads == 1)
			}
		})
	}
}

func TestObserveRefusesIncludedSymlink(t *testing.T) {
	dir := t.TempDir()
	testtree.Write(t, dir, map[string]string{"a.csv": "x\n1\n"})
	outside := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(outside, []byte("secret"), 0o600)
	if err := os.Symlink(outside, filepath.Join(dir, "link.csv")); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	_, err := Observe(context.Background(), openSource(t, dir), testOptions(""))
	if err == nil || !strings.Contains(err.Error(), "link.csv") || !strings.Contains(err.Error(), "symlink") {
		t.Fatalf("error = %v, want one naming link.csv as a symlink", err)
	}
	opts := testOptions("")
	opts.Exclude = []string{"link.csv"}
	obs, err := Observe(context.Background(), openSource(t, dir), opts)
	if err != nil || paths(obs.Files) != "a.csv" {
		t.Fatalf("with the link excluded: %v, files %q", err, paths(obs.Files))
	}
}

func TestObserveProfile(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	testtree.Write(t, dir, map[string]string{
		"p1.csv":    "age,city\n30,paris\n40,rome\n",
		"d/p2.CSV":  "city,age,extra\nparis,50,x\n,60,y\n",
		"notes.txt": "age,city\nnot,profiled\n",
	})
	opts := testOptions(cache)
	opts.StatsColumns = []string{"age", "city"}
	first := observe(t, dir, opts)
	p := first.Profile
	if p == nil || p.Files != 2 || p.Rows != 4 {
		t.Fatalf("profile = %+v, want 2 files 4 rows", p)
	}
	age, city := p.Column("age"), p.Column("city")
	if age.Kind != profile.Numeric || age.Mean != 45 || age.Min != 30 || age.Max != 60 {
		t.Errorf("age = %+v", age)
	}
	if city.Kind != profile.Categorical || city.Categories["paris"] != 2 || city.Nulls != 1 {
		t.Errorf("city = %+v", city)
	}
	want, _ := profile.Encode(p)
	// Cached, and after one file changed: the merged profile is the same
	// as profiling from scratch.
	for _, step := range []string{"cached", "one file changed"} {
		if step == "one file changed" {
			testtree.Write(t, dir, map[string]string{"p1.csv": "age,city\n31,oslo\n40,rome\n"})
		}
		got := observe(t, dir, opts)
		scratch := testOptions("")
		scratch.StatsColumns = opts.StatsColumns
		ref := observe(t, dir, scratch)
		a, _ := profile.Encode(got.Profile)
		b, _ := profile.Encode(ref.Profile)
		if string(a) != string(b) {
			t.Fatalf("%s: cached profile differs from a fresh one", step)
		}
		if step == "cached" && (got.Hashed != 0 || string(a) != string(want)) {
			t.Fatalf("cached: hashed %d, profile equal %v", got.Hashed, string(a) == string(want))
		}
		if step == "one file changed" && got.Hashed != 1 {
			t.Fatalf("one file changed: hashed %d, want 1", got.Hashed)
		}
	}
	// New stats columns: the cached hashes stay, the CSVs are read again.
	opts.StatsColumns = []string{"city"}
	if o := observe(t, dir, opts); o.Hashed != 2 || len(o.Profile.Columns) != 1 {
		t.Fatalf("new columns: hashed %d, columns %d; want 2, 1", o.Hashed, len(o.Profile.Columns))
	}
}

func TestObserveMissingStatsColumn(t *testing.T) {
	dir := t.TempDir()
	testtree.Write(t, dir, map[string]string{"a.csv": "x,y\n1,2\n", "b.csv": "x\n1\n"})
	opts := testOptions("")
	opts.StatsColumns = []string{"y"}
	_, err := Observe(context.Background(), openSource(t, dir), opts)
	if err == nil || !strings.Contains(err.Error(), `"y"`) || !strings.Contains(err.Error(), "b.csv") {
		t.Fatalf("error = %v, want one naming column y and b.csv", err)
	}
}

func TestObserveProgressAndCancel(t *testing.T) {
	dir := t.TempDir()
	testtree.Write(t, dir, map[string]string{"a": "12345", "b": "123", "c/d": "1"})
	var calls int
	var last int64
	opts := testOptions("")
	opts.Workers = 3
	opts.Progress = func(files int, bytes int64) { calls++; last = bytes }
	observe(t, dir, opts)
	if calls != 3 || last != 9 {
		t.Fatalf("progress: %d calls, last %d bytes; want 3, 9", calls, last)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Observe(ctx, openSource(t, dir), testOptions("")); err == nil {
		t.Fatal("cancelled observation succeeded")
	}
}

func TestObserveNeedsHasher(t *testing.T) {
	_, err := Observe(context.Background(), openSource(t, t.TempDir()), Options{})
	if err == nil || !strings.Contains(err.Error(), "Hash") {
		t.Fatalf("error = %v", err)
	}
}

func TestObserveBucketSourceCache(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	put := func(k, v string) {
		t.Helper()
		if err := b.WriteAll(ctx, k, []byte(v), nil); err != nil {
			t.Fatal(err)
		}
	}
	put("data/a.csv", "x\n1\n")
	put("data/b/c.bin", "ccc")
	put("elsewhere", "no")
	b = gblob.PrefixedBucket(b, "data/") // closes the original
	src := source.FromBucket(b, "mem://test/data")
	defer src.Close()
	opts := testOptions(t.TempDir())
	first, err := Observe(ctx, src, opts)
	if err != nil {
		t.Fatal(err)
	}
	if paths(first.Files) != "a.csv,b/c.bin" || first.Hashed != 2 {
		t.Fatalf("first: %s hashed %d", paths(first.Files), first.Hashed)
	}
	second, err := Observe(ctx, src, opts)
	if err != nil || second.Hashed != 0 || second.ID != first.ID {
		t.Fatalf("unchanged bucket: err %v hashed %d", err, second.Hashed)
	}
	put("b/c.bin", "CCC") // same size: the service's MD5 tells
	third, err := Observe(ctx, src, opts)
	if err != nil || third.Hashed != 1 || third.ID == first.ID {
		t.Fatalf("rewritten object: err %v hashed %d id changed %v", err, third.Hashed, third.ID != first.ID)
	}
}

// TestObserveBucketUnsafeKeys: a bucket key that is not a clean relative
// path ("a//b", "x/../y") stops the plan, naming it, when the dataset
// includes it, and is left out when excluded (docs/datasets.md: "exclude
// it"), as a local symlink is.
func TestObserveBucketUnsafeKeys(t *testing.T) {
	ctx := context.Background()
	for _, key := range []string{"x//y.csv", "x/../y.csv", "/x/y.csv"} {
		b := memblob.OpenBucket(nil)
		for _, k := range []string{"data/ok.csv", "data/" + key} {
			if err := b.WriteAll(ctx, k, []byte("v\n1\n"), nil); err != nil {
				t.Fatal(err)
			}
		}
		src := source.FromBucket(gblob.PrefixedBucket(b, "data/"), "mem://test/data")
		opts := testOptions("")
		if _, err := Observe(ctx, src, opts); err == nil || !strings.Contains(err.Error(), strconv.Quote(key)) || !strings.Contains(err.Error(), "exclude it") {
			t.Errorf("%q included: error %v", key, err)
		}
		opts.Exclude = []string{"x", "**/y.csv"}
		obs, err := Observe(ctx, src, opts)
		if err != nil || paths(obs.Files) != "ok.csv" {
			t.Errorf("%q excluded: err %v, files %v", key, err, obs)
		}
		src.Close()
	}
}

// TestObserveBucketFileAndDirectory: a bucket holding both "f" and "f/g"
// (keys, unlike files, may) is refused at observation, naming both, since
// no manifest can hold them; apply failed only after uploading. Excluding
// either one works.
func TestObserveBucketFileAndDirectory(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	for _, k := range []string{"data/ok.csv", "data/f", "data/f-x", "data/f/g/h.csv"} {
		if err := b.WriteAll(ctx, k, []byte("v\n1\n"), nil); err != nil {
			t.Fatal(err)
		}
	}
	src := source.FromBucket(gblob.PrefixedBucket(b, "data/"), "mem://test/data")
	defer src.Close()
	opts := testOptions("")
	if _, err := Observe(ctx, src, opts); err == nil || !strings.Contains(err.Error(), `"f" is both a file and the directory of "f/g/h.csv"`) {
		t.Errorf("f and f/g/h.csv both included: error %v", err)
	}
	for _, ex := range []string{"f", "f/g/**"} {
		opts.Exclude = []string{ex}
		obs, err := Observe(ctx, src, opts)
		if err != nil || !strings.Contains(paths(obs.Files), "ok.csv") {
			t.Errorf("exclude %q: err %v, files %v", ex, err, obs)
		}
	}
}

// TestObserveProfileCacheStaysSmall checks the per-file parts in the cache
// are cut near the merged sample's limit, and that merging cut parts gives
// exactly the profile of a fresh scan, also after files are removed (when
// the cut parts fall short and are read again) or changed.
func TestObserveProfileCacheStaysSmall(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	files := map[string]string{}
	for f := 0; f < 6; f++ {
		var b strings.Builder
		b.WriteString("v\n")
		for i := 0; i < 5000; i++ {
			fmt.Fprintf(&b, "%d\n", (i*7919+f*104729)%100003)
		}
		files[fmt.Sprintf("part-%d.csv", f)] = b.String()
	}
	testtree.Write(t, dir, files)
	opts := testOptions(cache)
	opts.StatsColumns = []string{"v"}
	scratch := testOptions("")
	scratch.StatsColumns = opts.StatsColumns
	same := func(step string, got *Observation) {
		t.Helper()
		want := observe(t, dir, scratch)
		a, _ := profile.Encode(got.Profile)
		b, _ := profile.Encode(want.Profile)
		if string(a) != string(b) {
			t.Fatalf("%s: profile differs from a fresh scan's", step)
		}
		if len(got.Profile.Columns[0].Sample) != profile.SampleSize {
			t.Fatalf("%s: sample of %d", step, len(got.Profile.Columns[0].Sample))
		}
	}
	same("first", observe(t, dir, opts))
	c := statcache.Load(statcache.Path(cache, "ds"))
	points := 0
	for _, e := range c.Entries {
		p, err := profile.Decode(e.Profile)
		if err != nil {
			t.Fatal(err)
		}
		points += len(p.Columns[0].Sample)
	}
	if points > 3*profile.SampleSize {
		t.Fatalf("cache holds %d sample points for 6 files, want at most %d", points, 3*profile.SampleSize)
	}
	testtree.Write(t, dir, map[string]string{"part-0.csv": "v\n1\n2\n3\n"})
	same("one file changed", observe(t, dir, opts))
	for f := 1; f < 5; f++ {
		os.Remove(filepath.Join(dir, fmt.Sprintf("part-%d.csv", f)))
	}
	got := observe(t, dir, opts)
	same("four files removed", got)
	if got.Hashed != 2 {
		t.Fatalf("four files removed: read %d files, want the 2 left", got.Hashed)
	}
}

func TestObserveSkipsItsOwnCache(t *testing.T) {
	ws := t.TempDir()
	testtree.Write(t, ws, map[string]string{"data.csv": "x\n1\n"})
	opts := testOptions(filepath.Join(ws, ".mlform", "cache"))
	first := observe(t, ws, opts)
	second := observe(t, ws, opts) // the cache file now exists inside the source
	if paths(second.Files) != "data.csv" || second.ID != first.ID {
		t.Fatalf("files %q, id changed %v: the stat cache was snapshotted", paths(second.Files), second.ID != first.ID)
	}
}

func TestObserveProgressWithinLargeFile(t *testing.T) {
	dir := t.TempDir()
	size := 2*progressStep + 12345
	testtree.Write(t, dir, map[string]string{"big": strings.Repeat("x", size)})
	var calls [][2]int64
	opts := testOptions("")
	opts.Progress = func(files int, bytes int64) { calls = append(calls, [2]int64{int64(files), bytes}) }
	observe(t, dir, opts)
	if len(calls) < 3 {
		t.Fatalf("progress calls %v, want some while the file is read", calls)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i][1] < calls[i-1][1] || calls[i][0] < calls[i-1][0] {
			t.Fatalf("progress went backwards: %v", calls)
		}
	}
	if last := calls[len(calls)-1]; last != [2]int64{1, int64(size)} {
		t.Fatalf("last progress %v, want [1 %d]", last, size)
	}
}

// TestObserveUnusableNamesLikeLocal checks that an object key holding a
// character no manifest may record is judged like a local file of that
// name: an excluded one is left out, an included one is refused naming it
// with "rename it or exclude it". A bucket listing used to fail on it
// before the filter ran, so no exclude could skip it.
func TestObserveUnusableNamesLikeLocal(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ name, problem string }{
		{`win\path.csv`, "contains a backslash"},
		{"tab\tx.csv", "contains a control character"},
	} {
		files := map[string]string{"ok.csv": "x\n1\n", tc.name: "x\n2\n"}
		dir := t.TempDir()
		testtree.Write(t, dir, files)
		b := memblob.OpenBucket(nil)
		for k, v := range files {
			if err := b.WriteAll(ctx, "data/"+k, []byte(v), nil); err != nil {
				t.Fatal(err)
			}
		}
		bucket := source.FromBucket(gblob.PrefixedBucket(b, "data/"), "mem://test/data")
		defer bucket.Close()
		for _, src := range []source.Source{openSource(t, dir), bucket} {
			opts := testOptions("")
			opts.Exclude = []string{tc.name[:3] + "*"}
			obs, err := Observe(ctx, src, opts)
			if err != nil {
				t.Errorf("%s, %q excluded: err %v", src, tc.name, err)
			} else if paths(obs.Files) != "ok.csv" {
				t.Errorf("%s, %q excluded: files %s", src, tc.name, paths(obs.Files))
			}
			_, err = Observe(ctx, src, testOptions(""))
			if want := fmt.Sprintf("path %q %s: rename it or exclude it", tc.name, tc.problem); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s, %q included: err %v, want %q", src, tc.name, err, want)
			}
		}
	}
}

// TestObserveFileWrittenWhileRead: a file rewritten (same size) while the
// hasher is half-way through it must not yield the hash of the bytes read,
// half of each version, a file that never existed: the file is read again
// and the observation holds the new version. A file written during every
// read is an error naming it.
//
// Progress counts the file's bytes once, however often it is read: bytes
// reported during a read that is thrown away are not reported again, and
// the total never exceeds what is hashed.
func TestObserveFileWrittenWhileRead(t *testing.T) {
	const size = 2 * progressStep // each read reports progress half-way
	versions := []string{strings.Repeat("a", size), strings.Repeat("b", size)}
	want, err := testHash(strings.NewReader(versions[1]))
	if err != nil {
		t.Fatal(err)
	}
	// rewrite writes content over path and waits until the file's stat
	// data shows it (timestamps can be coarser than a write takes).
	rewrite := func(path, content string) error {
		stat := func() (source.Entry, error) {
			f, err := os.Open(path)
			if err != nil {
				return source.Entry{}, err
			}
			defer f.Close()
			e, _ := source.OpenStat(f)
			return e, nil
		}
		before, err := stat()
		for err == nil {
			if err = os.WriteFile(path, []byte(content), 0o644); err != nil {
				break
			}
			var now source.Entry
			if now, err = stat(); err == nil && !source.SameContentStat(before, now) {
				return nil
			}
		}
		return err
	}
	for _, tt := range []struct {
		name    string
		writes  int // reads during which the file is rewritten
		wantErr string
	}{
		{name: "once", writes: 1},
		{name: "always", writes: maxReads, wantErr: "data.bin: the file changed while it was being read (3 times)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "data.bin")
			testtree.Write(t, dir, map[string]string{"data.bin": versions[0], "other": "x"})
			opts := testOptions(t.TempDir())
			reads := 0
			opts.Hash = func(r io.Reader) (File, error) {
				if reads++; reads > tt.writes {
					return testHash(r)
				}
				half := make([]byte, size/2)
				if _, err := io.ReadFull(r, half); err != nil {
					return File{}, err
				}
				if err := rewrite(path, versions[reads%2]); err != nil {
					return File{}, err
				}
				return testHash(io.MultiReader(strings.NewReader(string(half)), r))
			}
			opts.Include = []string{"data.bin"}
			var lastFiles int
			var lastBytes, maxBytes int64
			opts.Progress = func(files int, bytes int64) {
				lastFiles, lastBytes, maxBytes = files, bytes, max(maxBytes, bytes)
			}
			obs, err := Observe(context.Background(), openSource(t, dir), opts)
			if maxBytes > size {
				t.Errorf("progress reported %d bytes hashed of a %d-byte file", maxBytes, size)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if lastFiles != 1 || lastBytes != size {
				t.Errorf("progress ended at %d files, %d bytes; want 1 file, %d bytes", lastFiles, lastBytes, size)
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(obs.Files) != 1 || obs.Files[0].Hash != want.Hash || obs.Hashed != 1 {
				t.Fatalf("files %+v hashed %d: want the hash of the version written (%s), read once", obs.Files, obs.Hashed, want.Hash)
			}
			if reads != 2 {
				t.Errorf("read %d times, want 2", reads)
			}
		})
	}
}

// TestObserveModeIgnoresUmask: the same data checked out under another
// umask (0664 or 0600 files instead of 0644, a read-only 0444 copy) is the
// same snapshot; only an execute bit is recorded, as 0755. A chmod is
// still seen by the stat cache (the file is looked at again) but does not
// change the id.
func TestObserveModeIgnoresUmask(t *testing.T) {
	files := map[string]string{"a.csv": "x\n1\n", "d/b.csv": "x\n2\n", "run.sh": "echo"}
	d1, d2 := t.TempDir(), t.TempDir()
	testtree.Write(t, d1, files)
	testtree.Write(t, d2, files)
	for _, p := range []string{"a.csv", "d/b.csv", "run.sh"} {
		if err := os.Chmod(filepath.Join(d1, p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Chmod(filepath.Join(d1, "run.sh"), 0o755))
	must(os.Chmod(filepath.Join(d2, "a.csv"), 0o664))
	must(os.Chmod(filepath.Join(d2, "d/b.csv"), 0o444))
	must(os.Chmod(filepath.Join(d2, "run.sh"), 0o700))
	cache := t.TempDir()
	o1 := observe(t, d1, testOptions(""))
	o2 := observe(t, d2, testOptions(cache))
	if o1.ID != o2.ID {
		t.Fatalf("same data under two umasks: ids %s and %s", o1.ID, o2.ID)
	}
	want := map[string]uint32{"a.csv": 0o644, "d/b.csv": 0o644, "run.sh": 0o755}
	for _, f := range o2.Files {
		if f.Mode != want[f.Path] {
			t.Errorf("%s: mode %o, want %o", f.Path, f.Mode, want[f.Path])
		}
	}
	must(os.Chmod(filepath.Join(d2, "a.csv"), 0o600))
	o3 := observe(t, d2, testOptions(cache))
	if o3.Hashed != 1 || o3.ID != o1.ID {
		t.Fatalf("after chmod 600: hashed %d, id %s; want 1, %s", o3.Hashed, o3.ID, o1.ID)
	}
	// The execute bit is part of the snapshot.
	must(os.Chmod(filepath.Join(d2, "a.csv"), 0o744))
	if o4 := observe(t, d2, testOptions(cache)); o4.ID == o1.ID {
		t.Fatal("an execute bit added kept the id")
	}
}

// TestObserveOldCacheModes: a stat cache written before snapshots kept
// modes as 0644/0755 holds the files' full bits and the id they made. Its
// LastID is not the id of the files as recorded now: taking it gave an
// observation whose id did not match its files, and apply of a dataset
// moved to another storage failed for good with 'changed since the plan'.
func TestObserveOldCacheModes(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	testtree.Write(t, dir, map[string]string{"a.csv": "x\n1\n", "b.csv": "x\n2\n"})
	for _, p := range []string{"a.csv", "b.csv"} {
		if err := os.Chmod(filepath.Join(dir, p), 0o664); err != nil {
			t.Fatal(err)
		}
	}
	now := observe(t, dir, testOptions(cache))
	// Rewrite the cache as the older binary left it: raw bits, their id.
	path := statcache.Path(cache, "ds")
	c := statcache.Load(path)
	if c == nil || len(c.Entries) != 2 {
		t.Fatalf("cache = %+v", c)
	}
	var old []File
	for i := range c.Entries {
		c.Entries[i].File.Mode = 0o664
		old = append(old, c.Entries[i].File)
	}
	c.LastID = testManifestID(old)
	if err := statcache.Save(path, c); err != nil {
		t.Fatal(err)
	}
	got := observe(t, dir, testOptions(cache))
	if got.Hashed != 0 {
		t.Fatalf("hashed %d files again, want 0 (content is cached)", got.Hashed)
	}
	if got.ID != now.ID || got.ID != testManifestID(got.Files) {
		t.Fatalf("id %s, want %s: the id of the files as recorded now", got.ID, now.ID)
	}
}
