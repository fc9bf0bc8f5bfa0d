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
	"path/filepath"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/gcsblob" // gs://
	_ "gocloud.dev/blob/memblob" // mem://
	_ "gocloud.dev/blob/s3blob"  // s3://
)

// Schemes lists the URL schemes mlform accepts for buckets.
var Schemes = []string{"file", "mem", "s3", "gs", "azblob"}

// SupportedScheme reports whether scheme names a bucket driver mlform has.
func SupportedScheme(scheme string) bool {
	for _, s := range Schemes {
		if s == scheme {
			return true
		}
	}
	return false
}

// LocalPath returns the directory a file:// URL (or a bare path) names,
// resolved against baseDir when relative. ok is false for other schemes.
// "file://.mlform/state" and ".mlform/state" both mean baseDir/.mlform/state;
// "file:///abs" is absolute. A "prefix" query parameter, as on the cloud
// schemes, names a subdirectory: "file:///b?prefix=mlform/state/" is
// /b/mlform/state. A prefix that is not a relative path inside the
// directory makes ok false (Open then reports it).
func LocalPath(rawURL, baseDir string) (dir string, ok bool) {
	p := rawURL
	prefix := ""
	switch {
	case strings.HasPrefix(rawURL, "file://"):
		p = strings.TrimPrefix(rawURL, "file://")
		if i := strings.IndexByte(p, '?'); i >= 0 {
			if q, err := url.ParseQuery(p[i+1:]); err == nil {
				prefix = q.Get("prefix")
			}
			p = p[:i]
		}
		if u, err := url.PathUnescape(p); err == nil {
			p = u
		}
	case strings.Contains(rawURL, "://"):
		return "", false
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(baseDir, p)
	}
	if prefix != "" {
		sub := filepath.FromSlash(strings.TrimSuffix(prefix, "/"))
		if !filepath.IsLocal(sub) {
			return "", false
		}
		p = filepath.Join(p, sub)
	}
	return filepath.Clean(p), true
}

// Open opens the bucket at rawURL. Relative file:// URLs resolve against
// baseDir; local directories are created when missing. Errors never contain
// credentials.
func Open(ctx context.Context, rawURL, baseDir string) (*blob.Bucket, error) {
	if dir, ok := LocalPath(rawURL, baseDir); ok {
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
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("invalid bucket URL %q", Redact(rawURL))
	}
	if u.Scheme == "file" {
		// LocalPath refused it: only a prefix escaping the directory does that.
		return nil, fmt.Errorf("bucket URL %s: prefix %q must be a relative path inside the directory", Redact(rawURL), u.Query().Get("prefix"))
	}
	if !SupportedScheme(u.Scheme) {
		return nil, fmt.Errorf("unsupported URL scheme %q in %s (supported: %s)", u.Scheme, Redact(rawURL), strings.Join(Schemes, ", "))
	}
	b, err := blob.OpenBucket(ctx, rawURL)
	if err != nil {
		msg := RedactError(err, rawURL)
		if strings.Contains(msg, Redact(rawURL)) {
			// gocloud.dev's message already names the bucket.
			return nil, errors.New(msg)
		}
		return nil, fmt.Errorf("open bucket %s: %s", Redact(rawURL), msg)
	}
	return b, nil
}
