package storage

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/mlform/mlform/providers/storage/storedoc"
)

func TestCheckConfig(t *testing.T) {
	good := currentConfig()
	tests := []struct {
		name    string
		mutate  func(c *Config)
		wantErr string
	}{
		{"current", func(c *Config) {}, ""},
		{"older version", func(c *Config) { c.Version = 0 }, "invalid format version"},
		{"newer version", func(c *Config) { c.Version = FormatVersion + 1 }, "newer than this mlform"},
		{"other format", func(c *Config) { c.Format = "restic" }, "not an mlform store"},
		{"other hash", func(c *Config) { c.Hash = "sha256" }, "hash"},
		{"unknown algorithm", func(c *Config) { c.Chunker.Algorithm = "rabin" }, "chunking algorithm"},
		{"other min", func(c *Config) { c.Chunker.MinSize = 1 }, "chunker parameters"},
		{"other avg", func(c *Config) { c.Chunker.AvgSize = 2 << 20 }, "chunker parameters"},
		{"other max", func(c *Config) { c.Chunker.MaxSize = 8 << 20 }, "chunker parameters"},
	}
	for _, tc := range tests {
		c := good
		tc.mutate(&c)
		// Through the encoding, as Open sees it.
		dec, err := storedoc.DecodeConfig(storedoc.EncodeConfig(c))
		if err != nil {
			t.Fatalf("%s: decode: %v", tc.name, err)
		}
		err = storedoc.CheckConfig(dec, currentConfig())
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.wantErr)
		}
	}
	for _, bad := range []string{"", "{", "[]", `{"format":"mlform-store"} {}`} {
		if _, err := storedoc.DecodeConfig([]byte(bad)); err == nil {
			t.Errorf("storedoc.DecodeConfig(%q) succeeded", bad)
		}
	}
}

// TestManifestIDGolden pins the canonical manifest encoding: snapshot ids
// recorded in states must never change with a new build.
func samplePack() ([]byte, []packEntry) {
	var data []byte
	var entries []packEntry
	for i, n := range []int{10, 300, 1} {
		chunk := bytes.Repeat([]byte{byte(i + 1)}, n)
		entries = append(entries, packEntry{ID: rawID(hashRaw(chunk)), Offset: uint64(len(data)), Length: uint32(n)})
		data = append(data, chunk...)
	}
	return append(data, encodeTrailer(entries)...), entries
}

func hashRaw(b []byte) [32]byte {
	id, _ := parseRawID(hashHex(b))
	return id
}

func TestPackTrailer(t *testing.T) {
	pack, entries := samplePack()
	got, err := decodePackIndex(pack)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(entries) {
		t.Fatalf("decoded %d entries, want %d", len(got), len(entries))
	}
	for i := range got {
		if got[i] != entries[i] {
			t.Errorf("entry %d: %+v, want %+v", i, got[i], entries[i])
		}
	}
	dataLen := 311
	footerAt := len(pack) - packFooterSize
	corrupt := func(f func(p []byte) []byte) []byte {
		p := append([]byte{}, pack...)
		return f(p)
	}
	tests := map[string][]byte{
		"empty":          nil,
		"short":          pack[:20],
		"bad magic":      corrupt(func(p []byte) []byte { p[len(p)-1] = 'X'; return p }),
		"bad version":    corrupt(func(p []byte) []byte { binary.BigEndian.PutUint32(p[footerAt+36:], 9); return p }),
		"huge count":     corrupt(func(p []byte) []byte { binary.BigEndian.PutUint32(p[footerAt+32:], 1<<31); return p }),
		"count too big":  corrupt(func(p []byte) []byte { binary.BigEndian.PutUint32(p[footerAt+32:], 100); return p }),
		"trailer flip":   corrupt(func(p []byte) []byte { p[dataLen+40] ^= 1; return p }),
		"data truncated": append(append([]byte{}, pack[:5]...), pack[dataLen:]...),
		"data extended":  append(append(append([]byte{}, pack[:dataLen]...), 0), pack[dataLen:]...),
	}
	for name, p := range tests {
		if _, err := decodePackIndex(p); err == nil {
			t.Errorf("%s: decodePackIndex accepted it", name)
		}
	}
	// Entries that pass the checksum but lie about offsets are refused too.
	bad := []packEntry{{Offset: 0, Length: 10}, {Offset: 20, Length: 301}}
	p := append(make([]byte, 311), encodeTrailer(bad)...)
	if _, err := decodePackIndex(p); err == nil {
		t.Error("gap between entries accepted")
	}
	zero := []packEntry{{Offset: 0, Length: 0}}
	if _, err := decodePackIndex(encodeTrailer(zero)); err == nil {
		t.Error("zero-length entry accepted")
	}
}

func TestDecodeIndex(t *testing.T) {
	entries := []indexEntry{
		{Chunk: rawID{2}, location: location{Pack: rawID{9}, Offset: 100, Length: 5}},
		{Chunk: rawID{1}, location: location{Pack: rawID{9}, Offset: 0, Length: 100}},
	}
	enc := encodeIndex(entries)
	got, err := decodeIndex(enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Chunk != (rawID{1}) || got[1].Offset != 100 {
		t.Errorf("round trip: %+v", got)
	}
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte{}, enc...)) }
	tests := map[string][]byte{
		"empty":       nil,
		"bad magic":   mut(func(b []byte) []byte { b[0] = 'X'; return b }),
		"bad version": mut(func(b []byte) []byte { b[11] = 7; return b }),
		"count high":  mut(func(b []byte) []byte { b[15] = 3; return b }),
		"truncated":   enc[:len(enc)-1],
		"zero length": mut(func(b []byte) []byte { copy(b[16+72:], []byte{0, 0, 0, 0}); return b }),
		"huge length": mut(func(b []byte) []byte { copy(b[16+72:], []byte{0xff, 0, 0, 0}); return b }),
		"huge offset": mut(func(b []byte) []byte { b[16+64] = 0xff; return b }),
		"extra byte":  append(append([]byte{}, enc...), 0),
	}
	for name, b := range tests {
		if _, err := decodeIndex(b); err == nil {
			t.Errorf("%s: decodeIndex accepted it", name)
		}
	}
}

func TestKeys(t *testing.T) {
	id := strings.Repeat("ab", 32)
	tests := []struct {
		key string
		ok  bool
	}{
		{packKey(id), true},
		{"data/cd/" + id, false},
		{"data/ab/" + id + ".tmp", false},
		{"data/ab/" + strings.ToUpper(id), false},
		{"data/ab/../" + id[3:], false},
		{"data/" + id, false},
	}
	for _, tc := range tests {
		got, ok := packIDFromKey(tc.key)
		if ok != tc.ok || (ok && got != id) {
			t.Errorf("packIDFromKey(%q) = %q, %v; want ok=%v", tc.key, got, ok, tc.ok)
		}
	}
	if _, ok := idFromKey(manifestPrefix, manifestPrefix+id[:63]); ok {
		t.Error("short manifest id accepted")
	}
}
