package storage

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"testing/iotest"

	"github.com/mlform/mlform/providers/storage/chunker"

	"github.com/mlform/mlform/providers/storage/packfmt"
)

// TestChunkBoundariesGolden pins chunk boundaries: they are part of the
// store format (dedupe across runs depends on them), so a dependency
// upgrade that moves them must fail here, not silently re-chunk stores.
func TestChunkBoundariesGolden(t *testing.T) {
	sp := chunker.New(1)
	f, err := sp.Split(bytes.NewReader(testData(42, 12<<20)), -1, func(packfmt.ID, []byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	var sizes []uint32
	for _, c := range f.Chunks {
		sizes = append(sizes, c.Size)
	}
	const want = "[1077832 788525 970387 939109 850710 855309 817562 889759 800810 1322768 835972 864930 866369 702870]"
	if got := fmt.Sprint(sizes); got != want {
		t.Errorf("chunk sizes of the golden input = %s, want %s", got, want)
	}
}

func TestChunkSizesAndStreaming(t *testing.T) {
	data := testData(7, 48<<20)
	sp := chunker.New(1)
	var chunks [][]byte
	f, err := sp.Split(bytes.NewReader(data), int64(len(data)), func(_ packfmt.ID, d []byte) error {
		chunks = append(chunks, append([]byte{}, d...))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	avg := len(data) / len(f.Chunks)
	if avg < ChunkAvgSize/2 || avg > ChunkAvgSize*2 {
		t.Errorf("average chunk %d bytes over %d chunks, want about %d", avg, len(f.Chunks), ChunkAvgSize)
	}
	for i, c := range f.Chunks[:len(f.Chunks)-1] {
		if c.Size < ChunkMinSize || c.Size > ChunkMaxSize {
			t.Errorf("chunk %d has %d bytes, outside [%d, %d]", i, c.Size, ChunkMinSize, ChunkMaxSize)
		}
	}
	if !bytes.Equal(bytes.Join(chunks, nil), data) {
		t.Fatal("chunks do not concatenate to the input")
	}
	if f.Hash != hashHex(data) {
		t.Error("streamed whole-file hash differs from BLAKE3 of the content")
	}
	// The same stream read in odd pieces gives the same chunks.
	g, err := sp.Split(iotest.OneByteReader(io.LimitReader(bytes.NewReader(data), 3<<20)), -1, func(packfmt.ID, []byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	h, _ := sp.Split(bytes.NewReader(data[:3<<20]), 3<<20, func(packfmt.ID, []byte) error { return nil })
	if fmt.Sprint(g) != fmt.Sprint(h) {
		t.Error("chunking depends on read sizes")
	}
	// The scan buffer size (chosen from the size hint) does not move
	// boundaries either.
	small, _ := sp.Split(bytes.NewReader(data), -1, func(packfmt.ID, []byte) error { return nil })
	if fmt.Sprint(small) != fmt.Sprint(f) {
		t.Error("chunking depends on the scan buffer size")
	}
	// Read errors surface.
	if _, err := sp.Split(iotest.ErrReader(errInjected), -1, func(packfmt.ID, []byte) error { return nil }); err == nil {
		t.Error("read error swallowed")
	}
}
