package source

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	gblob "gocloud.dev/blob"

	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/internal/relpath"
	"github.com/mlform/mlform/providers/blob"
)

// bucket is a key prefix in a gocloud.dev bucket.
type bucket struct {
	b    *gblob.Bucket
	name string // redacted URL
}

// openBucket opens "scheme://bucket/prefix?query" with blob.Open, which
// gives a URL's path (or its prefix= parameter, never both) one meaning on
// every scheme: a key prefix treated as a directory ("data/churn" lists
// "data/churn/..." but not "data/churnx"), keys listed relative to it.
func openBucket(ctx context.Context, spec, baseDir string) (Source, error) {
	b, err := blob.Open(ctx, spec, baseDir)
	if err != nil {
		return nil, fmt.Errorf("dataset source: %w", err)
	}
	return &bucket{b: b, name: bloburl.Redact(spec)}, nil
}

// FromBucket makes a Source of every object in b (which the Source then
// owns and closes). name describes it in messages and must already be
// redacted. Tests and callers holding an open bucket (mem://) use it.
func FromBucket(b *gblob.Bucket, name string) Source {
	return &bucket{b: b, name: name}
}

func (s *bucket) String() string { return s.name }
func (s *bucket) Local() bool    { return false }
func (s *bucket) Close() error   { return s.b.Close() }

// Walk lists every object under the prefix. Keys are untrusted: one that is
// not a clean relative path (".." elements, leading "/", "a//b") or holds a
// character relpath.Check refuses is listed for the observer to judge, as
// a local file name is: refused, naming it, if the dataset includes it,
// never opened if excluded (Open checks again). Only an empty key, which
// no pattern can exclude, fails the walk. Zero-length keys
// ending in "/" are directory markers some consoles create and are skipped.
func (s *bucket) Walk(ctx context.Context, fn func(Entry) error) error {
	return walkListing(ctx, s, fn)
}

// Entries is Walk's listing as one slice the caller owns.
func (s *bucket) Entries(ctx context.Context) ([]Entry, error) {
	var entries []Entry
	it := s.b.List(nil)
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", s.name, bloburl.RedactURLsErr(err))
		}
		if obj.IsDir || (obj.Size == 0 && strings.HasSuffix(obj.Key, "/")) {
			continue
		}
		// An unusable key ("a//b" from a sloppy join, "x/../y", a
		// backslash) is listed like a local file of that name: the
		// observer refuses it if it is included and leaves it out if it is
		// excluded, so one stray object does not make the whole prefix
		// impossible to snapshot. An empty key cannot be excluded.
		if obj.Key == "" {
			return nil, fmt.Errorf("list %s: object key is not a safe relative path: %w", s.name, relpath.CheckElements(obj.Key))
		}
		e := Entry{Path: obj.Key, Size: obj.Size, MtimeNs: obj.ModTime.UnixNano(), Mode: 0o644}
		if len(obj.MD5) > 0 {
			e.Digest = hex.EncodeToString(obj.MD5)
		}
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Path < entries[j].Path })
	return entries, nil
}

func (s *bucket) Open(ctx context.Context, path string) (io.ReadCloser, error) {
	if err := relpath.Check(path); err != nil {
		return nil, fmt.Errorf("open %q in %s: %w", path, s.name, bloburl.RedactURLsErr(err))
	}
	r, err := s.b.NewReader(ctx, path, nil)
	if err != nil {
		return nil, fmt.Errorf("open %q in %s: %w", path, s.name, bloburl.RedactURLsErr(err))
	}
	return r, nil
}
