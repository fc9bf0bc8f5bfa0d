package packfmt

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/providers/storage/manifest"
)

// FuzzDecodePack: a pack's trailer never yields entries outside the
// pack's data area, and what is accepted is exactly the trailer
// EncodeTrailer writes for its entries.
//
// The trailer's BLAKE3 sum stops every mutant of the entries at the
// checksum, so with fixSum the target first writes the right sum of the
// trailer the footer claims into the footer: the entry checks get
// fuzzed, not the hash.
func FuzzDecodePack(f *testing.F) {
	pack, _ := samplePack()
	f.Add(pack, false)
	f.Add(EncodeTrailer(nil), false)
	f.Add([]byte(packMagic), false)
	f.Add(pack, true)
	f.Fuzz(func(t *testing.T, data []byte, fixSum bool) {
		if fixSum {
			data = withTrailerSum(data)
		}
		entries, err := DecodePack(data)
		if err != nil {
			return
		}
		dataLen := uint64(len(data) - FooterSize - len(entries)*EntrySize)
		var next uint64
		for _, e := range entries {
			if e.Length == 0 || e.Length > manifest.MaxChunkSize || e.Offset != next || e.Offset+uint64(e.Length) > dataLen {
				t.Fatalf("entry %+v outside the %d-byte data area or not contiguous", e, dataLen)
			}
			next += uint64(e.Length)
		}
		if next != dataLen {
			t.Fatalf("entries cover %d of the %d-byte data area", next, dataLen)
		}
		if enc := EncodeTrailer(entries); !bytes.Equal(enc, data[dataLen:]) {
			t.Fatalf("the entries re-encode to another trailer:\n%x\n%x", enc, data[dataLen:])
		}
	})
}

// withTrailerSum returns a copy of pack whose footer holds the BLAKE3 of
// the trailer its count claims (pack itself when it has no such trailer).
func withTrailerSum(pack []byte) []byte {
	if len(pack) < FooterSize {
		return pack
	}
	foot := len(pack) - FooterSize
	n := uint64(binary.BigEndian.Uint32(pack[foot+32 : foot+36]))
	if n*EntrySize > uint64(foot) {
		return pack
	}
	pack = slices.Clone(pack)
	sum := blake3.Sum256(pack[foot-int(n)*EntrySize : foot])
	copy(pack[foot:], sum[:])
	return pack
}

// FuzzDecodeIndex: decoded index entries re-encode to an index that
// decodes, and to the same object when they were in canonical order.
func FuzzDecodeIndex(f *testing.F) {
	f.Add(EncodeIndex([]IndexEntry{{Chunk: ID{1}, Location: Location{Pack: ID{2}, Offset: 3, Length: 4}}}))
	f.Add(EncodeIndex(nil))
	f.Add([]byte(indexMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := DecodeIndex(data)
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.Length == 0 || e.Length > manifest.MaxChunkSize || e.Offset > 1<<50 {
				t.Fatalf("entry with length %d at offset %d accepted", e.Length, e.Offset)
			}
		}
		sorted := slices.IsSortedFunc(entries, func(a, b IndexEntry) int { return bytes.Compare(a.Chunk[:], b.Chunk[:]) })
		enc := EncodeIndex(slices.Clone(entries))
		if sorted && !bytes.Equal(enc, data) {
			t.Fatalf("entries in canonical order re-encode to another object")
		}
		again, err := DecodeIndex(enc)
		if err != nil {
			t.Fatalf("re-encoded index does not decode: %v", err)
		}
		if len(again) != len(entries) {
			t.Fatalf("re-encoded index holds %d entries, want %d", len(again), len(entries))
		}
	})
}
