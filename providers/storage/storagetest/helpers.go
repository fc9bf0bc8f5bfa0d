package storagetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	gblob "gocloud.dev/blob"

	"github.com/mlform/mlform/providers/blob"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/manifest"
)

// env is one test's bucket: stores opened on it share it, so "reopen" works
// on mem:// too, and raw is there to damage it on purpose.
type env struct {
	t   *testing.T
	ctx context.Context
	url string
	raw *gblob.Bucket
}

func newEnv(t *testing.T, newURL func(t *testing.T) string) *env {
	t.Helper()
	ctx := context.Background()
	url := newURL(t)
	b, err := blob.Open(ctx, url, t.TempDir())
	if err != nil {
		t.Fatalf("open bucket: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return &env{t: t, ctx: ctx, url: url, raw: b}
}

// open opens a Store on the env's bucket; it is closed at cleanup.
func (e *env) open(opts storage.Options) *storage.Store {
	e.t.Helper()
	s, err := storage.OpenBucket(e.ctx, e.raw, opts)
	if err != nil {
		e.t.Fatalf("open store: %v", err)
	}
	e.t.Cleanup(func() { s.Close() })
	return s
}

// randomBytes returns n deterministic pseudo-random bytes for seed.
func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)}))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n - n%8; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

// put stores data and returns its File with path and mode set.
func (e *env) put(s *storage.Store, path string, data []byte, mode uint32) manifest.File {
	e.t.Helper()
	f, err := s.PutFile(e.ctx, bytes.NewReader(data))
	if err != nil {
		e.t.Fatalf("PutFile %s: %v", path, err)
	}
	f.Path, f.Mode = path, mode
	return f
}

// read reads a file back through OpenFile.
func (e *env) read(s *storage.Store, f manifest.File) ([]byte, error) {
	rc, err := s.OpenFile(e.ctx, f)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// mustCheck runs Check and fails the test on any problem.
func (e *env) mustCheck(s *storage.Store, readData bool) *storage.CheckReport {
	e.t.Helper()
	r, err := s.Check(e.ctx, storage.CheckOptions{ReadData: readData})
	if err != nil {
		e.t.Fatalf("Check: %v", err)
	}
	if !r.OK() {
		e.t.Fatalf("Check found problems: %v", r.Problems)
	}
	return r
}

// keys lists the raw bucket keys under prefix.
func (e *env) keys(prefix string) []string {
	e.t.Helper()
	var out []string
	it := e.raw.List(&gblob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(e.ctx)
		if err == io.EOF {
			return out
		}
		if err != nil {
			e.t.Fatalf("list %s: %v", prefix, err)
		}
		out = append(out, obj.Key)
	}
}

func (e *env) putManifest(s *storage.Store, kind string, files ...manifest.File) string {
	e.t.Helper()
	id, err := s.PutManifest(e.ctx, &manifest.Manifest{Kind: kind, Files: files})
	if err != nil {
		e.t.Fatalf("PutManifest: %v", err)
	}
	return id
}

// write replaces a raw object (to damage the store on purpose). It uses
// Upload: gocloud.dev's azureblob writer panics on failed uploads.
func (e *env) write(key string, data []byte) {
	e.t.Helper()
	if err := e.raw.Upload(e.ctx, key, bytes.NewReader(data), &gblob.WriterOptions{ContentType: "application/octet-stream"}); err != nil {
		e.t.Fatalf("write %s: %v", key, err)
	}
}

func (e *env) readRaw(key string) []byte {
	e.t.Helper()
	b, err := e.raw.ReadAll(e.ctx, key)
	if err != nil {
		e.t.Fatalf("read %s: %v", key, err)
	}
	return b
}

// GCLocked runs s.GC under the exclusive store lock, as every real caller
// must.
func GCLocked(ctx context.Context, s *storage.Store, keep []string) (*storage.GCReport, error) {
	l, err := s.Lock(ctx, storage.LockExclusive, storage.LockOptions{Command: "test gc"})
	if err != nil {
		return nil, err
	}
	r, err := s.GC(ctx, keep)
	return r, errors.Join(err, l.Unlock(ctx))
}
