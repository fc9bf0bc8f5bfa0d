package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/manifest"
)

func testMaterialize(t *testing.T, e *env) {
	s := e.open(storage.Options{PackSize: 1 << 20})
	want := map[string][]byte{
		"train.py":            []byte("print('hi')\n"),
		"data/part-0.csv":     randomBytes(80, 2<<20),
		"data/deep/x/y/z.bin": randomBytes(81, 5000),
		"empty":               nil,
	}
	var files []manifest.File
	for p, d := range want {
		mode := uint32(0o644)
		if p == "train.py" {
			mode = 0o755
		}
		files = append(files, e.put(s, p, d, mode))
	}
	id := e.putManifest(s, manifest.KindArtifacts, files...)
	dir := filepath.Join(t.TempDir(), "out")
	// A stale file is replaced.
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data/part-0.csv"), []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Materialize(e.ctx, id, dir); err != nil {
		t.Fatalf("Materialize: %v", err)
	}
	for p, d := range want {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil || !bytes.Equal(got, d) {
			t.Errorf("%s: err=%v equal=%v", p, err, bytes.Equal(got, d))
		}
	}
	fi, err := os.Stat(filepath.Join(dir, "train.py"))
	if err != nil || fi.Mode().Perm()&0o100 == 0 {
		t.Errorf("train.py should be executable: %v %v", fi.Mode(), err)
	}
	fi, err = os.Stat(filepath.Join(dir, "empty"))
	if err != nil || fi.Mode().Perm()&0o111 != 0 {
		t.Errorf("empty should not be executable: %v %v", fi.Mode(), err)
	}
	assertNoTemp(t, dir)
}

// assertNoTemp fails if a temporary file was left under dir.
func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".mlform-tmp") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

// rawManifest stores an encoded manifest under its true content id,
// bypassing PutManifest's validation, as an attacker with bucket access
// could.
func (e *env) rawManifest(doc string) string {
	sum := blake3.Sum256([]byte(doc))
	id := hexString(sum[:])
	e.write("manifests/"+id, []byte(doc))
	return id
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func testMaterializeEscapes(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	f := e.put(s, "x", []byte("payload"), 0o644)
	e.putManifest(s, manifest.KindSnapshot, f)
	fileJSON := func(path string) string {
		return `{"path":"` + path + `","size":7,"hash":"` + f.Hash + `","mode":420,"chunks":[{"id":"` + f.Chunks[0].ID + `","size":7}]}`
	}
	base := t.TempDir()
	outside := filepath.Join(base, "outside")
	if err := os.Mkdir(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"../evil", "a/../../evil", "/tmp/evil", "./evil", "a//evil", `..\\evil`, "" + filepath.Join(outside, "abs")} {
		id := e.rawManifest(`{"format":1,"kind":"snapshot","files":[` + fileJSON(p) + `]}`)
		dir := filepath.Join(base, "target")
		if err := s.Materialize(e.ctx, id, dir); err == nil {
			t.Errorf("Materialize of path %q succeeded", p)
		}
		if _, err := s.GetManifest(e.ctx, id); err == nil {
			t.Errorf("GetManifest accepted path %q", p)
		}
	}
	// A symlink inside the target pointing outside must not be followed.
	dir := filepath.Join(base, "target2")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Skipf("no symlinks: %v", err)
	}
	id := e.rawManifest(`{"format":1,"kind":"snapshot","files":[` + fileJSON("link/evil") + `]}`)
	if err := s.Materialize(e.ctx, id, dir); err == nil {
		t.Error("Materialize wrote through a symlink")
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 0 || fileExists(filepath.Join(base, "evil")) {
		t.Errorf("files written outside the target: %v", entries)
	}
}

func fileExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func testTamperedManifest(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	f := e.put(s, "x", []byte("payload"), 0o644)
	id := e.putManifest(s, manifest.KindSnapshot, f)
	orig := e.readRaw("manifests/" + id)
	e.write("manifests/"+id, bytes.Replace(orig, []byte(`"x"`), []byte(`"y"`), 1))
	if _, err := s.GetManifest(e.ctx, id); !errors.Is(err, storage.ErrCorrupt) || !strings.Contains(err.Error(), id) {
		t.Errorf("tampered manifest: error %v, want an ErrCorrupt naming %s", err, id)
	}
	if err := s.Materialize(e.ctx, id, t.TempDir()); err == nil {
		t.Error("Materialize used a tampered manifest")
	}
	for _, bad := range []string{"", "x", "../../etc/passwd", strings.Repeat("g", 64)} {
		if _, err := s.GetManifest(e.ctx, bad); err == nil || errors.Is(err, storage.ErrNotFound) {
			t.Errorf("GetManifest(%q): %v, want an invalid-id error", bad, err)
		}
	}
}

func testCheckMissingPack(t *testing.T, e *env) {
	s := e.open(storage.Options{PackSize: 1 << 20})
	a := e.put(s, "a", randomBytes(90, 3<<20), 0o644)
	id := e.putManifest(s, manifest.KindSnapshot, a)
	e.mustCheck(s, true)
	packs := e.keys("data/")
	if err := e.raw.Delete(e.ctx, packs[0]); err != nil {
		t.Fatal(err)
	}
	r, err := s.Check(e.ctx, storage.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || !mentions(r, packs[0]) || !mentions(r, id) {
		t.Errorf("Check after deleting %s: %v; want problems naming the pack and manifest %s", packs[0], r.Problems, id)
	}
	_, err = e.read(s, a)
	if err == nil || !strings.Contains(err.Error(), `"a"`) {
		t.Errorf("reading a file with a missing pack: %v; want an error naming the file", err)
	}
	if err := s.Materialize(e.ctx, id, t.TempDir()); err == nil {
		t.Error("Materialize succeeded with a missing pack")
	}
	if _, err := GCLocked(e.ctx, s, []string{id}); err == nil {
		t.Error("GC ran although a kept manifest's pack is missing")
	}
}

func mentions(r *storage.CheckReport, s string) bool {
	for _, p := range r.Problems {
		if strings.Contains(p.String(), s) {
			return true
		}
	}
	return false
}

func testCheckCorruptChunk(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	a := e.put(s, "a.csv", randomBytes(91, 600000), 0o644)
	id := e.putManifest(s, manifest.KindSnapshot, a)
	packs := e.keys("data/")
	data := e.readRaw(packs[0])
	data[100] ^= 0xff // inside the first chunk's bytes
	e.write(packs[0], data)

	r, err := s.Check(e.ctx, storage.CheckOptions{ReadData: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || !mentions(r, a.Chunks[0].ID) {
		t.Errorf("Check(ReadData) after corrupting a chunk: %v", r.Problems)
	}
	got, err := e.read(s, a)
	if err == nil {
		t.Fatalf("corrupt chunk read back without error (%d bytes)", len(got))
	}
	if !strings.Contains(err.Error(), `"a.csv"`) || !strings.Contains(err.Error(), a.Chunks[0].ID) || !errors.Is(err, storage.ErrCorrupt) {
		t.Errorf("error %q should name the file and the chunk, and be an ErrCorrupt", err)
	}
	dir := t.TempDir()
	if err := s.Materialize(e.ctx, id, dir); !errors.Is(err, storage.ErrCorrupt) {
		t.Errorf("Materialize on corrupt data: %v, want an ErrCorrupt", err)
	}
	if fileExists(filepath.Join(dir, "a.csv")) {
		t.Error("Materialize left a file with corrupt content")
	}
	assertNoTemp(t, dir)
}

func testGC(t *testing.T, e *env) {
	s := e.open(storage.Options{PackSize: 1 << 20})
	shared := randomBytes(100, 2<<20)
	keepData := randomBytes(101, 2<<20)
	dropData := randomBytes(102, 2<<20)
	fk := e.put(s, "keep", keepData, 0o644)
	fs := e.put(s, "shared", shared, 0o644)
	keep := e.putManifest(s, manifest.KindSnapshot, fk, fs)
	fd := e.put(s, "drop", dropData, 0o644)
	fs2 := e.put(s, "shared", shared, 0o644)
	drop := e.putManifest(s, manifest.KindSnapshot, fd, fs2)
	profile, _ := s.PutObject(e.ctx, []byte(`{"p":1}`))
	stale, _ := s.PutObject(e.ctx, []byte(`{"p":0}`))
	packsBefore := len(e.keys("data/"))

	r, err := GCLocked(e.ctx, s, []string{keep, profile})
	if err != nil {
		t.Fatalf("GC: %v", err)
	}
	if r.ManifestsDeleted != 1 || r.ManifestsKept != 1 || r.ObjectsDeleted != 1 || r.ObjectsKept != 1 || r.PacksDeleted == 0 {
		t.Errorf("GC report %+v", r)
	}
	if got := len(e.keys("data/")); got != packsBefore-r.PacksDeleted || got == 0 {
		t.Errorf("packs: %d before, %d after, report says %d deleted", packsBefore, got, r.PacksDeleted)
	}
	if _, err := s.GetManifest(e.ctx, drop); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("dropped manifest still readable: %v", err)
	}
	if _, err := s.GetObject(e.ctx, stale); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unreferenced object survived GC: %v", err)
	}
	if _, err := s.GetObject(e.ctx, profile); err != nil {
		t.Errorf("kept object lost: %v", err)
	}
	// Kept data is intact, through this store and a fresh one.
	for _, st := range []*storage.Store{s, e.open(storage.Options{})} {
		e.mustCheck(st, true)
		dir := t.TempDir()
		if err := st.Materialize(e.ctx, keep, dir); err != nil {
			t.Fatalf("kept manifest after GC: %v", err)
		}
		got, _ := os.ReadFile(filepath.Join(dir, "shared"))
		if !bytes.Equal(got, shared) {
			t.Error("shared file changed after GC")
		}
	}
	// The store still works for writes after GC, and dropped content can
	// come back.
	fd2 := e.put(s, "drop", dropData, 0o644)
	again := e.putManifest(s, manifest.KindSnapshot, fd2)
	if got, err := e.read(e.open(storage.Options{}), fd2); err != nil || !bytes.Equal(got, dropData) {
		t.Fatalf("re-stored content after GC: %v", err)
	}
	if err := e.open(storage.Options{}).Materialize(e.ctx, again, t.TempDir()); err != nil {
		t.Fatalf("manifest written after GC: %v", err)
	}
	// Keeping nothing empties the store of data.
	if _, err := GCLocked(e.ctx, s, nil); err != nil {
		t.Fatal(err)
	}
	if left := len(e.keys("data/")) + len(e.keys("manifests/")) + len(e.keys("objects/")); left != 0 {
		t.Errorf("GC(nil) left %d objects", left)
	}
	e.mustCheck(s, true)
}

func testGCRefuses(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	f := e.put(s, "a", randomBytes(110, 1000), 0o644)
	id := e.putManifest(s, manifest.KindSnapshot, f)
	before := len(e.keys(""))
	unknown := strings.Repeat("ab", 32)
	for _, keep := range [][]string{{unknown}, {"not-an-id"}, {id, "../config"}} {
		if _, err := GCLocked(e.ctx, s, keep); err == nil {
			t.Errorf("GC(%v) succeeded", keep)
		}
	}
	if after := len(e.keys("")); after != before {
		t.Errorf("a refused GC deleted objects: %d before, %d after", before, after)
	}
}

func testRebuildIndex(t *testing.T, e *env) {
	s := e.open(storage.Options{PackSize: 1 << 20})
	a := e.put(s, "a", randomBytes(120, 3<<20), 0o644)
	b := e.put(s, "b", randomBytes(121, 1000), 0o644)
	id := e.putManifest(s, manifest.KindSnapshot, a, b)
	for _, k := range e.keys("index/") {
		if err := e.raw.Delete(e.ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	s2 := e.open(storage.Options{})
	if _, err := e.read(s2, a); err == nil {
		t.Fatal("read succeeded without an index")
	}
	r, _ := s2.Check(e.ctx, storage.CheckOptions{})
	if r.OK() {
		t.Error("Check found no problem in a store without its index")
	}
	n, err := s2.RebuildIndex(e.ctx)
	if err != nil {
		t.Fatalf("RebuildIndex: %v", err)
	}
	if n != len(e.keys("data/")) {
		t.Errorf("RebuildIndex indexed %d packs, bucket has %d", n, len(e.keys("data/")))
	}
	e.mustCheck(s2, true)
	if err := e.open(storage.Options{}).Materialize(e.ctx, id, t.TempDir()); err != nil {
		t.Fatalf("after RebuildIndex: %v", err)
	}
	// A damaged index object: Open refuses, Repair opens, rebuild fixes.
	idx := e.keys("index/")[0]
	e.write(idx, []byte("garbage"))
	if _, err := storage.OpenBucket(e.ctx, e.raw, storage.Options{}); err == nil {
		t.Fatal("Open accepted a damaged index object")
	}
	s3, err := storage.OpenBucket(e.ctx, e.raw, storage.Options{Repair: true})
	if err != nil {
		t.Fatalf("Open with Repair: %v", err)
	}
	defer s3.Close()
	if _, err := s3.RebuildIndex(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.mustCheck(e.open(storage.Options{}), true)
}

func testConfigMismatch(t *testing.T, e *env) {
	e.open(storage.Options{})
	orig := e.readRaw("config")
	cases := map[string]string{
		"other average":     strings.Replace(string(orig), fmt.Sprintf(`"avg_size": %d`, storage.ChunkAvgSize), `"avg_size": 524287`, 1),
		"unknown algorithm": strings.Replace(string(orig), `"fastcdc-v1.0.0"`, `"rabin"`, 1),
		"newer format":      strings.Replace(string(orig), `"version": 1`, `"version": 99`, 1),
		"not JSON":          "garbage",
	}
	for name, cfg := range cases {
		if cfg == string(orig) {
			t.Fatalf("%s: replacement did not apply to %s", name, orig)
		}
		e.write("config", []byte(cfg))
		if s, err := storage.OpenBucket(e.ctx, e.raw, storage.Options{}); err == nil {
			s.Close()
			t.Errorf("%s: Open accepted config %s", name, cfg)
		} else if !strings.Contains(err.Error(), "config") {
			t.Errorf("%s: error %q does not mention the store config", name, err)
		}
	}
	e.write("config", orig)
	e.open(storage.Options{})
}
