package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/providers/blob"
)

// PeekRoot reads the workspace root called name (storedoc.WorkspaceRootName)
// in the store at url, without opening the store: no config check, no
// index, no lock, and nothing created (a local directory that does not
// exist holds no root). It is for a command that writes nothing and would
// otherwise not touch the store (plan), to see whether the state it read
// is older than what its workspace last recorded there (RootAhead).
func PeekRoot(ctx context.Context, url, baseDir, name string) (*Root, error) {
	if dir, local := blob.LocalPath(url, baseDir); local {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", rootKey(name), ErrNotFound)
		}
	}
	b, err := blob.Open(ctx, url, baseDir)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", bloburl.Redact(url), err)
	}
	defer b.Close()
	return (&Store{o: bucketObjects{b: b}}).GetRoot(ctx, name)
}
