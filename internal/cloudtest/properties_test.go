package cloudtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/mlform/mlform/internal/bloburl"
	mblob "github.com/mlform/mlform/providers/blob"
)

// These tests check, directly through gocloud.dev, the bucket properties
// mlform's state, lock and store rely on, on each real server. They are
// the floor under the state and storage suites (state/statemgr/cloud_test.go,
// providers/storage/cloud_test.go), and prove the harness itself.

// Upload requires a content type (gocloud.dev v0.47 refuses to sniff one).
const octet = "application/octet-stream"

// openBucket opens a new, empty bucket of c, closed when the test ends.
func openBucket(t testing.TB, c Cloud) *blob.Bucket {
	t.Helper()
	return openURL(t, c.Bucket(t))
}

// openURL opens the bucket at url, closed when the test ends.
func openURL(t testing.TB, url string) *blob.Bucket {
	t.Helper()
	b, err := mblob.Open(context.Background(), url, t.TempDir())
	if err != nil {
		t.Fatalf("open %s: %v", bloburl.Redact(url), err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestExclusiveCreateRace: of 20 concurrent conditional creates of one key,
// exactly one succeeds and the others see a precondition failure; the
// object holds the winner's bytes. Repeated, as the lock depends on it.
func TestExclusiveCreateRace(t *testing.T) {
	const writers, rounds = 20, 10
	for _, c := range Clouds() {
		t.Run(c.Name, func(t *testing.T) {
			b := openBucket(t, c)
			ctx := context.Background()
			for round := range rounds {
				key := fmt.Sprintf("locks/round-%d.lock", round)
				var wg sync.WaitGroup
				errs := make([]error, writers)
				for w := range writers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						errs[w] = b.Upload(ctx, key, bytes.NewReader([]byte(fmt.Sprintf("writer %d", w))),
							&blob.WriterOptions{ContentType: octet, IfNotExist: true})
					}()
				}
				wg.Wait()
				winner := -1
				for w, err := range errs {
					switch code := gcerrors.Code(err); code {
					case gcerrors.OK:
						if winner >= 0 {
							t.Fatalf("round %d: writers %d and %d both created %s", round, winner, w, key)
						}
						winner = w
					case gcerrors.FailedPrecondition, gcerrors.AlreadyExists:
					default:
						t.Fatalf("round %d: writer %d: unexpected error (code %v): %v", round, w, code, err)
					}
				}
				if winner < 0 {
					t.Fatalf("round %d: no writer created %s", round, key)
				}
				got, err := b.ReadAll(ctx, key)
				if err != nil {
					t.Fatalf("round %d: read %s: %v", round, key, err)
				}
				if want := fmt.Sprintf("writer %d", winner); string(got) != want {
					t.Fatalf("round %d: %s holds %q, want the winner's %q", round, key, got, want)
				}
			}
		})
	}
}

// TestLargeUploadRoundTrip: a 40 MiB object written with bucket.Upload
// (multipart on S3, resumable on GCS, blocks on Azure) reads back whole.
// A conditional create of it over an existing key is refused, so a pack
// is never overwritten.
func TestLargeUploadRoundTrip(t *testing.T) {
	const size = 40 << 20
	data := make([]byte, size)
	rng := rand.NewChaCha8([32]byte{1})
	_, _ = rng.Read(data)
	want := sha256.Sum256(data)
	for _, c := range Clouds() {
		t.Run(c.Name, func(t *testing.T) {
			b := openBucket(t, c)
			ctx := context.Background()
			key := "packs/large.pack"
			if err := b.Upload(ctx, key, bytes.NewReader(data), &blob.WriterOptions{ContentType: octet, IfNotExist: true}); err != nil {
				t.Fatalf("upload 40 MiB: %v", err)
			}
			r, err := b.NewReader(ctx, key, nil)
			if err != nil {
				t.Fatalf("open %s: %v", key, err)
			}
			defer r.Close()
			h := sha256.New()
			n, err := io.Copy(h, r)
			if err != nil {
				t.Fatalf("read %s: %v", key, err)
			}
			if n != size || !bytes.Equal(h.Sum(nil), want[:]) {
				t.Fatalf("read back %d bytes with a different hash, want %d bytes as written", n, size)
			}
			// The refused create is small: a server may answer 412 before
			// it reads the body and then close the connection, and a body
			// larger than the socket buffers (1 MiB did, on a loaded
			// machine) then ends in a connection reset instead of the 412.
			// What is refused is the key, whatever the body's size.
			err = b.Upload(ctx, key, bytes.NewReader(data[:4<<10]), &blob.WriterOptions{ContentType: octet, IfNotExist: true})
			if code := gcerrors.Code(err); code != gcerrors.FailedPrecondition && code != gcerrors.AlreadyExists {
				t.Fatalf("conditional create over an existing 40 MiB object: got %v (code %v), want a precondition failure", err, code)
			}
			attrs, err := b.Attributes(ctx, key)
			if err != nil || attrs.Size != size {
				t.Fatalf("after refused overwrite: attrs %+v, err %v; want the original %d bytes", attrs, err, size)
			}
			// An S3 multipart object's ETag is "<md5 of part md5s>-<parts>":
			// proof the conditional create was a multipart completion.
			t.Logf("40 MiB object: ETag %s", attrs.ETag)
			if c.Name == "s3" && !strings.Contains(attrs.ETag, "-") {
				t.Errorf("ETag %s is not a multipart ETag: the 40 MiB upload did not go multipart", attrs.ETag)
			}
		})
	}
}

// TestListDelete: listing by prefix returns exactly the keys under it
// (including across pages), and a deleted key is gone with NotFound.
func TestListDelete(t *testing.T) {
	for _, c := range Clouds() {
		t.Run(c.Name, func(t *testing.T) {
			b := openBucket(t, c)
			ctx := context.Background()
			keys := map[string]bool{}
			for i := range 25 {
				k := fmt.Sprintf("index/%02d.idx", i)
				keys[k] = true
				if err := b.Upload(ctx, k, bytes.NewReader([]byte(k)), &blob.WriterOptions{ContentType: octet}); err != nil {
					t.Fatalf("upload %s: %v", k, err)
				}
			}
			for _, k := range []string{"indexed", "other/01.idx", "index.json"} {
				if err := b.Upload(ctx, k, bytes.NewReader(nil), &blob.WriterOptions{ContentType: octet}); err != nil {
					t.Fatalf("upload %s: %v", k, err)
				}
			}
			got := map[string]bool{}
			var token = blob.FirstPageToken
			for {
				page, next, err := b.ListPage(ctx, token, 10, &blob.ListOptions{Prefix: "index/"})
				if err != nil {
					t.Fatalf("list: %v", err)
				}
				for _, o := range page {
					if got[o.Key] {
						t.Errorf("list returned %s twice", o.Key)
					}
					got[o.Key] = true
				}
				if len(next) == 0 {
					break
				}
				token = next
			}
			if len(got) != len(keys) {
				t.Errorf("list index/ returned %d keys, want %d: %v", len(got), len(keys), got)
			}
			for k := range keys {
				if !got[k] {
					t.Errorf("list index/ is missing %s", k)
				}
			}
			if err := b.Delete(ctx, "index/03.idx"); err != nil {
				t.Fatalf("delete: %v", err)
			}
			_, err := b.ReadAll(ctx, "index/03.idx")
			if gcerrors.Code(err) != gcerrors.NotFound {
				t.Fatalf("read after delete: got %v, want NotFound", err)
			}
			err = b.Delete(ctx, "index/03.idx")
			if gcerrors.Code(err) != gcerrors.NotFound {
				t.Fatalf("second delete: got %v, want NotFound", err)
			}
		})
	}
}

// TestErrorsCarryNoCredentials: errors from a missing key, a refused
// conditional write, and a read of and an upload to a bucket that does not
// exist name what failed, never a credential. The failed upload returns an
// error rather than panicking (gocloud.dev's azureblob writer panics on a
// failed upload; bucket.Upload does not).
func TestErrorsCarryNoCredentials(t *testing.T) {
	for _, c := range Clouds() {
		t.Run(c.Name, func(t *testing.T) {
			url := c.Bucket(t)
			ctx := context.Background()
			b := openURL(t, url)
			opts := &blob.WriterOptions{ContentType: octet}
			if err := b.Upload(ctx, "k", bytes.NewReader([]byte("x")), opts); err != nil {
				t.Fatal(err)
			}
			errs := map[string]error{}
			_, errs["read of a missing key"] = b.ReadAll(ctx, "no/such/key")
			errs["conditional overwrite"] = b.Upload(ctx, "k", bytes.NewReader([]byte("y")),
				&blob.WriterOptions{ContentType: octet, IfNotExist: true})

			missing := replaceBucket(t, c, url)
			mb, err := mblob.Open(ctx, missing, t.TempDir())
			if err != nil {
				errs["open of a missing bucket"] = err
			} else {
				defer mb.Close()
				_, errs["read from a missing bucket"] = mb.ReadAll(ctx, "state.json")
				errs["upload to a missing bucket"] = mb.Upload(ctx, "state.json", bytes.NewReader([]byte("{}")), opts)
			}
			for what, err := range errs {
				if err == nil {
					t.Errorf("%s succeeded; want an error", what)
					continue
				}
				CheckNoSecrets(t, what+" error", err.Error())
			}
			if len(Secrets()) == 0 && c.Name != "gcs" {
				t.Errorf("no credentials in the environment: the check above proved nothing")
			}
		})
	}
}

// replaceBucket returns url with its bucket swapped for one that does not
// exist on the server.
func replaceBucket(t *testing.T, c Cloud, url string) string {
	t.Helper()
	name, err := bucketName()
	if err != nil {
		t.Fatal(err)
	}
	i := len(c.Name) + len("://")
	switch c.Name {
	case "gcs":
		i = len("gs://")
	case "azure":
		i = len("azblob://")
	}
	rest := url[i:]
	j := 0
	for j < len(rest) && rest[j] != '?' && rest[j] != '/' {
		j++
	}
	return url[:i] + name + rest[j:]
}
