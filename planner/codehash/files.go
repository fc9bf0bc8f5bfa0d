package codehash

import (
	"fmt"

	"github.com/mlform/mlform/internal/relpath"
)

// TreeFile is one file of a code tree as the code hash sees it: its
// relative slash path, whether it is executable, and the BLAKE3 hex hash
// of its content (the store's file hash, so a stored archive can be
// checked against the hash without reading it again).
type TreeFile struct {
	Path       string
	Executable bool
	Hash       string
}

// ListFiles returns the regular files under baseDir the globs select,
// sorted by path: exactly the files CodeHashCached hashes. A selected
// symlink is an error naming it: a code archive holds regular files only
// (a link may point anywhere, and would not be restored the same on
// another machine); point the glob at the file it names instead.
func ListFiles(baseDir string, globs []string) ([]string, error) {
	if len(globs) == 0 {
		return nil, nil
	}
	root, matched, err := openMatched(baseDir, globs)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	paths := make([]string, 0, len(matched))
	for _, p := range matched {
		fi, err := root.Lstat(p)
		if err != nil {
			return nil, fmt.Errorf("code file %s: %w", p, err)
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("code file %s is not a regular file (%s): code archives hold regular files only; select the file it names instead", p, fi.Mode().Type())
		}
		if err := archivable(p, false); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// Digest is the code hash of a list of files sorted by path, the same
// value CodeHashCached returns for the tree they came from.
func Digest(files []TreeFile) string {
	list := make([]treeFile, len(files))
	for i, f := range files {
		mode := "100644"
		if f.Executable {
			mode = "100755"
		}
		list[i] = treeFile{Path: f.Path, Mode: mode, Hash: f.Hash}
	}
	return treeDigest(list)
}

// archivable refuses a selected code file a code archive cannot hold: a
// symlink (symlink), or a path that breaks relpath's rule, which manifests
// and state refuse (a backslash, a control character such as a newline).
func archivable(p string, symlink bool) error {
	if symlink {
		return fmt.Errorf("code file %s is a symlink: code archives hold regular files only; select the file it names instead", p)
	}
	if err := relpath.Check(p); err != nil {
		return fmt.Errorf("code file %w: code archives cannot hold it; rename it or leave it out of the code globs", err)
	}
	return nil
}
