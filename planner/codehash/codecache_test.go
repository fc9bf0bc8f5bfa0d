package codehash

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/internal/hexid"
	"github.com/mlform/mlform/internal/testtree"
)

func TestCodeCache(t *testing.T) {
	old := time.Now().Add(-time.Hour)
	setup := func(t *testing.T, mtime time.Time) (dir, cachePath string) {
		dir = testtree.Temp(t, map[string]string{"trainer/a.go": "aaaa", "trainer/b.go": "bbbb"})
		for _, p := range []string{"trainer/a.go", "trainer/b.go"} {
			os.Chtimes(filepath.Join(dir, p), mtime, mtime)
		}
		return dir, filepath.Join(t.TempDir(), "cache", "code.json")
	}
	// sameStatEdit rewrites a.go with same-size content and restores its
	// mtime: only a cache can miss that.
	sameStatEdit := func(dir string, mtime time.Time) {
		p := filepath.Join(dir, "trainer/a.go")
		os.WriteFile(p, []byte("AAAA"), 0o644)
		os.Chtimes(p, mtime, mtime)
	}
	tests := []struct {
		name string
		// run does what the case is about between a first cached hash
		// (h0, saved) and a second one with a reopened cache (h1).
		mtime     time.Time
		between   func(t *testing.T, dir, cachePath string, mtime time.Time)
		wantSame  bool
		wantTruth bool // h1 equals an uncached hash of the tree
	}{
		{"unchanged tree is served from the cache", old, func(*testing.T, string, string, time.Time) {}, true, true},
		{"a forged cache entry is believed (proves the cache is used)", old, func(t *testing.T, dir, cp string, m time.Time) {
			b, _ := os.ReadFile(cp)
			forged := strings.Replace(string(b), mustFileHash(t, filepath.Join(dir, "trainer/a.go")), string(make64('f')), 1)
			os.WriteFile(cp, []byte(forged), 0o644)
		}, false, false},
		{"same-size edit with the old mtime is seen (ctime)", old, func(t *testing.T, dir, _ string, m time.Time) { sameStatEdit(dir, m) }, false, true},
		{"a recently modified file is never cached", time.Now(), func(t *testing.T, dir, _ string, m time.Time) { sameStatEdit(dir, m) }, false, true},
		{"size change is seen", old, func(t *testing.T, dir, _ string, m time.Time) {
			p := filepath.Join(dir, "trainer/a.go")
			os.WriteFile(p, []byte("aaaaa"), 0o644)
			os.Chtimes(p, m, m)
		}, false, true},
		{"mtime change is seen", old, func(t *testing.T, dir, _ string, m time.Time) {
			p := filepath.Join(dir, "trainer/a.go")
			os.WriteFile(p, []byte("AAAA"), 0o644)
			os.Chtimes(p, m.Add(time.Second), m.Add(time.Second))
		}, false, true},
		{"replaced file (new inode) is seen", old, func(t *testing.T, dir, _ string, m time.Time) {
			p := filepath.Join(dir, "trainer/a.go")
			os.Remove(p)
			os.WriteFile(p+".new", []byte("AAAA"), 0o644)
			os.Chtimes(p+".new", m, m)
			os.Rename(p+".new", p)
		}, false, true},
		{"damaged cache file is ignored", old, func(t *testing.T, dir, cp string, m time.Time) {
			sameStatEdit(dir, m)
			os.WriteFile(cp, []byte("{not json"), 0o644)
		}, false, true},
		{"cache of another format is ignored", old, func(t *testing.T, dir, cp string, m time.Time) {
			sameStatEdit(dir, m)
			os.WriteFile(cp, []byte(`{"format":99,"entries":{}}`), 0o644)
		}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, cp := setup(t, tt.mtime)
			c := OpenCodeCache(cp, nil)
			h0, n0, err := CodeHashCached(dir, []string{"trainer/**"}, c)
			if err != nil || n0 != 2 {
				t.Fatal(n0, err)
			}
			if err := c.Save(); err != nil {
				t.Fatal(err)
			}
			tt.between(t, dir, cp, tt.mtime)
			h1, _, err := CodeHashCached(dir, []string{"trainer/**"}, OpenCodeCache(cp, nil))
			if err != nil {
				t.Fatal(err)
			}
			truth := mustHash(t, dir, "trainer/**")
			if (h1 == h0) != tt.wantSame || (h1 == truth) != tt.wantTruth {
				t.Fatalf("same as before: %v (want %v); true hash: %v (want %v)", h1 == h0, tt.wantSame, h1 == truth, tt.wantTruth)
			}
		})
	}
}

func TestCodeCacheSaveOnlyWhenChanged(t *testing.T) {
	dir := testtree.Temp(t, map[string]string{"a.go": "a"})
	old := time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(dir, "a.go"), old, old)
	cp := filepath.Join(t.TempDir(), "code.json")
	c := OpenCodeCache(cp, nil)
	if _, _, err := CodeHashCached(dir, []string{"a.go"}, c); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(cp)
	c2 := OpenCodeCache(cp, nil)
	CodeHashCached(dir, []string{"a.go"}, c2)
	if c2.dirty {
		t.Fatal("a cache hit marked the cache dirty")
	}
	if err := c2.Save(); err != nil {
		t.Fatal(err)
	}
	if info2, _ := os.Stat(cp); !info2.ModTime().Equal(info.ModTime()) {
		t.Fatal("unchanged cache rewritten")
	}
}

// FuzzDecodeCodeCache: any file content decodes to well-formed entries
// or none, never a panic.
func FuzzDecodeCodeCache(f *testing.F) {
	f.Add([]byte(`{"format":1,"entries":{"/w/a.go":{"size":4,"mtime_ns":1,"inode":2,"mode":420,"hash":"` + string(make64('a')) + `"}}}`))
	f.Add([]byte(`{"format":1,"entries":{"":{"size":-1,"hash":"zz"}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for k, e := range decodeCodeCache(b) {
			if k == "" || e.Size < 0 || !hexid.Valid(e.Hash) {
				t.Fatalf("bad entry %q %+v", k, e)
			}
		}
	})
}

// mustFileHash is the BLAKE3 hex of a file's content.
func mustFileHash(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", blake3.Sum256(b))
}

func make64(c byte) []byte {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return b
}

func TestCodeCacheDropsUnusedEntries(t *testing.T) {
	dir := testtree.Temp(t, map[string]string{"a.go": "a", "b.go": "b"})
	old := time.Now().Add(-time.Hour)
	for _, p := range []string{"a.go", "b.go"} {
		os.Chtimes(filepath.Join(dir, p), old, old)
	}
	cp := filepath.Join(t.TempDir(), "code.json")
	c := OpenCodeCache(cp, nil)
	CodeHashCached(dir, []string{"*.go"}, c)
	c.Save()
	os.Remove(filepath.Join(dir, "b.go"))
	c = OpenCodeCache(cp, nil)
	CodeHashCached(dir, []string{"*.go"}, c)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if got := OpenCodeCache(cp, nil).entries; len(got) != 1 {
		t.Fatalf("entries after b.go was deleted: %v", got)
	}
}

// TestCodeCacheTrees: within one cache (one plan) a code tree is hashed
// once however many models name it; a new cache hashes it again.
func TestCodeCacheTrees(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "train.sh"), []byte("echo 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := OpenCodeCache("", nil)
	first, n, err := CodeHashCached(dir, []string{"train.sh"}, cache)
	if err != nil || n != 1 {
		t.Fatalf("%v, %d files", err, n)
	}
	if err := os.WriteFile(filepath.Join(dir, "train.sh"), []byte("echo 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if again, _, _ := CodeHashCached(dir, []string{"train.sh"}, cache); again != first {
		t.Fatal("the same cache hashed the same tree twice")
	}
	if fresh, _, _ := CodeHashCached(dir, []string{"train.sh"}, OpenCodeCache("", nil)); fresh == first {
		t.Fatal("a new cache did not see the changed file")
	}
	if other, _, err := CodeHashCached(dir, []string{"*.sh"}, cache); err != nil || other == first {
		t.Fatalf("other globs answered from the memo: %v", err)
	}
}
