package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/internal/readfile"
	"github.com/mlform/mlform/providers/storage/manifest"
)

// objects is the narrow view of a bucket the store needs. The production
// implementation is bucketObjects; tests wrap it to inject faults.
type objects interface {
	// Get reads a whole (small) object.
	Get(ctx context.Context, key string) ([]byte, error)
	// GetRange reads length bytes at offset; length < 0 means to the end.
	GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
	// Put writes an object that becomes visible only when complete. With
	// ifNotExist it fails with an error matching errExists when key exists.
	Put(ctx context.Context, key string, r io.Reader, ifNotExist bool) error
	// List calls fn for each object under prefix, with its modification
	// time by the store's clock (zero when the driver does not give one).
	List(ctx context.Context, prefix string, fn func(key string, size int64, mod time.Time) error) error
	// Size returns an object's size.
	Size(ctx context.Context, key string) (int64, error)
	Delete(ctx context.Context, key string) error
	Close() error
}

// ErrNotFound is returned (wrapped) when a manifest, object or chunk does
// not exist; errExists when a conditional create finds its key taken. They
// classify bucket errors whatever the driver.
var (
	ErrNotFound = errors.New("not found")
	errExists   = errors.New("object already exists")
	// ErrCorrupt matches (errors.Is) every error about stored content that
	// does not hash to its id: a manifest, an object, an index object, a
	// chunk or a whole file. Such a store needs gc -check -read-data.
	ErrCorrupt = errors.New("stored content does not match its hash")
	// ErrIndexDamaged matches (errors.Is) the error of opening or
	// refreshing a store one of whose index objects is corrupt or cannot
	// be decoded: gc -rebuild-index repairs it from the packs. An index
	// object that cannot be read (a network error) does not match it.
	ErrIndexDamaged = errors.New("damaged index object")
)

// corruptError is an error about corrupt content, worded for the user; it
// matches ErrCorrupt.
type corruptError struct{ msg string }

func (e *corruptError) Error() string        { return e.msg }
func (e *corruptError) Is(target error) bool { return target == ErrCorrupt }

// corruptf formats a corruptError.
func corruptf(format string, args ...any) error {
	return &corruptError{msg: fmt.Sprintf(format, args...)}
}

// bucketObjects implements objects on a gocloud.dev bucket. Writes always go
// through Bucket.Upload: the azureblob writer panics on failed uploads.
type bucketObjects struct {
	b     *blob.Bucket
	owned bool // Close closes b
	// dir is a local (file://) store's directory, "" otherwise: sync
	// flushes it (durable.go).
	dir string
}

func classify(key string, err error) error {
	if err == nil {
		return nil
	}
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		return fmt.Errorf("%s: %w", key, ErrNotFound)
	case gcerrors.FailedPrecondition, gcerrors.AlreadyExists:
		return fmt.Errorf("%s: %w", key, errExists)
	}
	if errors.Is(err, syscall.ENOSPC) {
		// A file:// store on a full disk. Packs a failed run uploaded
		// before the disk filled stay until gc: without the hint every
		// later apply fails the same way.
		return fmt.Errorf("%s: %w (the store's disk is full: free space there; mlform gc deletes what interrupted runs left and what no state references)", key, bloburl.RedactURLsErr(err))
	}
	// The driver's message may name the request's URL, with a credential
	// from the environment in its query (an Azure SAS signature).
	return fmt.Errorf("%s: %w", key, bloburl.RedactURLsErr(err))
}

// integrityFailure reports whether err is a bucket client's own check of
// what it read failing: the AWS SDK validates a whole-object read against
// the checksum stored at upload ("checksum did not match"), the GCS client
// against the object's CRC32C ("bad CRC on read"). The object's content is
// damaged, as when mlform's own hash does not match; it is not a failure
// of the bucket, so Check reports it with the other damage instead of
// stopping. Neither client exports a type for it.
func integrityFailure(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "checksum did not match") || strings.Contains(msg, "bad CRC on read")
}

// Get reads a whole object (config, index, manifest, pack) of at most
// maxManifestSize bytes: anything bigger is not one of ours, and reading it
// would only exhaust memory.
func (o bucketObjects) Get(ctx context.Context, key string) ([]byte, error) {
	r, err := o.b.NewReader(ctx, key, nil)
	if err != nil {
		return nil, classify(key, err)
	}
	defer r.Close()
	if r.Size() > manifest.MaxSize {
		return nil, fmt.Errorf("%s: larger than %d bytes: %w", key, manifest.MaxSize, errDamaged)
	}
	return readWhole(key, r)
}

// readWhole reads the content of key from r, at most maxManifestSize bytes.
// A read the bucket's client refuses as damaged (integrityFailure) is an
// ErrCorrupt naming key.
func readWhole(key string, r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, manifest.MaxSize+1))
	if err != nil {
		if integrityFailure(err) {
			return nil, corruptf("%s: the bucket reports its content damaged on read: %v", key, bloburl.RedactURLsErr(err))
		}
		return nil, classify(key, err)
	}
	if len(b) > manifest.MaxSize {
		return nil, fmt.Errorf("%s: larger than %d bytes: %w", key, manifest.MaxSize, errDamaged)
	}
	return b, nil
}

func (o bucketObjects) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	r, err := o.b.NewRangeReader(ctx, key, offset, length, nil)
	if err != nil {
		return nil, classify(key, err)
	}
	// The cloud drivers' readers stop with their request, but fileblob's
	// and memblob's never look at the context after opening: a pull (or a
	// check reading every pack) from a file:// store went on to the end
	// after a Ctrl-C.
	return struct {
		io.Reader
		io.Closer
	}{readfile.StopOnCancel(ctx, r), r}, nil
}

// Put uploads r. When r fails midway, the upload's context is cancelled
// before Upload closes its writer: gocloud.dev's Upload otherwise closes
// (and so commits) the writer with whatever was read, and fileblob and
// memblob would publish a truncated object under the final key.
func (o bucketObjects) Put(ctx context.Context, key string, r io.Reader, ifNotExist bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts := &blob.WriterOptions{IfNotExist: ifNotExist, ContentType: "application/octet-stream"}
	err := o.b.Upload(ctx, key, abortReader{r: r, abort: cancel}, opts)
	if gcerrors.Code(err) == gcerrors.NotFound {
		// A write finds no object missing: only the bucket (or container)
		// can be. Not ErrNotFound, which means a missing object.
		return fmt.Errorf("%s: %w", key, errNoBucket)
	}
	return classify(key, err)
}

// errNoBucket is a write to a bucket or container that does not exist.
var errNoBucket = errors.New("the bucket does not exist (mlform does not create buckets or containers: create it, or correct the storage url)")

// abortReader cancels the upload when its source fails.
type abortReader struct {
	r     io.Reader
	abort context.CancelFunc
}

func (a abortReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if err != nil && err != io.EOF {
		a.abort()
	}
	return n, err
}

// WriteTo copies in pieces (a pack: see pieces; anything else through a
// 32 KiB buffer), and a failure on either side cancels the upload, so a
// short write (a full disk) is not committed either. An object whose size is known (a manifest or root in a bytes.Reader)
// gets a buffer no larger than it: an apply stores a few small objects per
// action, and a fresh 32 KiB each time was most of what storing them
// allocated.
func (a abortReader) WriteTo(w io.Writer) (int64, error) {
	if p, ok := a.r.(*pieces); ok {
		n, err := p.WriteTo(w)
		if err != nil {
			a.abort()
		}
		return n, err
	}
	size := 32 << 10
	if l, ok := a.r.(interface{ Len() int }); ok {
		size = min(size, max(l.Len(), 1))
	}
	n, err := io.CopyBuffer(w, readerOnly{a.r}, make([]byte, size))
	if err != nil {
		a.abort()
	}
	return n, err
}

// pieces reads a buffer held in memory (a sealed pack) and writes it in
// pieces of pieceSize straight from the buffer. Handing fileblob the whole
// 16 MiB pack in one write() made snapshots 1.3-1.6x slower than 32 KiB
// pieces copied through a small buffer (measured after sync); pieces of
// 128 KiB with no copy at all took another 3-4% less CPU than the copied
// 32 KiB ones over 20,000 small files.
type pieces struct {
	b []byte
}

const pieceSize = 128 << 10

func (p *pieces) Read(b []byte) (int, error) {
	if len(p.b) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.b)
	p.b = p.b[n:]
	return n, nil
}

func (p *pieces) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for len(p.b) > 0 {
		n, err := w.Write(p.b[:min(len(p.b), pieceSize)])
		total += int64(n)
		p.b = p.b[n:]
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// readerOnly hides every method of r but Read, so io.Copy cannot recurse
// into WriteTo.
type readerOnly struct{ r io.Reader }

func (r readerOnly) Read(p []byte) (int, error) { return r.r.Read(p) }

// List lists the whole prefix before calling fn. fileblob walks the
// directory and stats each entry, so an object deleted or renamed during
// the walk (a lock released, a temporary upload file renamed into place
// by another process) fails the listing with NotFound; the listing is then
// taken again, a few times, rather than failing a lock attempt or a check.
func (o bucketObjects) List(ctx context.Context, prefix string, fn func(string, int64, time.Time) error) error {
	type item struct {
		key  string
		size int64
		mod  time.Time
	}
	var items []item
	for attempt := 0; ; attempt++ {
		items = items[:0]
		err := func() error {
			it := o.b.List(&blob.ListOptions{Prefix: prefix})
			for {
				obj, err := it.Next(ctx)
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return err
				}
				if !obj.IsDir {
					items = append(items, item{obj.Key, obj.Size, obj.ModTime})
				}
			}
		}()
		if err == nil {
			break
		}
		if gcerrors.Code(err) != gcerrors.NotFound || attempt == 4 || ctx.Err() != nil {
			return fmt.Errorf("list %s: %w", prefix, bloburl.RedactURLsErr(err))
		}
	}
	for _, it := range items {
		if err := fn(it.key, it.size, it.mod); err != nil {
			return err
		}
	}
	return nil
}

func (o bucketObjects) Size(ctx context.Context, key string) (int64, error) {
	a, err := o.b.Attributes(ctx, key)
	if err != nil {
		return 0, classify(key, err)
	}
	return a.Size, nil
}

func (o bucketObjects) Delete(ctx context.Context, key string) error {
	return classify(key, o.b.Delete(ctx, key))
}

func (o bucketObjects) Close() error {
	if !o.owned {
		return nil
	}
	return o.b.Close()
}
