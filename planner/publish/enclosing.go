package publish

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/internal/readfile"
	"github.com/mlform/mlform/providers/blob"
)

// enclosingStore names the nearest place above a publish URL that holds
// an mlform store, "" for none: a directory, or a key prefix of the
// bucket ("/" for its top). validate refuses a publish URL inside the
// workspace's own stores; another workspace's are found only here, before
// anything is written or created: published files would sit among that
// store's objects (gc -check reports them) and one named like an object
// would replace it. Looking costs a read per level above the URL.
func enclosingStore(ctx context.Context, rawURL, baseDir string) string {
	loc, err := bloburl.Parse(rawURL)
	if err != nil {
		return ""
	}
	if loc.Local() {
		return enclosingDir(loc.LocalDir(baseDir))
	}
	p := strings.TrimSuffix(loc.Prefix, "/")
	if p == "" {
		return ""
	}
	top, err := blob.Open(ctx, loc.Bucket, baseDir) // the whole bucket, to read above the prefix
	if err != nil {
		return ""
	}
	defer top.Close()
	for p != "" {
		p = p[:max(strings.LastIndexByte(p, '/'), 0)]
		key := "config"
		if p != "" {
			key = p + "/config"
		}
		r, err := top.NewRangeReader(ctx, key, 0, maxPeek, nil)
		if err != nil {
			continue
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err == nil && isStoreConfig(b) {
			return p + "/"
		}
	}
	return ""
}

// enclosingDir is enclosingStore for a local directory: the directories
// above it, up to the file system's root.
func enclosingDir(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for p := filepath.Dir(abs); ; p = filepath.Dir(p) {
		if root, err := os.OpenRoot(p); err == nil {
			b, err := readfile.PrefixIn(root, "config", filepath.Join(p, "config"), maxPeek)
			root.Close()
			if err == nil && isStoreConfig(b) {
				return p
			}
		}
		if filepath.Dir(p) == p {
			return ""
		}
	}
}
