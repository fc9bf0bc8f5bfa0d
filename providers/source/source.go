// Package source lists and reads the files of a dataset source: a local
// directory, a single local file, or a blob URL prefix on any bucket mlform
// supports. It is the only place that touches dataset bytes before they are
// hashed, so it owns the two safety rules for them: every path it reports is
// a clean, slash-separated path relative to the source root, and nothing it
// opens can resolve outside that root.
//
// Symlink policy: a source follows no symlinks. Walk reports a symlink (and
// any other non-regular file: FIFO, socket, device) as an Entry with its
// type bits in Mode and does not descend into it; the observer then refuses
// an included one with an error naming the path, so a snapshot never
// silently misses data and never reads a file outside the dataset. Users
// exclude such paths or copy the data in.
package source

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"

	"github.com/mlform/mlform/providers/blob"
)

// Entry is one file (or non-directory node) found by Walk.
type Entry struct {
	// Path is slash-separated, relative to the source root and not empty.
	// A local walk's paths pass relpath.CheckElements; a bucket key may
	// not (".." or empty elements). The observer applies relpath.Check to
	// the entries a dataset includes (a name with ".." or an empty
	// element, a backslash or a control character is refused there,
	// naming it, unless excluded).
	Path string
	Size int64
	// MtimeNs is the modification time in nanoseconds since the Unix epoch
	// (an integer, not a time.Time: walks hold tens of thousands of these).
	MtimeNs int64
	// Mode carries the type bits (fs.ModeSymlink, ...) and permissions.
	Mode fs.FileMode

	// Local sources only: the inode change time (ns), inode number and
	// device, which the observer's stat cache compares like git's index.
	CtimeNs int64
	Inode   uint64
	Dev     uint64

	// Digest is a content digest reported by the blob service (hex MD5),
	// "" when none is available or for local files.
	Digest string
}

// SameContentStat reports whether two stat readings of one open file show
// no write in between: same size, modification time and inode change time
// (a write that restores the mtime still moves the ctime).
func SameContentStat(a, b Entry) bool {
	return a.Size == b.Size && a.MtimeNs == b.MtimeNs && a.CtimeNs == b.CtimeNs
}

// Regular reports whether e is a regular file, the only kind a snapshot holds.
func (e Entry) Regular() bool { return e.Mode.IsRegular() }

// Source is a dataset's files.
type Source interface {
	// Walk calls fn once per non-directory entry under the root, from a
	// single goroutine, in lexical path order. Symlinks are reported, never
	// followed. An error from fn stops the walk and is returned.
	Walk(ctx context.Context, fn func(Entry) error) error
	// Open opens the regular file at path (as reported by Walk).
	Open(ctx context.Context, path string) (io.ReadCloser, error)
	// Local reports whether entries carry stat fields (Ctime, Inode, Dev)
	// from a local file system.
	Local() bool
	// String describes the source for messages, with credentials redacted.
	String() string
	Close() error
}

// Lister is implemented by sources that can return their whole listing
// at once (both built-in ones do): the caller owns the slice, which saves
// a copy of every entry on large trees.
type Lister interface {
	Entries(ctx context.Context) ([]Entry, error)
}

// Entries returns src's listing in Walk order, through Lister when src
// implements it.
func Entries(ctx context.Context, src Source) ([]Entry, error) {
	if l, ok := src.(Lister); ok {
		return l.Entries(ctx)
	}
	var out []Entry
	err := src.Walk(ctx, func(e Entry) error { out = append(out, e); return nil })
	return out, err
}

// walkListing is Walk for a source that lists everything first: fn on
// each of l's entries in order, stopping at fn's first error or when ctx
// ends.
func walkListing(ctx context.Context, l Lister, fn func(Entry) error) error {
	entries, err := l.Entries(ctx)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// Open opens the source named by spec: a local directory or file (a bare
// path or a file:// URL, relative ones resolved against baseDir), or a blob
// URL whose host names the bucket and whose path is a key prefix
// ("s3://bucket/data/churn?region=eu-west-1").
func Open(ctx context.Context, spec, baseDir string) (Source, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, errors.New("dataset source is empty")
	}
	if dir, ok := blob.LocalPath(spec, baseDir); ok {
		return openLocal(dir)
	}
	return openBucket(ctx, spec, baseDir)
}
