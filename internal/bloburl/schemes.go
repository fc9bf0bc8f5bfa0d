package bloburl

import (
	"path/filepath"
	"slices"
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
