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
// "file:///abs" is absolute. A "prefix" query parameter names a
// subdirectory: "file:///b?prefix=mlform/state/" is /b/mlform/state. A
// prefix that is not a relative path inside the directory makes ok false
// (Open then reports it).
func LocalPath(rawURL, baseDir string) (dir string, ok bool) {
	if strings.Contains(rawURL, "://") && !strings.HasPrefix(rawURL, "file://") {
		return "", false
	}
	loc, err := Parse(rawURL)
	if err != nil {
		return "", false
	}
	return loc.LocalDir(baseDir), true
}

// LocalDir is a local location's directory resolved against baseDir.
func (l Location) LocalDir(baseDir string) string {
	if filepath.IsAbs(l.Dir) {
		return l.Dir
	}
	return filepath.Join(baseDir, l.Dir)
}

// Open opens the bucket at rawURL (see Location for what its parts mean).
// Relative file:// URLs resolve against baseDir; local directories are
// created when missing. A key prefix, from the URL's path or its prefix=
// parameter, confines the returned bucket to the keys under it: every
// key the caller reads, writes or lists is relative to the prefix. Errors
// never contain credentials.
func Open(ctx context.Context, rawURL, baseDir string) (*blob.Bucket, error) {
	return open(ctx, rawURL, baseDir, blob.OpenBucket)
}

// open is Open with the driver call for bucket schemes given, so tests can
// see exactly what reaches gocloud.dev.
func open(ctx context.Context, rawURL, baseDir string, openBucket func(context.Context, string) (*blob.Bucket, error)) (*blob.Bucket, error) {
	loc, err := Parse(rawURL)
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
	// gocloud.dev's openers ignore a URL's path, so the path must not reach
	// them: Bucket has none, and the prefix is applied here.
	b, err := openBucket(ctx, loc.Bucket)
	if err != nil {
		msg := RedactError(err, loc.Bucket)
		msg = redactText(msg, rawURL)
		if strings.Contains(msg, Redact(loc.Bucket)) || strings.Contains(msg, Redact(rawURL)) {
			// gocloud.dev's message already names the bucket.
			return nil, errors.New(msg)
		}
		return nil, fmt.Errorf("open bucket %s: %s", Redact(rawURL), msg)
	}
	if loc.Prefix != "" {
		b = blob.PrefixedBucket(b, loc.Prefix)
	}
	return b, nil
}

// sensitiveParams are query parameter names whose values are secrets.
var sensitiveParams = []string{"secret", "password", "passwd", "token", "key", "sig", "signature", "credential", "sas"}

// Redact returns rawURL with any user password and any secret-looking query
// parameter values replaced by "REDACTED", safe to print or log.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		// Not a URL we can take apart: show only the scheme, if any.
		if i := strings.Index(rawURL, "://"); i >= 0 {
			return rawURL[:i] + "://REDACTED"
		}
		return rawURL
	}
	changed := false
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "REDACTED")
			changed = true
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		for name, vals := range q {
			ln := strings.ToLower(name)
			secret := false
			for _, s := range sensitiveParams {
				if strings.Contains(ln, s) {
					q.Set(name, "REDACTED")
					changed, secret = true, true
					break
				}
			}
			// A URL inside a parameter (endpoint=http://user:pw@host)
			// carries its own password.
			for i, v := range vals {
				if r := Redact(v); !secret && r != v {
					vals[i], changed = r, true
				}
			}
		}
		u.RawQuery = q.Encode()
	}
	if !changed {
		// Nothing secret: keep the user's spelling ("mem://" stays "mem://").
		return rawURL
	}
	return u.String()
}

// RedactError returns err's message with rawURL (and its password, if any)
// replaced by the redacted form.
func RedactError(err error, rawURL string) string {
	return redactText(err.Error(), rawURL)
}

// redactText removes rawURL's secrets from msg.
func redactText(msg, rawURL string) string {
	msg = strings.ReplaceAll(msg, rawURL, Redact(rawURL))
	u, perr := url.Parse(rawURL)
	if perr != nil {
		return msg
	}
	if u.User != nil {
		if pw, has := u.User.Password(); has && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "REDACTED")
			msg = strings.ReplaceAll(msg, url.QueryEscape(pw), "REDACTED")
		}
	}
	// A URL inside a parameter (endpoint=http://user:pw@host): its own
	// secrets, however the driver prints it.
	for _, vals := range u.Query() {
		for _, v := range vals {
			if strings.Contains(v, "://") && Redact(v) != v {
				msg = redactText(msg, v)
			}
		}
	}
	// Drivers may print the URL in another form ("mem:?token=..."): remove
	// the secret values themselves, raw and escaped.
	for name, vals := range u.Query() {
		ln := strings.ToLower(name)
		for _, sp := range sensitiveParams {
			if !strings.Contains(ln, sp) {
				continue
			}
			for _, v := range vals {
				if v != "" {
					msg = strings.ReplaceAll(msg, v, "REDACTED")
					msg = strings.ReplaceAll(msg, url.QueryEscape(v), "REDACTED")
				}
			}
			break
		}
	}
	return msg
}
