package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"

	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"

	"github.com/mlform/mlform/internal/procid"
	"github.com/mlform/mlform/internal/sparsefile"
	"github.com/mlform/mlform/providers/storage/manifest"
)

// countingObjects counts range reads.
type countingObjects struct {
	objects
	ranges atomic.Int64
}

func (c *countingObjects) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	c.ranges.Add(1)
	return c.objects.GetRange(ctx, key, off, n)
}

func TestMaterializeSpans(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	defer b.Close()
	co := &countingObjects{objects: bucketObjects{b: b}}
	s := openStore(t, co, Options{PackSize: 2 << 20})
	want := map[string][]byte{}
	var all []manifest.File
	for i := 0; i < 400; i++ {
		data := testData(uint64(i), 1000+i*97)
		if i%50 == 7 {
			data = testData(3, 1000+3*97) // same content as file 3
		}
		f, err := s.PutFile(ctx, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		f.Path = fmt.Sprintf("d%d/f%03d", i%7, i)
		want[f.Path] = data
		all = append(all, f)
	}
	big := testData(999, 3<<20)
	fb, err := s.PutFile(ctx, bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	fb.Path = "big.bin"
	want[fb.Path] = big
	// Every third small file: spans have gaps.
	var subset []manifest.File
	for i, f := range all {
		if i%3 == 0 {
			subset = append(subset, f)
		}
	}
	tests := []struct {
		name     string
		files    []manifest.File
		maxReads int64
	}{
		{"all", append(all, fb), 40},
		{"subset with gaps", subset, 10},
	}
	for _, tc := range tests {
		id, err := s.PutManifest(ctx, &manifest.Manifest{Kind: manifest.KindSnapshot, Files: tc.files})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		co.ranges.Store(0)
		if err := s.Materialize(ctx, id, dir); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		t.Logf("%s: %d range reads for %d files", tc.name, co.ranges.Load(), len(tc.files))
		if n := co.ranges.Load(); n > tc.maxReads {
			t.Errorf("%s: %d range reads for %d files, want at most %d", tc.name, n, len(tc.files), tc.maxReads)
		}
		for _, f := range tc.files {
			got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
			if err != nil || !bytes.Equal(got, want[f.Path]) {
				t.Fatalf("%s: %s: err=%v, content equal=%v", tc.name, f.Path, err, bytes.Equal(got, want[f.Path]))
			}
		}
	}
}

// TestMaterializeSweepsKilledWritersTemps: a Materialize killed midway (a
// pull under kill -9) leaves its partial file, named with its owner, in
// the target; the next Materialize into that directory removes it, and
// only it: a live writer's temporary, another host's, names that are not
// exactly mlform's, and symlinks stay.
func TestMaterializeSweepsKilledWritersTemps(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "mem://", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f, err := s.PutFile(ctx, bytes.NewReader([]byte("data")))
	if err != nil {
		t.Fatal(err)
	}
	f.Path = "sub/a.csv"
	id, err := s.PutManifest(ctx, &manifest.Manifest{Kind: manifest.KindSnapshot, Files: []manifest.File{f}})
	if err != nil {
		t.Fatal(err)
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	gone := procid.ID{Host: procid.Host(), PID: dead.Process.Pid}.Token()
	other := procid.ID{Host: "another-host", PID: dead.Process.Pid}.Token()
	// This host's writer as recorded now (with the boot id), and a writer
	// on another machine with this host name sharing the directory (NFS):
	// its pid means nothing here, so its temporary is never swept.
	goneBoot := procid.ID{Host: procid.Host(), Boot: procid.Boot(), PID: dead.Process.Pid}.Token()
	twin := procid.ID{Host: procid.Host(), Boot: "0123abcd-another-kernel", PID: dead.Process.Pid}.Token()
	dir := t.TempDir()
	files := map[string]bool{ // name -> removed
		"sub/.mlform-tmp-" + gone + "-123":        true,
		".mlform-tmp-" + gone + "-4":              true,
		".mlform-tmp-" + selfToken() + "-5":       false, // a live writer: this process
		".mlform-tmp-" + other + "-6":             false,
		".mlform-tmp-" + goneBoot + "-9":          true,
		".mlform-tmp-" + twin + "-10":             false,
		".mlform-tmp-" + gone + "-x":              false,
		".mlform-tmp-notes":                       false,
		"keep/.mlform-tmp-" + gone + "-7.partial": false,
		"mine.csv": false,
	}
	for name := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	outside := filepath.Join(t.TempDir(), "target")
	if err := os.WriteFile(outside, []byte("not mlform's"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := ".mlform-tmp-" + gone + "-8"
	if err := os.Symlink(outside, filepath.Join(dir, link)); err != nil {
		t.Fatal(err)
	}
	if err := s.Materialize(ctx, id, dir); err != nil {
		t.Fatal(err)
	}
	for name, removed := range files {
		_, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name)))
		if removed != os.IsNotExist(err) {
			t.Errorf("%s: removed = %v, want %v", name, os.IsNotExist(err), removed)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, link)); err != nil {
		t.Errorf("a symlink named like a temporary was removed: %v", err)
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("the symlink's target was removed: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "sub", "a.csv")); err != nil || string(b) != "data" {
		t.Errorf("materialized file: %q, %v", b, err)
	}
	// What this Materialize wrote went through temporaries named for this
	// process, and none is left.
	entries, _ := os.ReadDir(filepath.Join(dir, "sub"))
	if len(entries) != 1 {
		t.Errorf("sub holds %v, want a.csv alone", entries)
	}
}

// cancellingObjects cancels the context of a materialize once its first
// range read is open: a Ctrl-C arriving mid-pull, at a known point.
type cancellingObjects struct {
	objects
	cancel context.CancelFunc
}

func (c *cancellingObjects) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	rc, err := c.objects.GetRange(ctx, key, off, n)
	c.cancel()
	return rc, err
}

// A pull interrupted midway stops (fileblob's and memblob's readers never
// look at the context after opening: a Ctrl-C went unheard until the whole
// snapshot was written).
func TestMaterializeStopsWhenCancelled(t *testing.T) {
	for _, scheme := range []string{"mem", "file"} {
		t.Run(scheme, func(t *testing.T) {
			b := memblob.OpenBucket(nil)
			if scheme == "file" {
				var err error
				if b, err = fileblob.OpenBucket(t.TempDir(), nil); err != nil {
					t.Fatal(err)
				}
			}
			defer b.Close()
			s := openStore(t, bucketObjects{b: b}, Options{Workers: 1})
			var files []manifest.File
			for i := 0; i < 3; i++ {
				f, err := s.PutFile(context.Background(), bytes.NewReader(testData(uint64(i), 12<<20)))
				if err != nil {
					t.Fatal(err)
				}
				f.Path = fmt.Sprintf("f%d.bin", i)
				files = append(files, f)
			}
			id, err := s.PutManifest(context.Background(), &manifest.Manifest{Kind: manifest.KindSnapshot, Files: files})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s.o = &cancellingObjects{objects: s.o, cancel: cancel}
			dir := t.TempDir()
			err = s.Materialize(ctx, id, dir)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Materialize after a cancel: %v, want context.Canceled", err)
			}
			for _, f := range files {
				if _, err := os.Stat(filepath.Join(dir, f.Path)); err == nil {
					t.Errorf("%s was written after the cancel", f.Path)
				}
			}
		})
	}
}

// TestMaterializeSparse: the store keeps content, not holes, so a file
// that is mostly zeros (a sparse image, a preallocated file) came back
// with every zero written. Materialize leaves all-zero 4 KiB blocks as
// holes: same bytes, a fraction of the disk. Blocks split by a chunk
// boundary, short blocks and data next to zeros are written.
func TestMaterializeSparse(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	defer b.Close()
	s := openStore(t, bucketObjects{b: b}, Options{})
	const mib = 1 << 20
	image := make([]byte, 24*mib) // several chunks, zeros but for two islands
	copy(image[10*mib+123:], "hello")
	copy(image[17*mib:], testData(1, 3*sparsefile.BlockSize+7))
	small := make([]byte, 64<<10) // one chunk: the span path
	small[len(small)-1] = 1
	tail := append(testData(2, 5000), make([]byte, 2*mib)...) // ends in a hole
	want := map[string][]byte{"image.bin": image, "small.bin": small, "tail.bin": tail, "zeros.bin": make([]byte, 100000)}
	var files []manifest.File
	for name, data := range want {
		f, err := s.PutFile(ctx, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		f.Path = name
		files = append(files, f)
	}
	id, err := s.PutManifest(ctx, &manifest.Manifest{Kind: manifest.KindSnapshot, Files: files})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := s.Materialize(ctx, id, dir); err != nil {
		t.Fatal(err)
	}
	holes, err := sparsefile.KeepsHoles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !holes {
		t.Logf("the file system under %s keeps no holes: sizes on disk not checked", dir)
	}
	for name, data := range want {
		p := filepath.Join(dir, name)
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s: err=%v, %d bytes, content equal=%v", name, err, len(got), bytes.Equal(got, data))
		}
		used, err := sparsefile.Allocated(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes, %d allocated", name, len(data), used)
		if holes && len(data) > mib && used > int64(len(data))/4 {
			t.Errorf("%s: %d of %d bytes allocated: its zeros were written", name, used, len(data))
		}
	}
}
