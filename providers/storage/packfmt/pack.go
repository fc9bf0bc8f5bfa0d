package packfmt

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/providers/storage/manifest"
)

// A pack is the concatenation of its chunks' bytes followed by its own
// index (the trailer) and a fixed-size footer:
//
//	chunk data ... | entry*count | footer
//	entry  = chunk id [32] | offset uint64 BE | length uint32 BE   (44 bytes)
//	footer = BLAKE3(entries) [32] | count uint32 BE | version uint32 BE | "MLFPACK\n"  (48 bytes)
//
// Chunks are contiguous and in entry order, so the entries fully describe
// the data area. The pack's id (its key) is the BLAKE3 of entries and
// footer: they name every chunk by its BLAKE3, length and position, so the
// id commits to the whole content (a Merkle hash) without a third hashing
// pass over the data. The store's Check with ReadData verifies both levels.
const (
	// EntrySize is the size of one trailer entry.
	EntrySize = 32 + 8 + 4
	// FooterSize is the size of a pack's footer.
	FooterSize  = 32 + 4 + 4 + 8
	packVersion = 1
	packMagic   = "MLFPACK\n"
	// maxPackChunks bounds the entry count a footer may claim.
	maxPackChunks = 1 << 24
)

// Entry locates one chunk inside a pack.
type Entry struct {
	ID     ID
	Offset uint64
	Length uint32
}

// EncodeTrailer returns the trailer and footer for entries.
func EncodeTrailer(entries []Entry) []byte {
	buf := make([]byte, 0, len(entries)*EntrySize+FooterSize)
	for _, e := range entries {
		buf = append(buf, e.ID[:]...)
		buf = binary.BigEndian.AppendUint64(buf, e.Offset)
		buf = binary.BigEndian.AppendUint32(buf, e.Length)
	}
	sum := blake3.Sum256(buf)
	buf = append(buf, sum[:]...)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(entries)))
	buf = binary.BigEndian.AppendUint32(buf, packVersion)
	return append(buf, packMagic...)
}

// ParseFooter checks a pack's last FooterSize bytes and returns the
// number of entries and the trailer's checksum. packSize is the whole
// pack's size, used to reject counts that cannot fit.
func ParseFooter(footer []byte, packSize int64) (count int, sum [32]byte, err error) {
	if len(footer) != FooterSize {
		return 0, sum, fmt.Errorf("pack footer is %d bytes, want %d", len(footer), FooterSize)
	}
	if string(footer[40:]) != packMagic {
		return 0, sum, fmt.Errorf("not an mlform pack (bad magic)")
	}
	if v := binary.BigEndian.Uint32(footer[36:40]); v != packVersion {
		return 0, sum, fmt.Errorf("pack version %d is not supported (want %d)", v, packVersion)
	}
	n := binary.BigEndian.Uint32(footer[32:36])
	if n > maxPackChunks || int64(n)*EntrySize+FooterSize > packSize {
		return 0, sum, fmt.Errorf("pack footer claims %d chunks, more than a %d-byte pack can hold", n, packSize)
	}
	copy(sum[:], footer[:32])
	return int(n), sum, nil
}

// ParseTrailer decodes count entries and checks them against the trailer
// checksum and the data area: every chunk non-empty and at most
// manifest.MaxChunkSize, contiguous from offset 0, ending exactly at dataLen.
func ParseTrailer(trailer []byte, count int, sum [32]byte, dataLen int64) ([]Entry, error) {
	if len(trailer) != count*EntrySize {
		return nil, fmt.Errorf("pack trailer is %d bytes, want %d for %d chunks", len(trailer), count*EntrySize, count)
	}
	if got := blake3.Sum256(trailer); !bytes.Equal(got[:], sum[:]) {
		return nil, fmt.Errorf("pack trailer checksum mismatch")
	}
	entries := make([]Entry, count)
	var next uint64
	for i := range entries {
		b := trailer[i*EntrySize:]
		e := &entries[i]
		copy(e.ID[:], b[:32])
		e.Offset = binary.BigEndian.Uint64(b[32:40])
		e.Length = binary.BigEndian.Uint32(b[40:44])
		if e.Length == 0 || e.Length > manifest.MaxChunkSize {
			return nil, fmt.Errorf("pack entry %d (%s) has length %d, want 1..%d", i, e.ID, e.Length, manifest.MaxChunkSize)
		}
		if e.Offset != next {
			return nil, fmt.Errorf("pack entry %d (%s) at offset %d, want %d", i, e.ID, e.Offset, next)
		}
		next += uint64(e.Length)
	}
	if next != uint64(dataLen) {
		return nil, fmt.Errorf("pack entries cover %d bytes but the data area is %d", next, dataLen)
	}
	return entries, nil
}

// DecodePack reads the entries of a whole pack held in memory.
func DecodePack(pack []byte) ([]Entry, error) {
	size := int64(len(pack))
	if size < FooterSize {
		return nil, fmt.Errorf("pack is %d bytes, shorter than its footer", size)
	}
	count, sum, err := ParseFooter(pack[size-FooterSize:], size)
	if err != nil {
		return nil, err
	}
	tlen := int64(count) * EntrySize
	start := size - FooterSize - tlen
	return ParseTrailer(pack[start:size-FooterSize], count, sum, start)
}

// PackID names a pack by the BLAKE3 of its trailer and footer.
func PackID(trailerAndFooter []byte) string {
	return Sum(trailerAndFooter).String()
}
