package storage

import (
	"bytes"
	"testing"

	"github.com/mlform/mlform/internal/relpath"
	"github.com/mlform/mlform/providers/storage/storedoc"
)

// FuzzDecodeManifest: any input either fails cleanly or yields a manifest
// whose every path is safe and whose canonical re-encoding decodes to the
// same id.
func FuzzDecodeManifest(f *testing.F) {
	h := emptyHash
	f.Add([]byte(`{"format":1,"kind":"snapshot","files":[{"path":"a/b","size":0,"hash":"` + h + `","mode":420,"chunks":[]}]}`))
	f.Add([]byte(`{"format":1,"kind":"snapshot","files":[{"path":"../x","size":0,"hash":"` + h + `","mode":420,"chunks":[]}]}`))
	f.Add([]byte(`{"format":1,"kind":"logs","files":[],"meta":{"k":"v"}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeManifest(data)
		if err != nil {
			return
		}
		for _, file := range m.Files {
			if err := relpath.Check(file.Path); err != nil {
				t.Fatalf("decoded an unsafe path: %v", err)
			}
		}
		enc := encodeManifest(m)
		m2, err := decodeManifest(enc)
		if err != nil {
			t.Fatalf("canonical encoding does not decode: %v\n%s", err, enc)
		}
		if !bytes.Equal(encodeManifest(m2), enc) {
			t.Fatal("canonical encoding is not stable")
		}
	})
}

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
