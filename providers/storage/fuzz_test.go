package storage

import (
	"testing"

	"github.com/mlform/mlform/providers/storage/storedoc"
)

// FuzzDecodePackIndex: a pack's trailer never yields entries outside the
// pack's data area.
func FuzzDecodePackIndex(f *testing.F) {
	pack, _ := samplePack()
	f.Add(pack)
	f.Add(encodeTrailer(nil))
	f.Add([]byte(packMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := decodePackIndex(data)
		if err != nil {
			return
		}
		dataLen := uint64(len(data) - packFooterSize - len(entries)*packEntrySize)
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
	f.Add(encodeIndex([]indexEntry{{Chunk: rawID{1}, location: location{Pack: rawID{2}, Offset: 3, Length: 4}}}))
	f.Add(encodeIndex(nil))
	f.Add([]byte(indexMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := decodeIndex(data)
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.Length == 0 || e.Length > ChunkMaxSize {
				t.Fatalf("entry with length %d accepted", e.Length)
			}
		}
		if _, err := decodeIndex(encodeIndex(entries)); err != nil {
			t.Fatalf("re-encoded index does not decode: %v", err)
		}
	})
}

// FuzzDecodeConfig: decoding never panics, and a config that passes the
// check is exactly the current one.
func FuzzDecodeConfig(f *testing.F) {
	f.Add(storedoc.EncodeConfig(currentConfig()))
	f.Add([]byte(`{"format":"mlform-store","version":2}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := storedoc.DecodeConfig(data)
		if err != nil {
			return
		}
		if storedoc.CheckConfig(c, currentConfig()) == nil && c != currentConfig() {
			t.Fatalf("accepted a config other than the current one: %+v", c)
		}
	})
}
