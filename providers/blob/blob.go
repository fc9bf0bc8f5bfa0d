// Package blob opens gocloud.dev buckets by URL for every part of mlform
// that stores bytes (state backends, the content-addressed store, dataset
// sources, publish targets). It registers every driver mlform supports,
// resolves file:// URLs relative to the working directory, and redacts
// credentials from URLs before they reach a message.
package blob

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"cloud.google.com/go/storage"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/gcsblob"   // gs://
	_ "gocloud.dev/blob/memblob" // mem://
	_ "gocloud.dev/blob/s3blob"  // s3://
	"gocloud.dev/gcp"
	"golang.org/x/oauth2/google"
	"google.golang.org/api/option"

	"github.com/mlform/mlform/internal/bloburl"
)

// LocalPath is bloburl.LocalPath: the directory a file:// URL (or a bare
// path) names, resolved against baseDir; ok is false for other schemes.
func LocalPath(rawURL, baseDir string) (dir string, ok bool) {
	return bloburl.LocalPath(rawURL, baseDir)
}

// Open opens the bucket at rawURL (see Location for what its parts mean).
// Relative file:// URLs resolve against baseDir; local directories are
// created when missing. A key prefix, from the URL's path or its prefix=
// parameter, confines the returned bucket to the keys under it: every
// key the caller reads, writes or lists is relative to the prefix. Errors
// never contain credentials.
func Open(ctx context.Context, rawURL, baseDir string) (*blob.Bucket, error) {
	return open(ctx, rawURL, baseDir, openBucket)
}

// openBucket is blob.OpenBucket, except for gs:// URLs when
// STORAGE_EMULATOR_HOST is written as a URL (http://HOST:PORT, the form
// the Python and Node client libraries document; the Go client accepts
// both). gocloud.dev v0.47 puts "http://" in front of the variable's value
// whatever it holds, so every request went to the host "http" ("dial tcp:
// lookup http: no such host"). There the bucket is opened by gocloud.dev's
// own URL opener (its parameters checked as always) with the endpoint
// the variable names, scheme included.
func openBucket(ctx context.Context, bucketURL string) (*blob.Bucket, error) {
	if endpoint, ok := gcsEmulatorEndpoint(); ok && strings.HasPrefix(bucketURL, "gs://") {
		u, err := url.Parse(bucketURL)
		if err != nil {
			return nil, err
		}
		opener := &gcsblob.URLOpener{
			// Unused: with STORAGE_EMULATOR_HOST set gcsblob talks to the
			// emulator through an unauthenticated default client, but it
			// wants one given.
			Client:  &gcp.HTTPClient{},
			Options: gcsblob.Options{ClientOptions: []option.ClientOption{option.WithEndpoint(endpoint)}},
		}
		return opener.OpenBucketURL(ctx, u)
	}
	return blob.OpenBucket(ctx, bucketURL)
}

// gcsEmulatorEndpoint returns the JSON API endpoint of the GCS emulator
// when STORAGE_EMULATOR_HOST is written with a scheme
// (http://127.0.0.1:4443), and false when it is unset or a bare HOST:PORT,
// which gocloud.dev handles itself.
func gcsEmulatorEndpoint() (string, bool) {
	host := os.Getenv("STORAGE_EMULATOR_HOST")
	if !strings.Contains(host, "://") {
		return "", false
	}
	u, err := url.Parse(host)
	if err != nil || u.Host == "" {
		return "", false
	}
	return u.Scheme + "://" + u.Host + "/storage/v1/", true
}

// open is Open with the driver call for bucket schemes given, so tests can
// see exactly what reaches gocloud.dev.
func open(ctx context.Context, rawURL, baseDir string, openBucket func(context.Context, string) (*blob.Bucket, error)) (*blob.Bucket, error) {
	loc, err := bloburl.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if loc.Local() {
		dir := loc.LocalDir(baseDir)
		b, err := fileblob.OpenBucket(dir, &fileblob.Options{
			CreateDir: true,
			// Temp files next to their final name: rename never crosses a mount.
			NoTempDir: true,
			// No .attrs sidecars: mlform keeps no metadata on objects, and the
			// sidecars would double every write.
			Metadata: fileblob.MetadataDontWrite,
		})
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", dir, err)
		}
		return b, nil
	}
	if loc.Scheme == "gs" {
		if err := gcsCredentials(ctx, loc.Bucket); err != nil {
			return nil, fmt.Errorf("open bucket %s: %s", bloburl.Redact(rawURL), bloburl.RedactText(err.Error(), rawURL))
		}
	}
	// gocloud.dev's openers ignore a URL's path, so the path must not reach
	// them: Bucket has none, and the prefix is applied here.
	b, err := openBucket(ctx, loc.Bucket)
	if err != nil {
		msg := bloburl.RedactText(bloburl.RedactError(err, loc.Bucket), rawURL)
		if strings.Contains(msg, bloburl.Redact(loc.Bucket)) || strings.Contains(msg, bloburl.Redact(rawURL)) {
			// gocloud.dev's message already names the bucket.
			return nil, errors.New(msg)
		}
		return nil, fmt.Errorf("open bucket %s: %s", bloburl.Redact(rawURL), msg)
	}
	boundRetries(b)
	if loc.Prefix != "" {
		b = blob.PrefixedBucket(b, loc.Prefix)
	}
	return b, nil
}

// gcsAttempts bounds the tries of one GCS call: the GCS client retries a
// transient error (a refused connection, a token endpoint that cannot be
// reached) forever unless told otherwise, so a wrong STORAGE_EMULATOR_HOST
// or a network outage made every command hang, holding its state lock,
// where S3's and Azure's SDKs give up after 3 and 4 tries. Five tries
// with the client's backoff (1 s doubling, jittered) wait about 15 s at
// most.
const gcsAttempts = 5

// boundRetries gives a GCS bucket's client gcsAttempts; other drivers'
// clients already bound their retries.
func boundRetries(b *blob.Bucket) {
	var c *storage.Client
	if b.As(&c) && c != nil {
		c.SetRetry(storage.WithMaxAttempts(gcsAttempts))
	}
}

// gcsCredentials fails when a gs:// bucket is to be opened with Google's
// Application Default Credentials and there are none. gocloud.dev's GCS
// opener then prints "Warning: unable to load GCP Default Credentials" to
// standard output (into `state pull`'s document or `plan -json`) and goes
// on with empty credentials, whose first request fails with "private key
// should be a PEM or plain PKCS1 or PKCS8". The emulator
// (STORAGE_EMULATOR_HOST) and anonymous URLs need none. Looked up at each
// open (a process opens a gs:// bucket a few times at most), so no answer
// outlives the environment or context it was found in.
func gcsCredentials(ctx context.Context, bucketURL string) error {
	if os.Getenv("STORAGE_EMULATOR_HOST") != "" || os.Getenv("STORAGE_EMULATOR_HOST_GRPC") != "" {
		return nil
	}
	if u, err := url.Parse(bucketURL); err == nil {
		q := u.Query()
		if anon, _ := strconv.ParseBool(q.Get("anonymous")); anon || q.Get("access_id") == "-" {
			return nil
		}
	}
	if _, err := google.FindDefaultCredentials(ctx, storage.ScopeFullControl); err != nil {
		return fmt.Errorf("no Google Cloud credentials found (set GOOGLE_APPLICATION_CREDENTIALS to a key file, run gcloud auth application-default login, or run on Google Cloud with a service account): %v", err)
	}
	return nil
}
