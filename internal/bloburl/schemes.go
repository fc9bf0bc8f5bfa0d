package bloburl

import (
	"net/url"
	"path/filepath"
	"slices"
	"strings"
)

// Schemes lists the URL schemes mlform accepts for buckets. providers/blob
// registers a driver for each (its tests check that they agree).
func Schemes() []string { return []string{"file", "mem", "s3", "gs", "azblob"} }

// SupportedScheme reports whether scheme names a bucket driver mlform has.
func SupportedScheme(scheme string) bool { return slices.Contains(Schemes(), scheme) }

// LocalDir is a local location's directory resolved against baseDir.
func (l Location) LocalDir(baseDir string) string {
	if filepath.IsAbs(l.Dir) {
		return l.Dir
	}
	return filepath.Join(baseDir, l.Dir)
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

// Overlaps reports whether l and o can hold one same object: the same
// place, or one inside the other (a local directory under the other; a
// key prefix under the other's, in the same bucket of the same server).
// Local locations are resolved against baseDir. Two bucket locations are
// in one bucket when scheme and bucket agree and so do the parameters
// that choose the server or account (endpoint, domain, storage_account);
// other parameters (region, profile, credentials) do not move objects.
func (l Location) Overlaps(o Location, baseDir string) bool {
	if l.Local() != o.Local() {
		return false
	}
	if l.Local() {
		a, b := absDir(l, baseDir), absDir(o, baseDir)
		return a == b || within(a, b) || within(b, a)
	}
	if l.Scheme != o.Scheme || !sameBucket(l.Bucket, o.Bucket) {
		return false
	}
	return strings.HasPrefix(l.Prefix, o.Prefix) || strings.HasPrefix(o.Prefix, l.Prefix)
}

// Holds reports whether the local location l is o's directory or one
// holding it (resolved against baseDir). False for buckets.
func (l Location) Holds(o Location, baseDir string) bool {
	if !l.Local() || !o.Local() {
		return false
	}
	a, b := absDir(l, baseDir), absDir(o, baseDir)
	return a == b || within(b, a)
}

// absDir is a local location's directory, absolute when it can be made so.
func absDir(l Location, baseDir string) string {
	d := filepath.Clean(l.LocalDir(baseDir))
	if abs, err := filepath.Abs(d); err == nil {
		return abs
	}
	return d
}

// within reports whether directory dir is below parent (both clean and
// absolute).
func within(dir, parent string) bool {
	rel, err := filepath.Rel(parent, dir)
	return err == nil && rel != "." && filepath.IsLocal(rel)
}

// sameBucket compares two Location.Bucket URLs by bucket and by the
// query parameters that select a server or an account.
func sameBucket(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil {
		return a == b
	}
	if ua.Host != ub.Host {
		return false
	}
	qa, qb := ua.Query(), ub.Query()
	for _, p := range []string{"endpoint", "domain", "storage_account"} {
		if qa.Get(p) != qb.Get(p) {
			return false
		}
	}
	return true
}
