package bloburl

import (
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
