package step

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/mlform/mlform/planner/codehash"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/manifest"
)

// kindCode is the manifest kind of a code archive: the files a model's
// `code` globs selected when a version trained, stored like dataset
// snapshots (chunked, deduplicated: an unchanged file costs nothing).
const kindCode = "code"

// ErrCodeChanged is returned when the code tree no longer hashes to the
// code hash the plan recorded.
var ErrCodeChanged = errors.New("the code changed since the plan; run plan again")

// ArchiveCode stores the files globs select under baseDir as a code
// manifest in store and returns its id. The archive must hash to
// wantHash (the version's recorded code hash): the archive is then
// exactly the code the version names, even if a file changed after plan.
// No globs: no archive ("").
func ArchiveCode(ctx context.Context, store *storage.Store, baseDir string, globs []string, wantHash string) (string, error) {
	if len(globs) == 0 {
		return "", nil
	}
	paths, err := codehash.ListFiles(baseDir, globs)
	if err != nil {
		return "", fmt.Errorf("archive code: %w", err)
	}
	root, err := os.OpenRoot(baseDir)
	if err != nil {
		return "", fmt.Errorf("archive code: %w", err)
	}
	defer root.Close()
	m := &manifest.Manifest{Kind: kindCode, Files: make([]manifest.File, 0, len(paths))}
	tree := make([]codehash.TreeFile, 0, len(paths))
	for _, p := range paths {
		f, err := root.Open(p)
		if err != nil {
			return "", fmt.Errorf("archive code: %w", err)
		}
		info, err := f.Stat()
		if err != nil || !info.Mode().IsRegular() {
			f.Close()
			return "", fmt.Errorf("archive code: %s: %w", p, errors.Join(err, ErrCodeChanged))
		}
		sf, err := store.PutFile(ctx, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("archive code: store %s: %w", p, err)
		}
		sf.Path, sf.Mode = p, uint32(info.Mode().Perm())
		m.Files = append(m.Files, sf)
		tree = append(tree, codehash.TreeFile{Path: p, Executable: info.Mode()&0o111 != 0, Hash: sf.Hash})
	}
	if got := codehash.Digest(tree); got != wantHash {
		return "", fmt.Errorf("archive code: %w", ErrCodeChanged)
	}
	if err := store.Flush(ctx); err != nil {
		return "", fmt.Errorf("archive code: flush store: %w", err)
	}
	id, err := store.PutManifest(ctx, m)
	if err != nil {
		return "", fmt.Errorf("archive code: %w", err)
	}
	return id, nil
}
