package packfmt

import (
	"testing"

	"github.com/mlform/mlform/providers/storage/manifest"
)

// FuzzDecodePack: a pack's trailer never yields entries outside the
// pack's data area.
func FuzzDecodePack(f *testing.F) {
	pack, _ := samplePack()
	f.Add(pack)
	f.Add(EncodeTrailer(nil))
	f.Add([]byte(packMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := DecodePack(data)
		if err != nil {
			return
		}
		dataLen := uint64(len(data) - FooterSize - len(entries)*EntrySize)
		for _, e := range entries {
			if e.Length == 0 || e.Offset+uint64(e.Length) > dataLen {
				t.Fatalf("entry %+v outside the %d-byte data area", e, dataLen)
			}
		}
	})
}

// FuzzDecodeIndex: decoded index entries re-encode to the same object when
// they were in canonical order.
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
			if e.Length == 0 || e.Length > manifest.MaxChunkSize {
				t.Fatalf("entry with length %d accepted", e.Length)
			}
		}
		if _, err := DecodeIndex(EncodeIndex(entries)); err != nil {
			t.Fatalf("re-encoded index does not decode: %v", err)
		}
	})
}
