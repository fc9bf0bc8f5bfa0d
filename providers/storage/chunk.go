package storage

import (
	"fmt"
	"io"

	chunkers "github.com/PlakarKorp/go-cdc-chunkers"
	_ "github.com/PlakarKorp/go-cdc-chunkers/chunkers/fastcdc" // registers fastcdc-v1.0.0
	"github.com/zeebo/blake3"
)

// splitter chunks streams with the store's parameters. Scan buffers are
// pooled so memory scales with the number of concurrent PutFile calls, not
// with the number of files.
type splitter struct {
	bufs chan []byte // free scan buffers (bounded pool)
}

func newSplitter(maxIdle int) *splitter {
	return &splitter{bufs: make(chan []byte, maxIdle)}
}

func (s *splitter) getBuf() []byte {
	select {
	case b := <-s.bufs:
		return b
	default:
		return make([]byte, ChunkMaxSize)
	}
}

func (s *splitter) putBuf(b []byte) {
	select {
	case s.bufs <- b:
	default: // pool full: let the GC have it
	}
}

// split reads r to the end in one pass: it cuts content-defined chunks,
// hashes each chunk and the whole stream, and calls fn for every chunk in
// order. data is only valid during the call. The returned File has no Path
// or Mode.
func (s *splitter) split(r io.Reader, fn func(id rawID, data []byte) error) (File, error) {
	buf := s.getBuf()
	defer s.putBuf(buf)
	opts := &chunkers.ChunkerOpts{MinSize: ChunkMinSize, NormalSize: ChunkAvgSize, MaxSize: ChunkMaxSize}
	ch, err := chunkers.NewChunkerBuffer(ChunkAlgorithm, r, opts, buf)
	if err != nil {
		return File{}, fmt.Errorf("chunker: %w", err)
	}
	whole := blake3.New()
	f := File{Chunks: []Chunk{}}
	for {
		data, err := ch.Next()
		if err != nil && err != io.EOF {
			return File{}, fmt.Errorf("read: %w", err)
		}
		if len(data) > 0 {
			id := rawID(blake3.Sum256(data))
			_, _ = whole.Write(data) // hash.Hash writes never fail
			f.Chunks = append(f.Chunks, Chunk{ID: id.String(), Size: uint32(len(data))})
			f.Size += int64(len(data))
			if cerr := fn(id, data); cerr != nil {
				return File{}, cerr
			}
		}
		if err == io.EOF {
			break
		}
	}
	var sum rawID
	whole.Sum(sum[:0])
	f.Hash = sum.String()
	return f, nil
}
