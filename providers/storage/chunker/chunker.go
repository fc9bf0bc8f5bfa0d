// Package chunker cuts a stream into the store's content-defined chunks
// (FastCDC with fixed parameters, part of the store format) and hashes
// each chunk and the whole stream in one pass, with pooled buffers so
// memory follows the number of concurrent streams, not of files.
package chunker

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"sync"

	chunkers "github.com/PlakarKorp/go-cdc-chunkers"
	_ "github.com/PlakarKorp/go-cdc-chunkers/chunkers/fastcdc" // registers fastcdc-v1.0.0
	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/providers/storage/manifest"
	"github.com/mlform/mlform/providers/storage/packfmt"
)

// The chunker's parameters. They are part of the store format: chunk
// boundaries, and so chunk ids and dedupe, depend on them (the store
// records them in its config object and refuses a store recorded with
// others).
//
// FastCDC's normal size is a target, not the mean: with min 640 KiB and
// normal 768 KiB, chunks average about 0.85 MiB on random data, and the
// gear hash skips the first 640 KiB of every chunk. Measured here (one
// core, 256 MiB random): 1.8 GB/s against 1.0 GB/s for 256K/1M/4M, with
// the same resynchronisation after an insert (2-4 MiB of new chunks).
const (
	Algorithm = "fastcdc-v1.0.0"
	MinSize   = 640 << 10
	AvgSize   = 768 << 10
	MaxSize   = manifest.MaxChunkSize
)

// Splitter chunks streams with the store's parameters. Buffers (scan
// buffers and chunk copies, MaxSize each) are pooled in a bounded
// free list so memory scales with the number of concurrent PutFile calls,
// not with the number of files.
type Splitter struct {
	// heads holds MinSize+1 buffers for the first read of a stream.
	heads freeList
	bufs  freeList
	// big holds scan buffers for streams known to be large: a scan buffer
	// of exactly MaxSize makes the chunker slide most of its window
	// after every chunk, a bigger one rarely.
	big freeList
}

// freeList is a bounded pool of buffers of one size.
type freeList chan []byte

// get returns a pooled buffer, or a new one of size.
func (f freeList) get(size int) []byte {
	select {
	case b := <-f:
		return b
	default:
		return make([]byte, size)
	}
}

// put returns b to the pool; when the pool is full the GC has it.
func (f freeList) put(b []byte) {
	select {
	case f <- b:
	default:
	}
}

// bigScanBuffer is the scan buffer size for streams larger than one chunk.
const bigScanBuffer = 2 * MaxSize

// New returns a Splitter keeping up to maxIdle idle buffers of each kind.
func New(maxIdle int) *Splitter {
	return &Splitter{heads: make(freeList, 4*maxIdle), bufs: make(freeList, maxIdle), big: make(freeList, 2)}
}

func (s *Splitter) getHead() []byte  { return s.heads.get(MinSize + 1) }
func (s *Splitter) putHead(b []byte) { s.heads.put(b) }

func (s *Splitter) getScanBuf(sizeHint int64) []byte {
	if sizeHint <= MaxSize {
		return s.getBuf()
	}
	return s.big.get(bigScanBuffer)
}

func (s *Splitter) putScanBuf(b []byte) {
	if len(b) == MaxSize {
		s.putBuf(b)
		return
	}
	s.big.put(b)
}

func (s *Splitter) getBuf() []byte  { return s.bufs.get(MaxSize) }
func (s *Splitter) putBuf(b []byte) { s.bufs.put(b) }

// pipelineDepth is how many chunk copies a multi-chunk split has in flight
// between the chunking and the hashing goroutine.
const pipelineDepth = 2

// Split reads r to the end in one pass: it cuts content-defined chunks,
// hashes each chunk and the whole stream, and calls fn for every chunk in
// order (from one goroutine at a time). data is only valid during the call.
// The returned File has no Path or Mode.
//
// A stream of at most MinSize bytes is always exactly one chunk, so
// Split first reads that much into a small buffer: most files of a typical
// dataset never touch the chunker or its 4 MiB scan buffer, and are hashed
// once (their chunk id is their file hash). Longer streams go through the
// chunker (fed the bytes already read, so boundaries are the same) and are
// pipelined: one goroutine finds boundaries while another hashes, so one
// big file uses two cores.
//
// sizeHint (the stream's size if known, else -1) only picks a buffer size:
// boundaries depend on content alone.
func (s *Splitter) Split(r io.Reader, sizeHint int64, fn func(id packfmt.ID, data []byte) error) (manifest.File, error) {
	head := s.getHead()
	defer s.putHead(head)
	n, err := io.ReadFull(r, head)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF: // the whole stream fits one chunk
		return oneChunk(head[:n], fn)
	case err != nil:
		return manifest.File{}, fmt.Errorf("read: %w", err)
	}
	buf := s.getScanBuf(sizeHint)
	defer s.putScanBuf(buf)
	opts := &chunkers.ChunkerOpts{MinSize: MinSize, NormalSize: AvgSize, MaxSize: MaxSize}
	ch, err := chunkers.NewChunkerBuffer(Algorithm, io.MultiReader(bytes.NewReader(head), r), opts, buf)
	if err != nil {
		return manifest.File{}, fmt.Errorf("chunker: %w", err)
	}
	data, err := ch.Next()
	if err != nil && err != io.EOF {
		return manifest.File{}, fmt.Errorf("read: %w", err)
	}
	if err == io.EOF { // longer than the head but still one chunk
		return oneChunk(data, fn)
	}
	return s.pipeline(ch, data, fn)
}

// oneChunk stores a stream that is a single chunk (or empty).
func oneChunk(data []byte, fn func(packfmt.ID, []byte) error) (manifest.File, error) {
	f := manifest.File{Chunks: []manifest.Chunk{}, Hash: manifest.EmptyHash}
	if len(data) == 0 {
		return f, nil
	}
	id := packfmt.Sum(data)
	if err := fn(id, data); err != nil {
		return manifest.File{}, err
	}
	return OneChunkFile(id, len(data)), nil
}

// oneChunkFile is the File of a non-empty stream that is the one chunk id
// of n bytes: its file hash is its chunk id.
func OneChunkFile(id packfmt.ID, n int) manifest.File {
	h := id.String()
	return manifest.File{Hash: h, Size: int64(n), Chunks: []manifest.Chunk{{ID: h, Size: uint32(n)}}}
}

// pipeline hashes and hands on chunks in a second goroutine while the
// caller's goroutine keeps cutting; first is the already cut first chunk.
func (s *Splitter) pipeline(ch *chunkers.Chunker, first []byte, fn func(packfmt.ID, []byte) error) (manifest.File, error) {
	jobs := make(chan []byte, pipelineDepth)
	free := make(chan []byte, pipelineDepth)
	for i := 0; i < pipelineDepth; i++ {
		free <- s.getBuf()
	}
	var (
		f       = manifest.File{Chunks: []manifest.Chunk{}}
		hashErr error
		failed  = make(chan struct{})
		wg      sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		whole := blake3.New()
		for data := range jobs {
			if hashErr == nil {
				id := packfmt.Sum(data)
				_, _ = whole.Write(data) // hash.Hash writes never fail
				f.Chunks = append(f.Chunks, manifest.Chunk{ID: id.String(), Size: uint32(len(data))})
				f.Size += int64(len(data))
				if hashErr = fn(id, data); hashErr != nil {
					close(failed)
				}
			}
			free <- data[:cap(data)]
		}
		var sum packfmt.ID
		whole.Sum(sum[:0])
		f.Hash = sum.String()
	}()

	var readErr error
	data := first
	for {
		if len(data) > 0 {
			var b []byte
			select {
			case b = <-free:
			case <-failed:
			}
			if b == nil {
				break
			}
			jobs <- b[:copy(b, data)]
		}
		var err error
		data, err = ch.Next()
		if err == io.EOF {
			if len(data) > 0 {
				continue // hand on the last chunk, then Next reports EOF again
			}
			break
		}
		if err != nil {
			readErr = fmt.Errorf("read: %w", err)
			break
		}
	}
	close(jobs)
	wg.Wait()
	for i := 0; i < pipelineDepth; i++ {
		s.putBuf(<-free)
	}
	if readErr != nil {
		return manifest.File{}, readErr
	}
	if hashErr != nil {
		return manifest.File{}, hashErr
	}
	return f, nil
}

// SizeOf returns the size of r when it can tell cheaply (files, byte and
// string readers, anything with Size() int64), else -1. The store uses it
// to pick buffers and to read small files straight into a pack; readers
// that wrap another (progress counters) pass it on as their Size.
func SizeOf(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	case interface{ Len() int }:
		return int64(v.Len())
	case interface{ Size() int64 }:
		return v.Size()
	}
	return -1
}
