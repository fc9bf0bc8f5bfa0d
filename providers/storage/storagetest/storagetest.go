// Package storagetest is the conformance suite of the content-addressed
// store, in the spirit of gocloud.dev's drivertest: every behaviour other
// packages rely on, runnable unchanged against any bucket URL (mem://,
// file://, s3://, gs://, azblob://). Sizes are modest so that one backend
// runs in well under a minute.
package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/manifest"
)

// RunConformance runs the suite. newURL returns the URL of a fresh, empty
// bucket (or bucket prefix) for each call; every subtest calls it once.
func RunConformance(t *testing.T, newURL func(t *testing.T) string) {
	tests := []struct {
		name string
		fn   func(*testing.T, *env)
	}{
		{"RoundTrip", testRoundTrip},
		{"HashFileMatchesPutFile", testHashFile},
		{"OpenByURL", testOpenByURL},
		{"DedupeAcrossFilesAndReopen", testDedupe},
		{"AppendStoresOnlyNewChunks", testAppend},
		{"ConcurrentPutFile", testConcurrentPut},
		{"LargeFileMultiPack", testLargeFile},
		{"UnflushedWritesInvisible", testUnflushed},
		{"ManifestIDStable", testManifestIDStable},
		{"ManifestRefusesBadInput", testManifestRefuses},
		{"ResolveManifest", testResolve},
		{"ListAndDelete", testListDelete},
		{"Objects", testObjects},
		{"Materialize", testMaterialize},
		{"MaterializeRefusesEscapes", testMaterializeEscapes},
		{"TamperedManifestRefused", testTamperedManifest},
		{"CheckFindsMissingPack", testCheckMissingPack},
		{"CheckFindsCorruptChunk", testCheckCorruptChunk},
		{"GC", testGC},
		{"GCRefusesUnknownKeep", testGCRefuses},
		{"RebuildIndex", testRebuildIndex},
		{"ConfigMismatchRefused", testConfigMismatch},
	}
	tests = append(tests, sharedTests()...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newEnv(t, newURL))
		})
	}
}

// sizes covers the chunker's edge cases: empty, tiny, exactly the minimum
// chunk, exactly one and two maximum chunks of uniform data (a boundary at
// the very end), one byte past a maximum chunk, several average chunks.
func sizes() []struct {
	name    string
	data    []byte
	minimal int // minimum number of chunks expected
} {
	return []struct {
		name    string
		data    []byte
		minimal int
	}{
		{"empty", nil, 0},
		{"one-byte", []byte{42}, 1},
		{"small", randomBytes(1, 1000), 1},
		{"min-chunk", randomBytes(2, storage.ChunkMinSize), 1},
		{"one-max-chunk-zeros", make([]byte, storage.ChunkMaxSize), 1},
		{"two-max-chunks-zeros", make([]byte, 2*storage.ChunkMaxSize), 2},
		{"max-chunk-plus-one", append(make([]byte, storage.ChunkMaxSize), 7), 2},
		{"several-chunks", randomBytes(3, 5<<20+12345), 2},
	}
}

func testRoundTrip(t *testing.T, e *env) {
	s := e.open(storage.Options{PackSize: 1 << 20})
	var files []manifest.File
	want := map[string][]byte{}
	for _, c := range sizes() {
		f := e.put(s, "data/"+c.name, c.data, 0o644)
		if f.Size != int64(len(c.data)) || len(f.Chunks) < c.minimal {
			t.Errorf("%s: size %d with %d chunks, want size %d with >= %d chunks", c.name, f.Size, len(f.Chunks), len(c.data), c.minimal)
		}
		for _, ch := range f.Chunks {
			if ch.Size > storage.ChunkMaxSize {
				t.Errorf("%s: chunk of %d bytes exceeds the maximum", c.name, ch.Size)
			}
		}
		files = append(files, f)
		want[f.Path] = c.data
	}
	id := e.putManifest(s, manifest.KindSnapshot, files...)

	// A new Store sees only what is in the bucket.
	s2 := e.open(storage.Options{})
	m, err := s2.GetManifest(e.ctx, id)
	if err != nil {
		t.Fatalf("GetManifest after reopen: %v", err)
	}
	if len(m.Files) != len(files) {
		t.Fatalf("manifest has %d files, want %d", len(m.Files), len(files))
	}
	for i, f := range m.Files {
		if i > 0 && m.Files[i-1].Path >= f.Path {
			t.Errorf("manifest files not sorted: %q before %q", m.Files[i-1].Path, f.Path)
		}
		got, err := e.read(s2, f)
		if err != nil {
			t.Errorf("read %s: %v", f.Path, err)
			continue
		}
		if !bytes.Equal(got, want[f.Path]) {
			t.Errorf("read %s: %d bytes differ from the %d written", f.Path, len(got), len(want[f.Path]))
		}
	}
	r := e.mustCheck(s2, true)
	if r.Packs < 2 {
		t.Errorf("with 1 MiB packs, %d packs were written; want several", r.Packs)
	}
}

func testHashFile(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	for _, c := range sizes() {
		h, err := s.HashFile(bytes.NewReader(c.data))
		if err != nil {
			t.Fatalf("HashFile %s: %v", c.name, err)
		}
		p, err := s.PutFile(e.ctx, bytes.NewReader(c.data))
		if err != nil {
			t.Fatalf("PutFile %s: %v", c.name, err)
		}
		if fmt.Sprint(h) != fmt.Sprint(p) {
			t.Errorf("%s: HashFile %+v differs from PutFile %+v", c.name, h, p)
		}
	}
	if err := s.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	// HashFile stores nothing.
	before := len(e.keys(""))
	if _, err := s.HashFile(bytes.NewReader(randomBytes(99, 3<<20))); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	if after := len(e.keys("")); after != before {
		t.Errorf("HashFile wrote objects: %d before, %d after", before, after)
	}
}

func testOpenByURL(t *testing.T, e *env) {
	s, err := storage.Open(e.ctx, e.url, storage.Options{BaseDir: t.TempDir()})
	if err != nil {
		t.Fatalf("Open(%s): %v", e.url, err)
	}
	defer s.Close()
	data := randomBytes(5, 300000)
	f := e.put(s, "a.bin", data, 0o644)
	id := e.putManifest(s, manifest.KindArtifacts, f)
	m, err := s.GetManifest(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.read(s, m.Files[0])
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("round trip through Open(url): err=%v equal=%v", err, bytes.Equal(got, data))
	}
}

func testDedupe(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	a := randomBytes(10, 3<<20)
	fa := e.put(s, "a", a, 0o644)
	fb := e.put(s, "b", a, 0o644) // same content, other name
	if fa.Hash != fb.Hash {
		t.Fatalf("same content, different hashes %s %s", fa.Hash, fb.Hash)
	}
	e.putManifest(s, manifest.KindSnapshot, fa, fb)
	r1 := e.mustCheck(s, false)
	if r1.Chunks != len(fa.Chunks) {
		t.Errorf("two identical files stored %d chunks, want %d", r1.Chunks, len(fa.Chunks))
	}
	packs := len(e.keys("data/"))

	// A new Store, the same content again: nothing new is written.
	s2 := e.open(storage.Options{})
	fc := e.put(s2, "c", a, 0o644)
	if err := s2.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.putManifest(s2, manifest.KindSnapshot, fc)
	if got := len(e.keys("data/")); got != packs {
		t.Errorf("storing known content after reopen wrote packs: %d before, %d after", packs, got)
	}
	if got := e.mustCheck(s2, false).Chunks; got != r1.Chunks {
		t.Errorf("storing known content after reopen: %d chunks, want %d", got, r1.Chunks)
	}
}

func testAppend(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	base := randomBytes(11, 8<<20)
	f1 := e.put(s, "log.csv", base, 0o644)
	e.putManifest(s, manifest.KindSnapshot, f1)
	before := e.mustCheck(s, false).Chunks

	grown := append(append([]byte{}, base...), randomBytes(12, 200000)...)
	f2 := e.put(s, "log.csv", grown, 0o644)
	e.putManifest(s, manifest.KindSnapshot, f2)
	added := e.mustCheck(s, false).Chunks - before
	shared := 0
	old := map[string]bool{}
	for _, c := range f1.Chunks {
		old[c.ID] = true
	}
	for _, c := range f2.Chunks {
		if old[c.ID] {
			shared++
		}
	}
	if shared < len(f1.Chunks)-1 || added > 2 {
		t.Errorf("appending 200 kB to an 8 MiB file shared %d of %d chunks and added %d; want all but the last shared and at most 2 added", shared, len(f1.Chunks), added)
	}
}

func testConcurrentPut(t *testing.T, e *env) {
	s := e.open(storage.Options{PackSize: 1 << 20, Workers: 3})
	const goroutines, perG = 8, 6
	// Contents overlap across goroutines: file j of every goroutine shares
	// seed j, so the same chunks are put concurrently.
	content := func(g, j int) []byte {
		if j%2 == 0 {
			return randomBytes(uint64(100+j), 300000+j*1000)
		}
		return randomBytes(uint64(1000+g*perG+j), 50000+g*100)
	}
	files := make([][]manifest.File, goroutines)
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < perG; j++ {
				f, err := s.PutFile(e.ctx, bytes.NewReader(content(g, j)))
				if err != nil {
					errs <- err
					return
				}
				f.Path = fmt.Sprintf("g%d/f%d", g, j)
				files[g] = append(files[g], f)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent PutFile: %v", err)
	}
	var all []manifest.File
	distinct := map[string]bool{}
	for _, fs := range files {
		for _, f := range fs {
			all = append(all, f)
			for _, c := range f.Chunks {
				distinct[c.ID] = true
			}
		}
	}
	id := e.putManifest(s, manifest.KindSnapshot, all...)
	s2 := e.open(storage.Options{})
	r := e.mustCheck(s2, true)
	if r.Chunks != len(distinct) {
		t.Errorf("index has %d chunks, want %d distinct (duplicates were stored)", r.Chunks, len(distinct))
	}
	m, err := s2.GetManifest(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		var g, j int
		fmt.Sscanf(f.Path, "g%d/f%d", &g, &j)
		got, err := e.read(s2, f)
		if err != nil || !bytes.Equal(got, content(g, j)) {
			t.Errorf("%s: err=%v, content equal=%v", f.Path, err, bytes.Equal(got, content(g, j)))
		}
	}
}

func testLargeFile(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	data := randomBytes(20, 40<<20)
	f := e.put(s, "model.bin", data, 0o644)
	e.putManifest(s, manifest.KindArtifacts, f)
	s2 := e.open(storage.Options{})
	got, err := e.read(s2, f)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("40 MiB round trip: err=%v equal=%v", err, bytes.Equal(got, data))
	}
	if n := len(e.keys("data/")); n < 2 {
		t.Errorf("40 MiB with default packs used %d pack(s), want >= 2", n)
	}
}

func testUnflushed(t *testing.T, e *env) {
	s := e.open(storage.Options{PackSize: 1 << 20})
	f := e.put(s, "x", randomBytes(30, 3<<20), 0o644)
	// Interrupted before Flush: close without flushing. The packs already
	// uploaded are indexed by Close (so a rerun need not upload them
	// again), but the file's last chunks were still in the open pack,
	// which is dropped: the file cannot be read or referenced.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := e.open(storage.Options{})
	if _, err := e.read(s2, f); err == nil {
		t.Fatal("unflushed file readable after reopen: index written before Flush")
	}
	_, err := s2.PutManifest(e.ctx, &manifest.Manifest{Kind: manifest.KindSnapshot, Files: []manifest.File{f}})
	if err == nil {
		t.Fatal("PutManifest accepted chunks that are not in the store")
	}
	r := e.mustCheck(s2, false)
	if r.UnindexedPacks != 0 {
		t.Errorf("Check counted %d unindexed packs (bucket has %d): Close did not index the packs it had uploaded", r.UnindexedPacks, len(e.keys("data/")))
	}
	gc, err := GCLocked(e.ctx, s2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if left := len(e.keys("data/")); left != 0 {
		t.Errorf("GC left %d orphaned packs (report %+v)", left, gc)
	}
}

func testManifestIDStable(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	a := e.put(s, "a.csv", randomBytes(40, 1000), 0o644)
	b := e.put(s, "dir/b.csv", randomBytes(41, 2000), 0o755)
	m1 := &manifest.Manifest{Kind: manifest.KindSnapshot, Files: []manifest.File{a, b}, Meta: map[string]string{"x": "1", "y": "2"}}
	m2 := &manifest.Manifest{Kind: manifest.KindSnapshot, Files: []manifest.File{b, a}, Meta: map[string]string{"y": "2", "x": "1"}}
	id1, err := s.PutManifest(e.ctx, m1)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := s.PutManifest(e.ctx, m2)
	if err != nil {
		t.Fatal(err)
	}
	if id1 != id2 || id1 != manifest.ID(m1) || id1 != manifest.ID(m2) {
		t.Fatalf("ids differ for equal content: put %s %s, ManifestID %s %s", id1, id2, manifest.ID(m1), manifest.ID(m2))
	}
	m3 := &manifest.Manifest{Kind: manifest.KindSnapshot, Files: []manifest.File{a, b}, Meta: map[string]string{"x": "1", "y": "3"}}
	if manifest.ID(m3) == id1 {
		t.Fatal("different meta, same id")
	}
	s2 := e.open(storage.Options{})
	got, err := s2.GetManifest(e.ctx, id1)
	if err != nil {
		t.Fatal(err)
	}
	if manifest.ID(got) != id1 {
		t.Fatalf("manifest read back has id %s, want %s", manifest.ID(got), id1)
	}
}

func testManifestRefuses(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	good := e.put(s, "ok", randomBytes(50, 100), 0o644)
	with := func(mut func(f *manifest.File)) manifest.File {
		f := good
		f.Chunks = append([]manifest.Chunk{}, good.Chunks...)
		mut(&f)
		return f
	}
	cases := []struct {
		name string
		m    *manifest.Manifest
	}{
		{"parent escape", &manifest.Manifest{Kind: "snapshot", Files: []manifest.File{with(func(f *manifest.File) { f.Path = "../evil" })}}},
		{"absolute", &manifest.Manifest{Kind: "snapshot", Files: []manifest.File{with(func(f *manifest.File) { f.Path = "/etc/passwd" })}}},
		{"inner dotdot", &manifest.Manifest{Kind: "snapshot", Files: []manifest.File{with(func(f *manifest.File) { f.Path = "a/../../b" })}}},
		{"empty element", &manifest.Manifest{Kind: "snapshot", Files: []manifest.File{with(func(f *manifest.File) { f.Path = "a//b" })}}},
		{"backslash", &manifest.Manifest{Kind: "snapshot", Files: []manifest.File{with(func(f *manifest.File) { f.Path = `..\evil` })}}},
		{"empty path", &manifest.Manifest{Kind: "snapshot", Files: []manifest.File{with(func(f *manifest.File) { f.Path = "" })}}},
		{"duplicate", &manifest.Manifest{Kind: "snapshot", Files: []manifest.File{good, good}}},
		{"file and dir", &manifest.Manifest{Kind: "snapshot", Files: []manifest.File{good, with(func(f *manifest.File) { f.Path = "ok/inner" })}}},
		{"bad hash", &manifest.Manifest{Kind: "snapshot", Files: []manifest.File{with(func(f *manifest.File) { f.Hash = "../../x" })}}},
		{"bad chunk id", &manifest.Manifest{Kind: "snapshot", Files: []manifest.File{with(func(f *manifest.File) { f.Chunks[0].ID = "zz" })}}},
		{"size mismatch", &manifest.Manifest{Kind: "snapshot", Files: []manifest.File{with(func(f *manifest.File) { f.Size++ })}}},
		{"mode bits", &manifest.Manifest{Kind: "snapshot", Files: []manifest.File{with(func(f *manifest.File) { f.Mode = 0o4755 })}}},
		{"bad kind", &manifest.Manifest{Kind: "../x", Files: []manifest.File{good}}},
		{"unknown chunk", &manifest.Manifest{Kind: "snapshot", Files: []manifest.File{with(func(f *manifest.File) { f.Chunks[0].ID = f.Hash[:62] + "00" })}}},
	}
	for _, c := range cases {
		if id, err := s.PutManifest(e.ctx, c.m); err == nil {
			t.Errorf("%s: PutManifest accepted it as %s", c.name, id)
		}
	}
	if n := len(e.keys("manifests/")); n != 0 {
		t.Errorf("refused manifests left %d objects", n)
	}
}

func testResolve(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	var ids []string
	for i := 0; i < 5; i++ {
		f := e.put(s, fmt.Sprintf("f%d", i), randomBytes(uint64(60+i), 100), 0o644)
		ids = append(ids, e.putManifest(s, manifest.KindSnapshot, f))
	}
	for _, id := range ids {
		for _, p := range []string{id[:8], id[:12], id, bytes2upper(id[:10])} {
			got, err := s.ResolveManifest(e.ctx, p)
			if err != nil || got != id {
				t.Errorf("ResolveManifest(%s) = %s, %v; want %s", p, got, err, id)
			}
		}
	}
	for _, bad := range []string{"", "abc", ids[0][:7], "zzzzzzzz", "../../../x", ids[0] + "0"} {
		if got, err := s.ResolveManifest(e.ctx, bad); err == nil {
			t.Errorf("ResolveManifest(%q) = %s, want an error", bad, got)
		}
	}
	absent := "00000000"
	for _, id := range ids {
		if id[:8] == absent {
			absent = "ffffffff"
		}
	}
	if _, err := s.ResolveManifest(e.ctx, absent); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("ResolveManifest(%s) error %v, want ErrNotFound", absent, err)
	}
}

func bytes2upper(s string) string { return string(bytes.ToUpper([]byte(s))) }

func testListDelete(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	ids := map[string]bool{}
	for i := 0; i < 3; i++ {
		f := e.put(s, "f", randomBytes(uint64(70+i), 100), 0o644)
		ids[e.putManifest(s, manifest.KindSnapshot, f)] = true
	}
	list, err := s.List(e.ctx)
	if err != nil || len(list) != 3 {
		t.Fatalf("List = %v, %v; want 3 ids", list, err)
	}
	for i, id := range list {
		if !ids[id] || (i > 0 && list[i-1] >= id) {
			t.Errorf("List returned %v: unknown or unsorted", list)
		}
	}
	if err := s.Delete(e.ctx, list[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetManifest(e.ctx, list[0]); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("deleted manifest: GetManifest error %v, want ErrNotFound", err)
	}
	if err := s.Delete(e.ctx, list[0]); err == nil {
		t.Error("deleting a missing manifest succeeded")
	}
	if err := s.Delete(e.ctx, "../config"); err == nil {
		t.Error("Delete accepted an invalid id")
	}
	if rest, _ := s.List(e.ctx); len(rest) != 2 {
		t.Errorf("after delete List = %v", rest)
	}
	if _, err := s.Check(e.ctx, storage.CheckOptions{}); err != nil {
		t.Fatal(err)
	}
}

func testObjects(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	data := []byte(`{"columns":{"age":{"mean":41.5}}}`)
	id, err := s.PutObject(e.ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := s.PutObject(e.ctx, data)
	if err != nil || id2 != id {
		t.Fatalf("same object, ids %s and %s (%v)", id, id2, err)
	}
	got, err := s.GetObject(e.ctx, id)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("GetObject = %q, %v", got, err)
	}
	empty, err := s.PutObject(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetObject(e.ctx, empty); err != nil || len(got) != 0 {
		t.Fatalf("empty object: %q, %v", got, err)
	}
	for _, bad := range []string{"", "../config", id[:20], id + "/x"} {
		if _, err := s.GetObject(e.ctx, bad); err == nil {
			t.Errorf("GetObject(%q) succeeded", bad)
		}
	}
	missing := "0000000000000000000000000000000000000000000000000000000000000000"
	if _, err := s.GetObject(e.ctx, missing); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("missing object: %v, want ErrNotFound", err)
	}
	// Tampered content is refused.
	e.write("objects/"+id, []byte(`{"columns":{}}`))
	if _, err := s.GetObject(e.ctx, id); err == nil {
		t.Error("GetObject returned tampered content")
	}
}
