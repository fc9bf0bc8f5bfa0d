package codehash

import (
	"fmt"

	"github.com/zeebo/blake3"
)

// MaxTreeFiles is the largest code tree whose per-file listing is
// returned by CodeTreeCached (and so recorded with a version): beyond it a
// listing would grow the state by more than it helps a reviewer, and a
// code change is reported by count and hash only.
const MaxTreeFiles = 1000

// TreeKeyLen is the length of a listing's per-file key: 16 hex digits
// (64 bits) of BLAKE3 over the file's mode and content hash, enough to
// tell a changed file from an unchanged one, short enough for state.
const TreeKeyLen = 16

// CodeTreeCached is CodeHashCached that also returns the tree's listing:
// relative path -> a TreeKeyLen-digit key of the file's mode and content.
// Comparing two listings names the files a code change touched. The
// listing is nil when the tree has more than MaxTreeFiles files. A
// selected symlink, or a path state and code archives cannot record
// (relpath.Check: a backslash, a control character), is an error naming
// the file, as ListFiles reports it.
func CodeTreeCached(baseDir string, globs []string, cache *CodeCache) (hash string, tree map[string]string, files int, err error) {
	r := selectTreeOnce(baseDir, globs, cache)
	if r.err != nil {
		return "", nil, 0, r.err
	}
	list := r.list
	for _, f := range list {
		// The listing is recorded in state and the files archived with
		// the version: what neither can hold is refused here, at plan,
		// not after apply has spent a version number on it.
		if err := archivable(f.Path, f.Mode == "120000"); err != nil {
			return "", nil, 0, err
		}
	}
	if len(list) <= MaxTreeFiles {
		tree = make(map[string]string, len(list))
		for _, f := range list {
			sum := blake3.Sum256([]byte(f.Mode + "\x00" + f.Hash))
			tree[f.Path] = fmt.Sprintf("%x", sum[:TreeKeyLen/2])
		}
	}
	return r.hash, tree, len(list), nil
}
