package statemgr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"sync/atomic"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/mlform/mlform/internal/bloburl"
)

// bucketBackend keeps state objects in a gocloud.dev bucket (s3://, gs://,
// azblob://, mem://, ...). Object stores make an object visible only once
// its upload completes, which is what makes put atomic.
//
// Every write goes through bucket.Upload, never NewWriter: gocloud.dev's
// azureblob writer panics when an upload fails (v0.45 to v0.47), Upload
// reports the error.
type bucketBackend struct {
	bucket *blob.Bucket
	// url is the backend URL as configured; only its redacted form is
	// ever shown.
	url string
	// owned is whether close closes the bucket.
	owned bool
	// bucketSeen is set once the bucket (or container) is known to
	// exist, so notFound checks it at most until then.
	bucketSeen atomic.Bool
}

// notFound is what a NotFound from the driver means for object name: the
// object is missing (errNotExist), unless the bucket itself is. Drivers
// report both alike, so a misspelt or deleted bucket read as "no state
// yet": plan -lock=false planned everything anew and state pull printed
// nothing. mlform never creates a bucket, so a missing one is an error
// naming it. When the check itself fails (no permission to list, say) the
// object counts as missing, as before.
func (b *bucketBackend) notFound(ctx context.Context, op, name string) error {
	if b.bucketSeen.Load() {
		return errNotExist
	}
	ok, err := b.bucket.IsAccessible(ctx)
	if err == nil && !ok {
		return fmt.Errorf("%s %s: the bucket does not exist (mlform does not create buckets or containers: create it, or correct the backend url)", op, b.location(name))
	}
	if ok {
		b.bucketSeen.Store(true)
	}
	return errNotExist
}

// location shows an object as one URL a person can read: the bucket's
// prefix and the object name in the path, the other parameters kept, all
// credentials redacted ("s3://bucket/team/state.json?region=eu-west-1").
func (b *bucketBackend) location(name string) string {
	red := bloburl.Redact(b.url)
	u, err := url.Parse(red)
	if err != nil {
		return strings.TrimSuffix(red, "/") + "/" + name
	}
	q := u.Query()
	prefix := q.Get("prefix")
	q.Del("prefix")
	u.RawQuery, u.ForceQuery = q.Encode(), false // an empty query shows no "?"
	u.Path = "/" + strings.TrimPrefix(path.Join(u.Path, prefix, name), "/")
	return u.String()
}

func (b *bucketBackend) close() error {
	if !b.owned {
		return nil
	}
	return b.bucket.Close()
}

// wrap makes a driver error safe to show: no credentials from the URL. A
// cancellation stays one (errors.Is finds context.Canceled or
// DeadlineExceeded), without the driver's text.
func (b *bucketBackend) wrap(op, name string, err error) error {
	for _, c := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, c) {
			return fmt.Errorf("%s %s: %w", op, b.location(name), c)
		}
	}
	return fmt.Errorf("%s %s: %s", op, b.location(name), bloburl.RedactError(err, b.url))
}

func (b *bucketBackend) get(ctx context.Context, name string) ([]byte, error) {
	r, err := b.bucket.NewReader(ctx, name, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, b.notFound(ctx, "read", name)
	}
	if err != nil {
		return nil, b.wrap("read", name, err)
	}
	defer r.Close()
	data, err := readBounded(r)
	if err != nil {
		return nil, b.wrap("read", name, err)
	}
	return data, nil
}

func (b *bucketBackend) put(ctx context.Context, name string, data []byte) error {
	err := b.bucket.Upload(ctx, name, bytes.NewReader(data), &blob.WriterOptions{ContentType: "application/json"})
	if err != nil {
		return b.wrap("write", name, err)
	}
	return nil
}

func (b *bucketBackend) create(ctx context.Context, name string, data []byte) error {
	err := b.bucket.Upload(ctx, name, bytes.NewReader(data), &blob.WriterOptions{
		ContentType: "application/json",
		// S3 If-None-Match: *, GCS DoesNotExist, Azure If-None-Match: *.
		IfNotExist: true,
	})
	switch gcerrors.Code(err) {
	case gcerrors.OK:
		return nil
	case gcerrors.FailedPrecondition, gcerrors.AlreadyExists:
		return errExists
	case gcerrors.NotFound:
		// A conditional create of a new object finds no object missing:
		// only the bucket can be.
		if err := b.notFound(ctx, "create", name); !errors.Is(err, errNotExist) {
			return err
		}
		return b.wrap("create", name, err)
	case gcerrors.Unimplemented:
		return fmt.Errorf("create %s: this bucket does not support conditional writes, which locking needs (run with -lock=false only if no two mlform runs can overlap)", b.location(name))
	default:
		return b.wrap("create", name, err)
	}
}

func (b *bucketBackend) remove(ctx context.Context, name string) error {
	err := b.bucket.Delete(ctx, name)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return b.notFound(ctx, "delete", name)
	}
	if err != nil {
		return b.wrap("delete", name, err)
	}
	return nil
}

func (b *bucketBackend) stat(ctx context.Context, name string) (string, error) {
	a, err := b.bucket.Attributes(ctx, name)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return "", b.notFound(ctx, "stat", name)
	}
	if err != nil {
		return "", b.wrap("stat", name, err)
	}
	return fmt.Sprintf("%d %d %s %x", a.Size, a.ModTime.UnixNano(), a.ETag, a.MD5), nil
}
