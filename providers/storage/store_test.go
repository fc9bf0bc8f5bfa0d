package storage

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"gocloud.dev/blob/memblob"

	"github.com/mlform/mlform/providers/storage/manifest"
	"github.com/mlform/mlform/providers/storage/packfmt"
)

// openStore opens a store over o with opts, failing t when it cannot: the
// tests that see the objects through a wrapper (faults, counters, a log
// of the order of writes) or open a bucket a second time open it so.
func openStore(t *testing.T, o objects, opts Options) *Store {
	t.Helper()
	s, err := openObjects(context.Background(), o, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newMemStore(t *testing.T, opts Options) (*Store, bucketObjects) {
	t.Helper()
	b := memblob.OpenBucket(nil)
	t.Cleanup(func() { b.Close() })
	o := bucketObjects{b: b}
	s := openStore(t, o, opts)
	t.Cleanup(func() { s.Close() })
	return s, o
}

// putOneFile stores data as the one file, at path, of a new manifest of
// kind.
func putOneFile(t *testing.T, s *Store, kind, path string, data []byte) (manifest.File, string) {
	t.Helper()
	ctx := context.Background()
	f, err := s.PutFile(ctx, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	f.Path = path
	id, err := s.PutManifest(ctx, &manifest.Manifest{Kind: kind, Files: []manifest.File{f}})
	if err != nil {
		t.Fatal(err)
	}
	return f, id
}

func TestResolveManifestAmbiguous(t *testing.T) {
	ctx := context.Background()
	s, o := newMemStore(t, Options{})
	// Keys sharing their first 10 characters; resolution only lists keys.
	a := "abcdef0123" + strings.Repeat("1", 54)
	b := "abcdef0123" + strings.Repeat("2", 54)
	for _, id := range []string{a, b} {
		if err := o.Put(ctx, manifestKey(id), strings.NewReader("{}"), false); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		prefix, want, errHas string
	}{
		{"abcdef01", "", "ambiguous"},
		{"abcdef0123", "", "ambiguous"},
		{"abcdef01231", a, ""},
		{"ABCDEF01232", b, ""},
		{"abcdef0124", "", "no manifest"},
	}
	for _, tc := range tests {
		got, err := s.ResolveManifest(ctx, tc.prefix)
		switch {
		case tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)):
			t.Errorf("ResolveManifest(%s) = %s, %v; want error with %q", tc.prefix, got, err, tc.errHas)
		case tc.errHas == "" && (err != nil || got != tc.want):
			t.Errorf("ResolveManifest(%s) = %s, %v; want %s", tc.prefix, got, err, tc.want)
		}
	}
	if _, err := s.ResolveManifest(ctx, "abcdef01"); err == nil || !strings.Contains(err.Error(), a) || !strings.Contains(err.Error(), b) {
		t.Errorf("ambiguity error should list the candidates: %v", err)
	}
}

func TestClosedStoreRefusesWrites(t *testing.T) {
	ctx := context.Background()
	s, _ := newMemStore(t, Options{})
	if _, err := s.PutFile(ctx, bytes.NewReader([]byte("x"))); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutFile(ctx, bytes.NewReader(testData(9, 1000))); !errors.Is(err, errClosed) {
		t.Errorf("PutFile after Close: %v, want errClosed", err)
	}
}

func TestCancelledPutFile(t *testing.T) {
	s, _ := newMemStore(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.PutFile(ctx, bytes.NewReader(testData(10, 2<<20))); !errors.Is(err, context.Canceled) {
		t.Errorf("PutFile with a cancelled context: %v", err)
	}
}

// TestConcurrentFlushAndPut interleaves Flush and PutManifest with PutFile
// from other goroutines: every manifest written must be readable from a
// fresh store.
func TestConcurrentFlushAndPut(t *testing.T) {
	ctx := context.Background()
	s, o := newMemStore(t, Options{PackSize: 1 << 20, Workers: 2})
	errs := make(chan error, 4)
	ids := make(chan string, 4*5)
	for g := 0; g < 4; g++ {
		go func() {
			for j := 0; j < 5; j++ {
				data := testData(uint64(100*g+j), 200000+j*300000)
				f, err := s.PutFile(ctx, bytes.NewReader(data))
				if err != nil {
					errs <- err
					return
				}
				f.Path = "f"
				id, err := s.PutManifest(ctx, &manifest.Manifest{Kind: manifest.KindSnapshot, Files: []manifest.File{f}})
				if err != nil {
					errs <- err
					return
				}
				ids <- id
			}
			errs <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(ids)
	fresh := openStore(t, o, Options{})
	for id := range ids {
		if err := fresh.Materialize(ctx, id, t.TempDir()); err != nil {
			t.Errorf("manifest %s: %v", id, err)
		}
	}
}

// TestReadAheadErrorsAndClose: a damaged later chunk is reported with its
// index (it was fetched ahead), and closing mid-file stops the read-ahead.
func TestReadAheadErrorsAndClose(t *testing.T) {
	ctx := context.Background()
	s, o := newMemStore(t, Options{})
	data := testData(11, 9<<20)
	f, err := s.PutFile(ctx, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(f.Chunks) < 4 {
		t.Fatalf("want a file of several chunks, got %d", len(f.Chunks))
	}
	f.Path = "big.bin"

	// Close after part of the first chunk, with a fetch in flight.
	rc, err := s.OpenFile(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1000)
	if _, err := rc.Read(buf); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if _, err := rc.Read(buf); err == nil {
		t.Error("read after Close succeeded")
	}

	// Damage chunk 2 in its pack.
	id, _ := packfmt.ParseID(f.Chunks[2].ID)
	loc, _ := s.idx.lookup(id)
	key := packKey(loc.Pack.String())
	pack, err := o.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	pack[loc.Offset+10] ^= 1
	if err := o.Put(ctx, key, bytes.NewReader(pack), false); err != nil {
		t.Fatal(err)
	}
	rc, err = s.OpenFile(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var got bytes.Buffer
	_, err = got.ReadFrom(rc)
	if err == nil || !strings.Contains(err.Error(), "chunk 2") || !strings.Contains(err.Error(), f.Chunks[2].ID) {
		t.Fatalf("damaged chunk 2: %v", err)
	}
	want := int(f.Chunks[0].Size + f.Chunks[1].Size)
	if got.Len() != want || !bytes.Equal(got.Bytes(), data[:want]) {
		t.Errorf("before the damaged chunk, read %d bytes, want the %d good ones", got.Len(), want)
	}
}

// TestGCRemovesUploadLeftovers: temporary files a crash left behind are
// ignored by Check and removed by GC; foreign objects are left alone.
func TestGCRemovesUploadLeftovers(t *testing.T) {
	ctx := context.Background()
	s, o := newMemStore(t, Options{})
	_, id := putOneFile(t, s, manifest.KindSnapshot, "a", testData(12, 5000))
	leftovers := []string{"data/ab/" + strings.Repeat("ab", 32) + ".18f2a.tmp", "manifests/" + strings.Repeat("cd", 32) + ".1.tmp"}
	// A store may share its directory with a user's files: only
	// temporaries of the store's own keys are its to delete.
	foreign := []string{"notes.txt", "manifests/README", "data/notes.tmp", "objects/run.tmp",
		"manifests/README.1.tmp", "data/ab/model.1a.tmp", "index/" + strings.Repeat("ab", 32) + ".bak.tmp"}
	for _, k := range append(leftovers, foreign...) {
		if err := o.Put(ctx, k, strings.NewReader("x"), false); err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.Check(ctx, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) != len(foreign)-1 {
		t.Errorf("Check problems %v, want one per foreign object under a store prefix", r.Problems)
	}
	l, err := s.Lock(ctx, LockExclusive, LockOptions{Command: "test"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.GC(ctx, []string{id})
	l.Unlock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g.TempObjectsDeleted != len(leftovers) {
		t.Errorf("GC deleted %d temporary objects, want %d", g.TempObjectsDeleted, len(leftovers))
	}
	for _, k := range leftovers {
		if _, err := o.Size(ctx, k); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s survived GC: %v", k, err)
		}
	}
	for _, k := range foreign {
		if _, err := o.Size(ctx, k); err != nil {
			t.Errorf("GC touched foreign object %s: %v", k, err)
		}
	}
}

// TestRebuildIndexKeepsOldIndexWhenAPackIsDamaged: the old index objects
// may be the only record of a damaged pack's chunks, so they stay.
func TestRebuildIndexKeepsOldIndexWhenAPackIsDamaged(t *testing.T) {
	ctx := context.Background()
	s, o := newMemStore(t, Options{PackSize: 1 << 20})
	var files []manifest.File
	for i := 0; i < 2; i++ {
		f, err := s.PutFile(ctx, bytes.NewReader(testData(uint64(20+i), 200000)))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(ctx); err != nil { // one pack each
			t.Fatal(err)
		}
		files = append(files, f)
	}
	id0, _ := packfmt.ParseID(files[0].Chunks[0].ID)
	loc, _ := s.idx.lookup(id0)
	key := packKey(loc.Pack.String())
	pack, _ := o.Get(ctx, key)
	pack[len(pack)-1] = 'X' // footer magic
	if err := o.Put(ctx, key, bytes.NewReader(pack), false); err != nil {
		t.Fatal(err)
	}
	indexesBefore := 0
	o.List(ctx, indexPrefix, func(string, int64, time.Time) error { indexesBefore++; return nil })
	n, err := s.RebuildIndex(ctx)
	if err == nil || !strings.Contains(err.Error(), loc.Pack.String()) {
		t.Fatalf("RebuildIndex with a damaged pack: %v; want an error naming it", err)
	}
	if n != 1 {
		t.Errorf("indexed %d packs, want the 1 good one", n)
	}
	indexesAfter := 0
	o.List(ctx, indexPrefix, func(string, int64, time.Time) error { indexesAfter++; return nil })
	// The new object may coincide with an old one (same entries, same id).
	if indexesAfter < indexesBefore {
		t.Errorf("index objects: %d before, %d after; want the old ones kept", indexesBefore, indexesAfter)
	}
	s2 := openStore(t, o, Options{})
	if _, ok := s2.idx.lookup(id0); !ok {
		t.Error("the damaged pack's chunks were dropped from the index")
	}
	rc, err := s.OpenFile(ctx, files[1])
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadAll(rc); err != nil {
		t.Errorf("good file after a partial rebuild: %v", err)
	}
}
