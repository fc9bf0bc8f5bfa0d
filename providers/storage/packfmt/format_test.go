package packfmt

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// samplePack is a pack of three chunks (10, 300 and 1 bytes) and its entries.
func samplePack() ([]byte, []Entry) {
	var data []byte
	var entries []Entry
	for i, n := range []int{10, 300, 1} {
		chunk := bytes.Repeat([]byte{byte(i + 1)}, n)
		entries = append(entries, Entry{ID: Sum(chunk), Offset: uint64(len(data)), Length: uint32(n)})
		data = append(data, chunk...)
	}
	return append(data, EncodeTrailer(entries)...), entries
}

func TestPackTrailer(t *testing.T) {
	pack, entries := samplePack()
	got, err := DecodePack(pack)
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
	footerAt := len(pack) - FooterSize
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
		if _, err := DecodePack(p); err == nil {
			t.Errorf("%s: DecodePack accepted it", name)
		}
	}
	// Entries that pass the checksum but lie about offsets are refused too.
	bad := []Entry{{Offset: 0, Length: 10}, {Offset: 20, Length: 301}}
	p := append(make([]byte, 311), EncodeTrailer(bad)...)
	if _, err := DecodePack(p); err == nil {
		t.Error("gap between entries accepted")
	}
	zero := []Entry{{Offset: 0, Length: 0}}
	if _, err := DecodePack(EncodeTrailer(zero)); err == nil {
		t.Error("zero-length entry accepted")
	}
}

func TestDecodeIndex(t *testing.T) {
	entries := []IndexEntry{
		{Chunk: ID{2}, Location: Location{Pack: ID{9}, Offset: 100, Length: 5}},
		{Chunk: ID{1}, Location: Location{Pack: ID{9}, Offset: 0, Length: 100}},
	}
	enc := EncodeIndex(entries)
	got, err := DecodeIndex(enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Chunk != (ID{1}) || got[1].Offset != 100 {
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
		if _, err := DecodeIndex(b); err == nil {
			t.Errorf("%s: DecodeIndex accepted it", name)
		}
	}
}

func TestParseID(t *testing.T) {
	id := Sum([]byte("chunk"))
	got, err := ParseID(id.String())
	if err != nil || got != id {
		t.Fatalf("ParseID(%s) = %v, %v", id, got, err)
	}
	for _, bad := range []string{"", id.String()[:63], strings.ToUpper(id.String()), id.String() + "0", "../" + id.String()[3:]} {
		if _, err := ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) accepted it", bad)
		}
	}
}
