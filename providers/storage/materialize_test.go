package storage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"gocloud.dev/blob/memblob"
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
	s, err := openObjects(ctx, co, Options{PackSize: 2 << 20})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	var all []File
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
	var subset []File
	for i, f := range all {
		if i%3 == 0 {
			subset = append(subset, f)
		}
	}
	tests := []struct {
		name     string
		files    []File
		maxReads int64
	}{
		{"all", append(all, fb), 40},
		{"subset with gaps", subset, 10},
	}
	for _, tc := range tests {
		id, err := s.PutManifest(ctx, &Manifest{Kind: KindSnapshot, Files: tc.files})
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
