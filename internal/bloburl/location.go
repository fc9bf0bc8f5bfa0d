package bloburl

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mlform/mlform/internal/suggest"
)

// Location is a bucket URL taken apart the one way every part of mlform
// reads it (state backends, stores, publish targets, dataset sources):
//
//   - file:// URLs and bare paths name a local directory; a "prefix" query
//     parameter names a subdirectory of it.
//   - Every other scheme (s3, gs, azblob, mem) names a bucket by its host,
//     and the path between the bucket and the "?" is a key prefix:
//     "s3://b/team-a/state/?region=x" keeps every object under
//     "team-a/state/". The "prefix" query parameter is the other spelling
//     of the same prefix; giving both is refused, since gocloud.dev would
//     silently use one and ignore the other.
//
// A key prefix is a directory: it always ends in "/" ("team-a" means
// "team-a/"), so "team-a" never sees "team-ab/...".
type Location struct {
	// Scheme is "file" for local directories (bare paths included).
	Scheme string
	// Dir is a local location's directory as written, cleaned, with any
	// prefix= subdirectory joined; relative to the workspace when not
	// absolute. Empty for buckets.
	Dir string
	// Bucket is what gocloud.dev opens for a bucket location: scheme,
	// bucket (host) and the query without "prefix", with no path.
	Bucket string
	// Prefix is the key prefix inside the bucket: "" or ending in "/".
	Prefix string
}

// ErrPrefixAndPath is returned (wrapped) for a bucket URL that names a key
// prefix twice: by its path and by a prefix= query parameter.
var ErrPrefixAndPath = errors.New("the URL has both a path and a prefix= parameter")

// Local reports whether the location is a local directory.
func (l Location) Local() bool { return l.Scheme == "file" }

// Parse takes rawURL apart (see Location). It does no I/O and needs no
// base directory, so configuration checks use it too. Errors name the URL
// with its credentials redacted.
func Parse(rawURL string) (Location, error) {
	if !strings.Contains(rawURL, "://") {
		return parseLocal(rawURL, "", rawURL)
	}
	if rest, ok := strings.CutPrefix(rawURL, "file://"); ok {
		p, query, _ := strings.Cut(rest, "?")
		if u, err := url.PathUnescape(p); err == nil {
			p = u
		}
		prefix := ""
		if query != "" {
			q, err := url.ParseQuery(query)
			if err != nil {
				return Location{}, fmt.Errorf("bucket URL %s: invalid query: %v", Redact(rawURL), err)
			}
			if err := repeatedParam(q, rawURL); err != nil {
				return Location{}, err
			}
			for name := range q {
				if name != "prefix" && !fileblobParams[name] {
					return Location{}, fmt.Errorf("bucket URL %s: unknown query parameter %q (a file:// URL takes prefix=)", Redact(rawURL), name)
				}
			}
			prefix = q.Get("prefix")
		}
		return parseLocal(p, prefix, rawURL)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return Location{}, fmt.Errorf("invalid bucket URL %q", Redact(rawURL))
	}
	if !SupportedScheme(u.Scheme) {
		return Location{}, fmt.Errorf("unsupported URL scheme %q in %s (supported: %s)", u.Scheme, Redact(rawURL), strings.Join(Schemes(), ", "))
	}
	// "s3:bucket?endpoint=http://..." (the "//" forgotten) parses with
	// the bucket as the opaque part, and "s3:///x" or "s3:?a=://" with no
	// bucket: the bucket was dropped without a word and the location's
	// identity did not even read back as a bucket URL. Only mem://, whose
	// buckets have no name, goes without one.
	if u.Opaque != "" || (u.Host == "" && u.Scheme != "mem") {
		return Location{}, fmt.Errorf("bucket URL %s names no bucket: write %s://BUCKET/PREFIX/", Redact(rawURL), u.Scheme)
	}
	// u.Query() would drop the pairs it cannot read (a ';' separator, a
	// bad escape), and the bucket would be opened without them.
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Location{}, fmt.Errorf("bucket URL %s: invalid query: %v", Redact(rawURL), err)
	}
	if err := repeatedParam(q, rawURL); err != nil {
		return Location{}, err
	}
	pathPrefix, paramPrefix := u.Path, q.Get("prefix")
	if strings.Trim(pathPrefix, "/") != "" && paramPrefix != "" {
		return Location{}, fmt.Errorf("bucket URL %s: %w (both name a key prefix): write the prefix once, as the path (%s://%s/%s)",
			Redact(rawURL), ErrPrefixAndPath, u.Scheme, u.Host, cleanPrefixForHint(pathPrefix))
	}
	raw := pathPrefix
	if paramPrefix != "" {
		raw = paramPrefix
		if strings.HasPrefix(raw, "/") {
			return Location{}, fmt.Errorf("bucket URL %s: prefix %q must not start with \"/\"", Redact(rawURL), raw)
		}
	}
	prefix, err := keyPrefix(raw)
	if err != nil {
		return Location{}, fmt.Errorf("bucket URL %s: key prefix: %w", Redact(rawURL), err)
	}
	q.Del("prefix")
	b := url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host, RawQuery: q.Encode()}
	return Location{Scheme: u.Scheme, Bucket: withSlashes(&b), Prefix: prefix}, nil
}

// fileblobParams are the query parameters gocloud.dev's file:// opener
// knows (v0.47, fileblob's recognizedParams); it refuses any other.
// mlform opens local directories itself with its own options, so these are
// accepted and have no effect; any other name (a typo: prefx=) was
// silently ignored, and the state or store went to the parent directory.
var fileblobParams = map[string]bool{
	"create_dir": true, "base_url": true, "secret_key_path": true,
	"metadata": true, "no_tmp_dir": true, "dir_file_mode": true,
}

// bucketParams are the query parameters gocloud.dev's openers know, by
// scheme (v0.47: s3blob's and aws.V2ConfigFromURLParams', gcsblob's,
// azureblob's and memblob's), besides the prefix= every driver takes. The
// opener refuses any other name, but only when the bucket opens (at plan,
// after validate passed); UnknownParam refuses it first, so validate
// points at the URL in the configuration. Parse leaves it to the opener,
// as it does a value the driver cannot read. providers/blob's
// TestBucketParamsKnown opens each driver with each name, to keep the
// lists true to the gocloud.dev in go.mod.
var bucketParams = map[string][]string{
	"s3": {"region", "endpoint", "profile", "hostname_immutable", "dualstack", "fips", "rate_limiter_capacity",
		"anonymous", "role", "request_checksum_calculation", "response_checksum_validation", "awssdk",
		"ssetype", "kmskeyid", "accelerate", "use_path_style", "s3ForcePathStyle", "disable_https"},
	"gs":     {"access_id", "private_key_path", "anonymous", "universe_domain", "grpc", "zonal"},
	"azblob": {"domain", "protocol", "cdn", "localemu", "storage_account"},
	"mem":    {"nomd5"},
}

// BucketParams returns the query parameters a bucket URL of scheme may
// carry besides prefix= (none for a scheme mlform does not have).
func BucketParams(scheme string) []string { return slices.Clone(bucketParams[scheme]) }

// UnknownParam refuses a query parameter of a cloud bucket URL that the
// scheme's driver does not know, with the likely intended name when there
// is one. file:// URLs, and a URL or query that does not parse, are
// Parse's to refuse.
func UnknownParam(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "file" || !SupportedScheme(u.Scheme) {
		return nil
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil
	}
	scheme, known := u.Scheme, bucketParams[u.Scheme]
	var names []string
	for name := range q {
		if name != "prefix" && !slices.Contains(known, name) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	hint := ""
	if c := suggest.Closest(names[0], append([]string{"prefix"}, known...)); c != "" {
		hint = fmt.Sprintf(": did you mean %q?", c)
	}
	return fmt.Errorf("bucket URL %s: unknown query parameter %q%s (%s:// URLs take prefix=, %s)",
		Redact(rawURL), names[0], hint, scheme, strings.Join(known, ", "))
}

// repeatedParam refuses a query parameter given more than once
// ("region=us-east-1&region=eu-west-1"): gocloud.dev's S3 and GCS openers
// use the first value and silently ignore the others (its Azure opener
// refuses them), and so did prefix=.
func repeatedParam(q url.Values, rawURL string) error {
	names := make([]string, 0, len(q))
	for name, values := range q {
		if len(values) > 1 {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	return fmt.Errorf("bucket URL %s: query parameter %q is given more than once: write it once", Redact(rawURL), names[0])
}

// parseLocal builds the Location of a local directory p with an optional
// prefix= subdirectory.
func parseLocal(p, prefix, rawURL string) (Location, error) {
	if prefix != "" {
		sub := filepath.FromSlash(strings.TrimSuffix(prefix, "/"))
		if !filepath.IsLocal(sub) {
			return Location{}, fmt.Errorf("bucket URL %s: prefix %q must be a relative path inside the directory", Redact(rawURL), prefix)
		}
		p = filepath.Join(p, sub)
	}
	return Location{Scheme: "file", Dir: filepath.Clean(p)}, nil
}

// keyPrefix normalises a key prefix (from a URL path or prefix=) to the
// directory form: no leading "/", one trailing "/", or "" for none. It
// refuses prefixes no object store treats alike: empty, "." or ".."
// elements ("a//b", "a/../b"), a backslash or NUL.
func keyPrefix(p string) (string, error) {
	p = strings.TrimPrefix(p, "/")
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return "", nil
	}
	if strings.ContainsAny(p, "\x00\\") {
		return "", fmt.Errorf("%q contains a backslash or NUL", p)
	}
	for _, el := range strings.Split(p, "/") {
		switch el {
		case "":
			return "", fmt.Errorf("%q has an empty element", p)
		case ".", "..":
			return "", fmt.Errorf("%q has a %q element", p, el)
		}
	}
	return p + "/", nil
}

// cleanPrefixForHint renders a path prefix for an error message's hint.
func cleanPrefixForHint(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return p + "/"
}

// String is the location's identity: one spelling for every URL that
// names the same place, with credentials redacted, safe to print and to
// store. Local directories keep the path as written (relative ones stay
// relative to the workspace): "file://.mlform/state". Buckets put the
// prefix in the path and sort the query: "s3://b/team-a/?region=x".
func (l Location) String() string {
	if l.Local() {
		return "file://" + filepath.ToSlash(l.Dir)
	}
	u, err := url.Parse(l.Bucket)
	if err != nil {
		return Redact(l.Bucket)
	}
	u.Path = "/" + l.Prefix
	if l.Prefix == "" {
		u.Path = ""
	}
	u.RawQuery = u.Query().Encode()
	return Redact(withSlashes(u))
}

// withSlashes is u.String() that keeps the "//" of a URL without a host
// ("mem://", not "mem:"), as gocloud.dev URLs are written.
func withSlashes(u *url.URL) string {
	s := u.String()
	if rest, ok := strings.CutPrefix(s, u.Scheme+":"); ok && !strings.HasPrefix(rest, "//") {
		return u.Scheme + "://" + rest
	}
	return s
}

// Identity returns the identity (Location.String) of rawURL, and whether
// rawURL carries credentials that the identity redacts (so it cannot be
// opened from the identity alone).
func Identity(rawURL string) (id string, hasSecrets bool, err error) {
	loc, err := Parse(rawURL)
	if err != nil {
		return "", false, err
	}
	return loc.String(), Redact(rawURL) != rawURL, nil
}

// Place names where l's objects are, leaving out credentials: two URLs
// that differ only in a secret-looking query parameter (token=, sig=,
// ...) or in user info reach the same objects and have the same Place.
// Other query parameters (endpoint=, region=) stay: they may select
// another server. Local locations are their directory as in String.
func (l Location) Place() string {
	if l.Local() {
		return l.String()
	}
	u, err := url.Parse(l.Bucket)
	if err != nil {
		return l.String()
	}
	q := u.Query()
	for name := range q {
		if secretParam(name) {
			q.Del(name)
		}
	}
	u.User = nil
	u.RawQuery = q.Encode()
	u.Path = "/" + l.Prefix
	if l.Prefix == "" {
		u.Path = ""
	}
	return Redact(withSlashes(u))
}
