package packfmt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/mlform/mlform/providers/storage/manifest"
)

// A store index object lists where chunks live. It is keyed by the BLAKE3
// of its content (index/<id>), written only after the packs it names, and
// never modified: new entries go into new index objects, and GC replaces a
// set of index objects by one consolidated object.
//
//	header = "MLFINDX\n" | version uint32 BE | count uint32 BE
//	entry  = chunk id [32] | pack id [32] | offset uint64 BE | length uint32 BE  (76 bytes)
const (
	indexMagic      = "MLFINDX\n"
	indexVersion    = 1
	indexHeaderSize = 8 + 4 + 4
	indexEntrySize  = 32 + 32 + 8 + 4
)

// Location says where a chunk's bytes are.
type Location struct {
	Pack   ID
	Offset uint64
	Length uint32
}

// IndexEntry is one line of an index object.
type IndexEntry struct {
	Chunk ID
	Location
}

// EncodeIndex sorts entries by chunk id and returns the index object
// holding them.
func EncodeIndex(entries []IndexEntry) []byte {
	sort.Slice(entries, func(i, j int) bool { return bytes.Compare(entries[i].Chunk[:], entries[j].Chunk[:]) < 0 })
	buf := make([]byte, 0, indexHeaderSize+len(entries)*indexEntrySize)
	buf = append(buf, indexMagic...)
	buf = binary.BigEndian.AppendUint32(buf, indexVersion)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(entries)))
	for _, e := range entries {
		buf = append(buf, e.Chunk[:]...)
		buf = append(buf, e.Pack[:]...)
		buf = binary.BigEndian.AppendUint64(buf, e.Offset)
		buf = binary.BigEndian.AppendUint32(buf, e.Length)
	}
	return buf
}

// DecodeIndex parses an index object. Offsets are checked against packs by
// the store's Check and by every read; here only what the object alone can
// tell.
func DecodeIndex(data []byte) ([]IndexEntry, error) {
	if len(data) < indexHeaderSize || string(data[:8]) != indexMagic {
		return nil, fmt.Errorf("not an mlform index object")
	}
	if v := binary.BigEndian.Uint32(data[8:12]); v != indexVersion {
		return nil, fmt.Errorf("index version %d is not supported (want %d)", v, indexVersion)
	}
	n := uint64(binary.BigEndian.Uint32(data[12:16]))
	if uint64(len(data)-indexHeaderSize) != n*indexEntrySize {
		return nil, fmt.Errorf("index claims %d entries but holds %d bytes of entries", n, len(data)-indexHeaderSize)
	}
	entries := make([]IndexEntry, n)
	for i := range entries {
		b := data[indexHeaderSize+i*indexEntrySize:]
		e := &entries[i]
		copy(e.Chunk[:], b[:32])
		copy(e.Pack[:], b[32:64])
		e.Offset = binary.BigEndian.Uint64(b[64:72])
		e.Length = binary.BigEndian.Uint32(b[72:76])
		if e.Length == 0 || e.Length > manifest.MaxChunkSize {
			return nil, fmt.Errorf("index entry %d (chunk %s) has length %d, want 1..%d", i, e.Chunk, e.Length, manifest.MaxChunkSize)
		}
		if e.Offset > 1<<50 {
			return nil, fmt.Errorf("index entry %d (chunk %s) has implausible offset %d", i, e.Chunk, e.Offset)
		}
	}
	return entries, nil
}
