package statcache

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/relpath"
	"github.com/mlform/mlform/providers/storage/manifest"
)

func sampleCache() *Cache {
	return &Cache{
		HashID: "fastcdc-1MiB/blake3", Source: "/data/churn", Columns: []string{"age", "city"},
		ScanStartNs: 1767614400000000000, LastID: "abc", LastProfile: []byte(`{"x":1}`),
		Entries: []Entry{
			{Path: "a.csv", Size: 3, MtimeNs: 10, Ctime: 11, Inode: 12, Dev: 13, Mode: 0o644,
				File: manifest.File{Path: "a.csv", Size: 3, Hash: strings.Repeat("1", 64), Mode: 0o644, Chunks: []manifest.Chunk{{ID: strings.Repeat("1", 64), Size: 3}}}, Profile: []byte("{}")},
			{Path: "b/big", Size: 1 << 21, MtimeNs: -5, Mode: 0o755, Digest: "d41d8c",
				File: manifest.File{Path: "b/big", Size: 1 << 21, Hash: strings.Repeat("2", 64), Mode: 0o755, Chunks: []manifest.Chunk{{ID: strings.Repeat("c", 64), Size: 1 << 20}, {ID: strings.Repeat("d", 64), Size: 1 << 20}}}},
			{Path: "empty", Mode: 0o600, File: manifest.File{Path: "empty", Hash: strings.Repeat("0", 64), Mode: 0o600, Chunks: []manifest.Chunk{}}},
		},
	}
}

func TestCacheRoundTrip(t *testing.T) {
	c := sampleCache()
	got, err := Decode(Encode(c))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, c)
	}
}

func TestCacheRejects(t *testing.T) {
	good := Encode(sampleCache())
	unsorted := sampleCache()
	unsorted.Entries[0], unsorted.Entries[1] = unsorted.Entries[1], unsorted.Entries[0]
	escaping := sampleCache()
	escaping.Entries[0].Path = "../../etc/passwd"
	escaping.Entries[0].File.Path = escaping.Entries[0].Path
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 1
	badHash := sampleCache()
	badHash.Entries[0].File.Hash = "not-a-digest"
	tests := map[string][]byte{
		"not a digest":   Encode(badHash),
		"empty":          nil,
		"wrong magic":    append([]byte("NOTSTAT\n"), good[8:]...),
		"truncated":      good[:len(good)-7],
		"bit flip":       flipped,
		"unsorted paths": Encode(unsorted),
		"escaping path":  Encode(escaping),
	}
	for name, data := range tests {
		if _, err := Decode(data); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func TestCachePathIsConfined(t *testing.T) {
	for _, key := range []string{"churn", "../../etc/x", "a/b", "", ".hidden", strings.Repeat("k", 200)} {
		p := Path("/c", key)
		if filepath.Dir(p) != "/c" || !strings.HasPrefix(filepath.Base(p), "observe-") {
			t.Errorf("Path(%q) = %q escapes or misnames", key, p)
		}
	}
	if Path("/c", "a") == Path("/c", "b") {
		t.Error("different keys share a cache")
	}
}

func FuzzDecodeCache(f *testing.F) {
	good := Encode(sampleCache())
	f.Add(good[:len(good)-4], true)
	f.Add([]byte(Magic), false)
	f.Fuzz(func(t *testing.T, data []byte, fixCRC bool) {
		if fixCRC { // get past the checksum to exercise the parser
			data = binary.LittleEndian.AppendUint32(bytes.Clone(data), crc32.Checksum(data, crcTable()))
		}
		c, err := Decode(data)
		if err != nil {
			return
		}
		for i, e := range c.Entries {
			if err := relpath.Check(e.Path); err != nil || e.File.Path != e.Path {
				t.Fatalf("entry %d path %q (file %q) accepted: %v", i, e.Path, e.File.Path, err)
			}
			if i > 0 && c.Entries[i-1].Path >= e.Path {
				t.Fatalf("entry %d path %q out of order or repeated", i, e.Path)
			}
		}
		again, err := Decode(Encode(c))
		if err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("re-encoding a valid cache: %v", err)
		}
	})
}

// TestSafeKey pins which dataset names name their cache file as is (the
// names existing caches have), against the rule's regular expression.
func TestSafeKey(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$`)
	for _, key := range []string{"churn", "a", "_x", "A-b.c_9", "", ".hidden", "-dash", "a/b", "a b", "é", "x\n",
		strings.Repeat("k", 64), strings.Repeat("k", 65), "9lives", "a..b", "a-"} {
		if got, want := safeKey(key), re.MatchString(key); got != want {
			t.Errorf("safeKey(%q) = %v, want %v", key, got, want)
		}
	}
}
