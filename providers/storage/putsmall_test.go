package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/mlform/mlform/providers/storage/manifest"
	"github.com/mlform/mlform/providers/storage/packfmt"
)

// sizedReader claims a size, which may be wrong: a file that changed
// between its stat and its read.
type sizedReader struct {
	r    io.Reader
	size int64
}

func (s *sizedReader) Read(p []byte) (int, error) { return s.r.Read(p) }
func (s *sizedReader) Size() int64                { return s.size }

// TestPutSmallWhateverTheSize stores small streams through the reserved-room
// path with right and wrong size claims, and checks each File is that of
// the bytes actually read, that the store checks clean, and that every file
// reads back byte for byte.
func TestPutSmallWhateverTheSize(t *testing.T) {
	small := testData(1, 5000)
	tests := []struct {
		name  string
		data  []byte
		claim int64
		slow  bool // one byte per Read
	}{
		{"exact", small, 5000, false},
		{"exact, byte by byte", small[:300], 300, true},
		{"shrank", small[:1000], 5000, false},
		{"shrank to nothing", nil, 5000, false},
		{"grew by one byte", small, 4999, false},
		{"grew past one chunk", testData(2, 3<<20), 4096, false},
		{"grew, byte by byte", small[:50], 10, true},
		{"largest one chunk", testData(3, ChunkMinSize), ChunkMinSize, false},
	}
	for _, packSize := range []int{16 << 20, 8 << 10} {
		t.Run(fmt.Sprintf("pack %d", packSize), func(t *testing.T) {
			ctx := context.Background()
			s, o := newMemStore(t, Options{PackSize: packSize})
			var files []manifest.File
			for i, tt := range tests {
				var r io.Reader = bytes.NewReader(tt.data)
				if tt.slow {
					r = iotest.OneByteReader(r)
				}
				f, err := s.PutFile(ctx, &sizedReader{r: r, size: tt.claim})
				if err != nil {
					t.Fatalf("%s: %v", tt.name, err)
				}
				want, _ := s.HashFile(bytes.NewReader(tt.data))
				if f.Hash != want.Hash || f.Size != int64(len(tt.data)) || len(f.Chunks) != len(want.Chunks) {
					t.Errorf("%s: PutFile = %s (%d bytes, %d chunks), want %s (%d bytes, %d chunks)",
						tt.name, f.Hash, f.Size, len(f.Chunks), want.Hash, len(tt.data), len(want.Chunks))
				}
				f.Path = fmt.Sprintf("f%d", i)
				files = append(files, f)
			}
			checkStoredFiles(t, s, o, files, tests[0].data)
		})
	}
}

// TestPutSmallConcurrentDuplicates has writers race to store the same and
// different small files into small packs, with Flushes in between: every
// file must come back whole, and no chunk may be stored twice.
func TestPutSmallConcurrentDuplicates(t *testing.T) {
	ctx := context.Background()
	s, o := newMemStore(t, Options{PackSize: 64 << 10, Workers: 4})
	const writers, perWriter = 8, 60
	blobs := make([][]byte, 40) // fewer blobs than puts: many duplicates
	for i := range blobs {
		blobs[i] = testData(uint64(100+i), 1+i*997%20000)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		files []manifest.File
		errs  = make(chan error, writers)
	)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < perWriter; j++ {
				k := (w*7 + j*13) % len(blobs)
				claim := int64(len(blobs[k]))
				if j%9 == 0 {
					claim += 17 // now and then the file changed since its stat
				}
				f, err := s.PutFile(ctx, &sizedReader{r: bytes.NewReader(blobs[k]), size: claim})
				if err != nil {
					errs <- err
					return
				}
				if j%20 == 0 {
					if err := s.Flush(ctx); err != nil {
						errs <- err
						return
					}
				}
				mu.Lock()
				f.Path = fmt.Sprintf("w%d/f%d", w, j)
				files = append(files, f)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkStoredFiles(t, s, o, files, nil)
	rep, err := s.Check(ctx, CheckOptions{ReadData: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Chunks != len(blobs) {
		t.Errorf("the store holds %d chunks for %d distinct files", rep.Chunks, len(blobs))
	}
	stored := 0 // chunk copies the index objects list
	err = o.List(ctx, indexPrefix, func(key string, _ int64, _ time.Time) error {
		entries, err := readIndexObject(ctx, o, strings.TrimPrefix(key, indexPrefix))
		stored += len(entries)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if stored != len(blobs) {
		t.Errorf("%d chunk copies stored for %d distinct files", stored, len(blobs))
	}
}

// checkStoredFiles writes a manifest of files, checks the store, and reads
// every file back from a freshly opened store, comparing it with HashFile of
// the materialised bytes (and with first, for the first file, if given).
func checkStoredFiles(t *testing.T, s *Store, o bucketObjects, files []manifest.File, first []byte) {
	t.Helper()
	ctx := context.Background()
	id, err := s.PutManifest(ctx, &manifest.Manifest{Kind: manifest.KindSnapshot, Files: files})
	if err != nil {
		t.Fatal(err)
	}
	fresh := openStore(t, o, Options{})
	rep, err := fresh.Check(ctx, CheckOptions{ReadData: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("check: %v", rep.Problems)
	}
	dir := t.TempDir()
	if err := fresh.Materialize(ctx, id, dir); err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := fresh.HashFile(bytes.NewReader(b))
		if got.Hash != f.Hash || int64(len(b)) != f.Size {
			t.Errorf("%s: read back %d bytes hashing %s, want %d bytes %s", f.Path, len(b), got.Hash, f.Size, f.Hash)
		}
		if i == 0 && first != nil && !bytes.Equal(b, first) {
			t.Errorf("%s: read back different bytes", f.Path)
		}
	}
}

// TestPackSizeCountsTrailer stores many tiny files: their trailer entries
// (44 bytes each) outweigh their data, and must count against the pack
// size like data, or a 16 MiB pack of 1 KiB files carries a 700 KiB trailer
// past its buffer and is copied whole to grow it.
func TestPackSizeCountsTrailer(t *testing.T) {
	ctx := context.Background()
	const packSize = 64 << 10
	for _, sized := range []bool{true, false} {
		s, o := newMemStore(t, Options{PackSize: packSize})
		for i := 0; i < 3000; i++ {
			data := []byte(fmt.Sprintf("tiny file %d", i))
			var r io.Reader = bytes.NewReader(data)
			if !sized {
				r = iotest.HalfReader(r) // size unknown: the copying path
			}
			if _, err := s.PutFile(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		packs := 0
		err := o.List(ctx, packPrefix, func(key string, size int64, _ time.Time) error {
			packs++
			if size > packSize {
				t.Errorf("sized=%v: pack %s is %d bytes, over the pack size %d", sized, key, size, packSize)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if packs < 2 {
			t.Errorf("sized=%v: %d packs for 3000 chunks of ~14 bytes in %d-byte packs", sized, packs, packSize)
		}
	}
}

// TestCloseWithReservationOut closes the store while a small file is being
// read into its reserved room: Close must not wait for it, and the writer
// returning the room gets errClosed rather than storing into a closed
// store.
func TestCloseWithReservationOut(t *testing.T) {
	ctx := context.Background()
	s, _ := newMemStore(t, Options{})
	res, err := s.w.reserve(ctx, 100)
	if err != nil || res == nil {
		t.Fatalf("reserve = %v, %v", res, err)
	}
	copy(res.data, testData(7, 100))
	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	if err := <-done; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.w.commit(ctx, res, packfmt.Sum(res.data)); !errors.Is(err, errClosed) {
		t.Errorf("commit after Close = %v, want errClosed", err)
	}
	if _, err := s.PutFile(ctx, bytes.NewReader([]byte("late"))); !errors.Is(err, errClosed) {
		t.Errorf("PutFile after Close = %v, want errClosed", err)
	}
}

// packUploads counts the pack bytes uploaded through it.
type packUploads struct {
	objects
	bytes atomic.Int64
}

func (u *packUploads) Put(ctx context.Context, key string, r io.Reader, ifNotExist bool) error {
	if strings.HasPrefix(key, packPrefix) {
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		u.bytes.Add(int64(len(b)))
		r = bytes.NewReader(b)
	}
	return u.objects.Put(ctx, key, r, ifNotExist)
}

// TestIndexCheckpointKeepsUploads interrupts a long write before its Flush:
// with checkpoints due at every PutFile, the packs uploaded before the
// interruption are indexed, and a new run storing the same files uploads
// only what was not. Without checkpoints, a process killed before it
// closes the store leaves them unindexed and the new run uploads
// everything again; one that closes the store (Ctrl-C during a snapshot)
// has Close index them.
func TestIndexCheckpointKeepsUploads(t *testing.T) {
	ctx := context.Background()
	files := make([][]byte, 60)
	total := 0
	for i := range files {
		files[i] = testData(uint64(500+i), 20000+i*500)
		total += len(files[i])
	}
	for _, tt := range []struct {
		name       string
		every      time.Duration
		close      bool // the interrupted run closes its store
		wantResume bool
	}{
		{"checkpoint every write", time.Nanosecond, false, true},
		{"index only at Flush, killed", -1, false, false},
		{"index only at Flush, closed", -1, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{PackSize: 64 << 10, IndexEvery: tt.every}
			s, o := newMemStore(t, opts)
			for _, b := range files {
				if _, err := s.PutFile(ctx, bytes.NewReader(b)); err != nil {
					t.Fatal(err)
				}
			}
			// Interrupted: the uploads in flight finish, no Flush.
			if err := s.w.drain(ctx); err != nil {
				t.Fatal(err)
			}
			if tt.close {
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			}

			up := &packUploads{objects: o}
			again := openStore(t, up, opts)
			defer again.Close()
			var out []manifest.File
			for i, b := range files {
				f, err := again.PutFile(ctx, bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				f.Path = fmt.Sprintf("f%02d", i)
				out = append(out, f)
			}
			if err := again.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			second := up.bytes.Load()
			if resumed := second < int64(total)/2; resumed != tt.wantResume {
				t.Errorf("the second run uploaded %d pack bytes for %d bytes of files; resumed = %v, want %v", second, total, resumed, tt.wantResume)
			}
			checkStoredFiles(t, again, o, out, files[0])
		})
	}
}
