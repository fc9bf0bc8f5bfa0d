package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	gblob "gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"

	"github.com/mlform/mlform/providers/storage/manifest"
)

// faultObjects wraps the real bucket implementation and injects faults by
// key prefix: uploads whose source fails after some bytes (a write that
// fails midway), reads that return flipped bytes, and reads that fail.
type faultObjects struct {
	objects
	mu          sync.Mutex
	failPut     map[string]int // key prefix -> fail after this many bytes
	failPutOnce bool           // remove the failPut rule after it fires
	corruptRead string         // key prefix whose reads come back flipped
	// clientRefuses: key prefix whose whole-object reads fail at the end
	// the way a bucket client's own checksum validation fails them.
	clientRefuses string
	// corruptGet and failGet: key prefixes whose whole-object reads come
	// back flipped, or fail with errInjected.
	corruptGet, failGet string
}

// Get fails reads of clientRefuses keys as the AWS SDK does when the
// object's content no longer matches the checksum stored at upload, and
// through the same code as a real bucket's reads (readWhole).
func (f *faultObjects) Get(ctx context.Context, key string) ([]byte, error) {
	if f.failGet != "" && strings.HasPrefix(key, f.failGet) {
		return nil, fmt.Errorf("%s: %w", key, errInjected)
	}
	b, err := f.objects.Get(ctx, key)
	if err == nil && f.corruptGet != "" && strings.HasPrefix(key, f.corruptGet) && len(b) > 0 {
		b = bytes.Clone(b)
		b[len(b)/2] ^= 0x55
	}
	if err != nil || f.clientRefuses == "" || !strings.HasPrefix(key, f.clientRefuses) {
		return b, err
	}
	sdkErr := errors.New(`blob (key "` + key + `") (code=Unknown): checksum did not match: algorithm CRC32, expect KtmGng==, actual H0N9dA==`)
	return readWhole(key, io.MultiReader(bytes.NewReader(b), iotest.ErrReader(sdkErr)))
}

var errInjected = errors.New("injected fault")

func (f *faultObjects) Put(ctx context.Context, key string, r io.Reader, ifNotExist bool) error {
	f.mu.Lock()
	after, fail := -1, false
	for p, n := range f.failPut {
		if strings.HasPrefix(key, p) {
			after, fail = n, true
			if f.failPutOnce {
				delete(f.failPut, p)
			}
		}
	}
	f.mu.Unlock()
	if fail {
		r = &failingReader{r: r, left: after}
	}
	return f.objects.Put(ctx, key, r, ifNotExist)
}

type failingReader struct {
	r    io.Reader
	left int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.left <= 0 {
		return 0, errInjected
	}
	if len(p) > f.left {
		p = p[:f.left]
	}
	n, err := f.r.Read(p)
	f.left -= n
	return n, err
}

func (f *faultObjects) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	rc, err := f.objects.GetRange(ctx, key, off, n)
	if err != nil || f.corruptRead == "" || !strings.HasPrefix(key, f.corruptRead) {
		return rc, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	if len(b) > 0 {
		b[len(b)/2] ^= 0x55
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// backends returns fresh buckets of each local kind with their raw handle.
func backends(t *testing.T) map[string]*gblob.Bucket {
	fb, err := fileblob.OpenBucket(t.TempDir(), &fileblob.Options{NoTempDir: true, Metadata: fileblob.MetadataDontWrite})
	if err != nil {
		t.Fatal(err)
	}
	mb := memblob.OpenBucket(nil)
	t.Cleanup(func() { fb.Close(); mb.Close() })
	return map[string]*gblob.Bucket{"file": fb, "mem": mb}
}

func listKeys(t *testing.T, b *gblob.Bucket, prefix string) []string {
	t.Helper()
	var keys []string
	it := b.List(&gblob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(context.Background())
		if err == io.EOF {
			return keys
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, obj.Key)
	}
}

func testData(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestFaultWriteFailsMidway(t *testing.T) {
	ctx := context.Background()
	for _, prefix := range []string{packPrefix, indexPrefix, manifestPrefix} {
		for name, b := range backends(t) {
			t.Run(strings.TrimSuffix(prefix, "/")+"/"+name, func(t *testing.T) {
				fo := &faultObjects{objects: bucketObjects{b: b}, failPut: map[string]int{prefix: 50}}
				s := openStore(t, fo, Options{PackSize: 1 << 20})
				data := testData(1, 3<<20)
				f, perr := s.PutFile(ctx, bytes.NewReader(data))
				f.Path = "a"
				var ferr, merr error
				if perr == nil {
					ferr = s.Flush(ctx)
					_, merr = s.PutManifest(ctx, &manifest.Manifest{Kind: manifest.KindSnapshot, Files: []manifest.File{f}})
				}
				if perr == nil && ferr == nil && merr == nil {
					t.Fatal("every write succeeded although uploads under " + prefix + " fail")
				}
				for _, err := range []error{perr, ferr, merr} {
					if err != nil && !errors.Is(err, errInjected) {
						t.Errorf("error %v does not wrap the injected fault", err)
					}
				}
				// The caller of a failed write closes the store, which waits
				// for the uploads still in flight (Store.Close); drain is that
				// wait without closing the bucket this test lists.
				if err := s.w.drain(ctx); err != nil {
					t.Fatal(err)
				}
				// Nothing half-written is visible: no object under the
				// failing prefix, no temporary files anywhere.
				if keys := listKeys(t, b, prefix); len(keys) != 0 {
					t.Errorf("failed uploads left objects: %v", keys)
				}
				for _, k := range listKeys(t, b, "") {
					if strings.HasSuffix(k, ".tmp") {
						t.Errorf("temporary object left: %s", k)
					}
				}
				// A fresh store on the same bucket is consistent and knows
				// no manifest.
				s2 := openStore(t, bucketObjects{b: b}, Options{})
				r, err := s2.Check(ctx, CheckOptions{ReadData: true})
				if err != nil || !r.OK() {
					t.Fatalf("Check after failed write: %v %v", err, r.Problems)
				}
				if ids, _ := s2.List(ctx); len(ids) != 0 {
					t.Errorf("manifests visible after a failed write: %v", ids)
				}
			})
		}
	}
}

func TestFaultPackFailureIsSticky(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	defer b.Close()
	fo := &faultObjects{objects: bucketObjects{b: b}, failPut: map[string]int{packPrefix: 10}, failPutOnce: true}
	s := openStore(t, fo, Options{PackSize: 1 << 20})
	if _, err := s.PutFile(ctx, bytes.NewReader(testData(2, 2<<20))); err != nil && !errors.Is(err, errInjected) {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); !errors.Is(err, errInjected) {
		t.Fatalf("Flush after a failed pack upload: %v", err)
	}
	// The fault is gone, but chunks of the lost pack may be referenced by
	// Files already returned: the store refuses to pretend otherwise.
	if _, err := s.PutFile(ctx, bytes.NewReader([]byte("more"))); !errors.Is(err, errInjected) {
		t.Errorf("PutFile after a failed upload: %v, want the upload error", err)
	}
	if err := s.Flush(ctx); err == nil {
		t.Error("Flush succeeded after a failed upload")
	}
}

func TestFaultIndexWriteRetried(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	defer b.Close()
	fo := &faultObjects{objects: bucketObjects{b: b}, failPut: map[string]int{indexPrefix: 0}, failPutOnce: true}
	s := openStore(t, fo, Options{})
	data := testData(3, 500000)
	f, err := s.PutFile(ctx, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); !errors.Is(err, errInjected) {
		t.Fatalf("first Flush: %v, want the injected fault", err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("retried Flush: %v", err)
	}
	f.Path = "a"
	id, err := s.PutManifest(ctx, &manifest.Manifest{Kind: manifest.KindSnapshot, Files: []manifest.File{f}})
	if err != nil {
		t.Fatal(err)
	}
	s2 := openStore(t, bucketObjects{b: b}, Options{})
	if err := s2.Materialize(ctx, id, t.TempDir()); err != nil {
		t.Fatalf("after a retried index write: %v", err)
	}
}

func TestFaultWrongBytesOnRead(t *testing.T) {
	ctx := context.Background()
	for name, b := range backends(t) {
		t.Run(name, func(t *testing.T) {
			fo, s := openFaultStore(t, b)
			f, id := putOneFile(t, s, manifest.KindArtifacts, "dir/model.bin", testData(4, 700000))
			fo.corruptRead = packPrefix
			rc, err := s.OpenFile(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = io.ReadAll(rc)
			if err == nil || !strings.Contains(err.Error(), `"dir/model.bin"`) || !strings.Contains(err.Error(), f.Chunks[0].ID) || !errors.Is(err, ErrCorrupt) {
				t.Errorf("read of wrong bytes: %v; want a corruption error (ErrCorrupt) naming the file and chunk", err)
			}
			dir := t.TempDir()
			if err := s.Materialize(ctx, id, dir); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Materialize on wrong bytes: %v, want an ErrCorrupt", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "dir", "model.bin")); !os.IsNotExist(err) {
				t.Errorf("Materialize left the target file: %v", err)
			}
			entries, _ := os.ReadDir(filepath.Join(dir, "dir"))
			if len(entries) != 0 {
				t.Errorf("Materialize left %d entries (temp files?)", len(entries))
			}
		})
	}
}

// TestFaultClientRefusesRead: on S3 a whole-object read of a damaged pack
// fails in the SDK's own checksum validation before mlform sees the bytes.
// Check -ReadData reports that pack as damaged, names the manifests it
// breaks and goes on to the rest of the store, as it does for a pack whose
// bytes it hashes itself; it used to stop with an error at the first one.
func TestFaultClientRefusesRead(t *testing.T) {
	ctx := context.Background()
	for name, b := range backends(t) {
		t.Run(name, func(t *testing.T) {
			fo, s := openFaultStore(t, b)
			_, id := putOneFile(t, s, manifest.KindArtifacts, "model.bin", testData(5, 700000))
			fo.clientRefuses = packPrefix
			rep, err := s.Check(ctx, CheckOptions{ReadData: true})
			if err != nil {
				t.Fatalf("Check: %v; want the damage reported as problems", err)
			}
			var packProblem, manifestProblem bool
			for _, p := range rep.Problems {
				packProblem = packProblem || strings.HasPrefix(p.Key, packPrefix) && strings.Contains(p.Message, "damaged on read")
				manifestProblem = manifestProblem || p.Key == manifestKey(id)
			}
			if rep.OK() || !packProblem || !manifestProblem {
				t.Errorf("problems %v: want the pack (damaged on read) and manifest %s", rep.Problems, id)
			}
			// An index object refused the same way is corrupt, and its
			// remedy is named, as for one whose hash does not match.
			fo.clientRefuses = indexPrefix
			_, err = openObjects(ctx, fo, Options{})
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "mlform gc -rebuild-index") {
				t.Errorf("open with an index the client refuses: %v; want ErrCorrupt naming gc -rebuild-index", err)
			}
		})
	}
}

func TestFaultConfigWriteFails(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	defer b.Close()
	fo := &faultObjects{objects: bucketObjects{b: b}, failPut: map[string]int{configKey: 5}}
	if _, err := openObjects(ctx, fo, Options{}); !errors.Is(err, errInjected) {
		t.Fatalf("Open with a failing config write: %v", err)
	}
	if keys := listKeys(t, b, ""); len(keys) != 0 {
		t.Errorf("failed Open left objects: %v", keys)
	}
}

// openFaultStore opens a store on b through faultObjects with no faults
// set yet.
func openFaultStore(t *testing.T, b *gblob.Bucket) (*faultObjects, *Store) {
	t.Helper()
	fo := &faultObjects{objects: bucketObjects{b: b}}
	s := openStore(t, fo, Options{})
	return fo, s
}

// TestOpenDamagedIndex: opening a store one of whose index objects is
// corrupt or undecodable is an ErrIndexDamaged (the workspace then names
// gc -rebuild-index); one whose index cannot be read for another reason
// (the network) is not, whatever its text says.
func TestOpenDamagedIndex(t *testing.T) {
	ctx := context.Background()
	undecodable := []byte("not an index\n")
	tests := []struct {
		name    string
		damage  func(t *testing.T, fo *faultObjects)
		damaged bool
	}{
		{"corrupt", func(t *testing.T, fo *faultObjects) { fo.corruptGet = indexPrefix }, true},
		{"refused by the client", func(t *testing.T, fo *faultObjects) { fo.clientRefuses = indexPrefix }, true},
		{"undecodable", func(t *testing.T, fo *faultObjects) {
			if err := fo.objects.Put(ctx, indexKey(hashHex(undecodable)), bytes.NewReader(undecodable), true); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"unreadable", func(t *testing.T, fo *faultObjects) { fo.failGet = indexPrefix }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := memblob.OpenBucket(nil)
			defer b.Close()
			fo, s := openFaultStore(t, b)
			putOneFile(t, s, manifest.KindArtifacts, "model.bin", testData(1, 1000))
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, fo)
			_, err := openObjects(ctx, fo, Options{})
			if err == nil {
				t.Fatal("open succeeded")
			}
			if got := errors.Is(err, ErrIndexDamaged); got != tt.damaged {
				t.Errorf("open: %v; errors.Is(ErrIndexDamaged) = %v, want %v", err, got, tt.damaged)
			}
		})
	}
}
