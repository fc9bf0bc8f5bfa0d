//go:build !linux

package codehash

import "io/fs"

// inodeCtime is Linux-only (codecache_linux.go); elsewhere the code cache
// compares size, mtime and mode, like the portable dataset walk.
func inodeCtime(fs.FileInfo) (uint64, int64) { return 0, 0 }
