package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	gblob "gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/mlform/mlform/internal/procid"
	"github.com/mlform/mlform/internal/readfile"
	"github.com/mlform/mlform/providers/blob"
	"github.com/mlform/mlform/providers/storage/storedoc"
)

// tempPrefix starts the name of every temporary file publish
// writes: ".mlform-tmp-<hosthash>-<pid>-<start>-<n>" (an
// internal/procid token), next to the file it becomes. A temporary whose
// writer is gone from this host (or, written on another host, older than
// tempMaxAge) is removed by the next publish to the same URL.
// Train outputs may not use the prefix (ReservedOutput).
const tempPrefix = ".mlform-tmp-"

// tempMaxAge is when a temporary written on another host counts as
// abandoned: far longer than any single file upload.
const tempMaxAge = 24 * time.Hour

// publishTarget is where publish writes. Put never leaves a partial file
// under its final name.
type publishTarget interface {
	put(ctx context.Context, p string, r io.Reader, contentType string) error
	// read returns the first max bytes of p (all of it when shorter);
	// os.ErrNotExist when missing. Whatever is at the URL is untrusted:
	// a local FIFO is an error, not waited on, and a huge file costs max.
	read(ctx context.Context, p string, max int64) ([]byte, error)
	remove(ctx context.Context, p string) error // missing is fine
	// sweep removes temporaries of gone writers, and the temporaries
	// "<p>.<hex>.tmp" that earlier mlform versions' uploads left next to
	// a published path p (listed).
	sweep(ctx context.Context, listed []string) (int, error)
	close() error
}

// openPublishTarget opens url: a local directory is written with
// temp-and-rename under names publish can sweep; a bucket's uploads are
// atomic already (an object appears only when complete).
func openPublishTarget(ctx context.Context, url, baseDir string) (publishTarget, error) {
	if dir, ok := blob.LocalPath(url, baseDir); ok {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("open %s: %w", dir, err)
		}
		root, err := os.OpenRoot(dir)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", dir, err)
		}
		return &dirTarget{root: root, token: procid.Self().Token()}, nil
	}
	b, err := blob.Open(ctx, url, baseDir)
	if err != nil {
		return nil, err
	}
	return &bucketTarget{b: b}, nil
}

// dirTarget publishes into a local directory, confined by os.Root (no
// path, symlink included, resolves outside it).
type dirTarget struct {
	root  *os.Root
	token string
	n     int
}

func (d *dirTarget) put(_ context.Context, p string, r io.Reader, _ string) (err error) {
	p = filepath.FromSlash(p)
	parent := filepath.Dir(p)
	if parent != "." {
		if err := d.root.MkdirAll(parent, 0o755); err != nil {
			return err
		}
	}
	d.n++
	tmp := filepath.Join(parent, tempPrefix+d.token+"-"+strconv.Itoa(d.n))
	f, err := d.root.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			_ = d.root.Remove(tmp)
		}
	}()
	if _, err = io.Copy(f, r); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return d.root.Rename(tmp, p)
}

func (d *dirTarget) read(_ context.Context, p string, max int64) ([]byte, error) {
	return readfile.PrefixIn(d.root, filepath.FromSlash(p), p, max)
}

func (d *dirTarget) remove(_ context.Context, p string) error {
	if err := d.root.Remove(filepath.FromSlash(p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func (d *dirTarget) sweep(_ context.Context, listed []string) (int, error) {
	legacy := map[string]bool{}
	for _, p := range append(listed, ManifestName) {
		legacy[p] = true
	}
	var stale []string
	err := fs.WalkDir(d.root.FS(), ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable corner is not worth failing a publish
		}
		if e.IsDir() || !e.Type().IsRegular() {
			return nil
		}
		name := e.Name()
		if strings.HasPrefix(name, tempPrefix) {
			if info, err := e.Info(); err == nil && staleTemp(strings.TrimPrefix(name, tempPrefix), info.ModTime()) {
				stale = append(stale, p)
			}
			return nil
		}
		if base, ok := legacyTempOf(p); ok && legacy[base] && !legacy[p] {
			stale = append(stale, p)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	var errs []error
	n := 0
	for _, p := range stale {
		if err := d.root.Remove(filepath.FromSlash(p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

func (d *dirTarget) close() error { return d.root.Close() }

// staleTemp decides on a temporary named tempPrefix+rest:
// "<token>-<n>". A writer gone from this host is stale; one of another
// host is stale after tempMaxAge; a name that is not mlform's
// is left alone.
func staleTemp(rest string, mod time.Time) bool {
	i := strings.LastIndexByte(rest, '-')
	if i < 0 {
		return false
	}
	if _, err := strconv.Atoi(rest[i+1:]); err != nil {
		return false
	}
	tok, ok := procid.ParseToken(rest[:i])
	if !ok {
		return false
	}
	switch tok.Liveness() {
	case procid.Gone:
		return true
	case procid.Unknown:
		return time.Since(mod) > tempMaxAge
	}
	return false
}

// legacyTempOf reads "<p>.<hex>.tmp", the temporary name of gocloud's
// fileblob (which published to directories before), back to p.
func legacyTempOf(p string) (string, bool) {
	rest, ok := strings.CutSuffix(p, ".tmp")
	if !ok {
		return "", false
	}
	i := strings.LastIndexByte(rest, '.')
	if i <= 0 || i == len(rest)-1 || rest[i-1] == '/' || strings.Contains(rest[i:], "/") {
		return "", false
	}
	if _, err := strconv.ParseUint(rest[i+1:], 16, 64); err != nil {
		return "", false
	}
	return rest[:i], true
}

// bucketTarget publishes to a cloud (or mem) bucket: an upload becomes
// visible only once complete, so there is nothing partial to sweep.
type bucketTarget struct{ b *gblob.Bucket }

func (t *bucketTarget) put(ctx context.Context, p string, r io.Reader, contentType string) error {
	// Upload, not NewWriter: the azureblob writer panics on failed uploads.
	return t.b.Upload(ctx, p, r, &gblob.WriterOptions{ContentType: contentType})
}

func (t *bucketTarget) read(ctx context.Context, p string, max int64) ([]byte, error) {
	r, err := t.b.NewRangeReader(ctx, p, 0, max, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, fs.ErrNotExist
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func (t *bucketTarget) remove(ctx context.Context, p string) error {
	if err := t.b.Delete(ctx, p); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return err
	}
	return nil
}

func (t *bucketTarget) sweep(context.Context, []string) (int, error) { return 0, nil }

func (t *bucketTarget) close() error { return t.b.Close() }

// ReservedOutput says why a train output path (slash-separated, relative
// to MLFORM_OUTPUT_DIR) may not be used, or "" when it may: the names
// publish writes next to the artifacts would overwrite the publication's
// manifest or be swept as temporaries.
func ReservedOutput(p string) string {
	if p == ManifestName {
		return "mlform publishes its manifest under that name"
	}
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, tempPrefix) {
			return "names starting with " + tempPrefix + " are mlform's temporary files"
		}
	}
	return ""
}

// mlformPlace names what of mlform's own a publish target already holds
// at its top: a store (its config object) or a state backend (state.json),
// of this workspace or another ("" for neither). validate refuses a
// publish URL overlapping the workspace's own storage and backend urls;
// another workspace's are found only here, before anything is written:
// a published config or state.json replaced them, and nothing could read
// that store or state afterwards.
func mlformPlace(ctx context.Context, target publishTarget) string {
	if b, err := target.read(ctx, "config", maxPeek); err == nil && isStoreConfig(b) {
		return "an mlform store"
	}
	if b, err := target.read(ctx, "state.json", maxPeek); err == nil && looksLikeState(b) {
		return "an mlform state"
	}
	return ""
}

// isStoreConfig reports whether b is an mlform store's config object.
func isStoreConfig(b []byte) bool {
	var c struct {
		Format string `json:"format"`
	}
	return json.Unmarshal(b, &c) == nil && c.Format == storedoc.StoreFormat
}

// maxPeek is how much of a file mlformPlace reads: a store's config is a
// few hundred bytes, and a state document names its format_version and
// lineage first (a state of any size is known by its start).
const maxPeek = 64 << 10

// looksLikeState reports whether b, the start of a JSON document, is an
// mlform state's: an object whose top level has a format_version number
// and a lineage string before b ends.
func looksLikeState(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	var version, lineage bool
	for dec.More() && !(version && lineage) {
		key, err := dec.Token()
		if err != nil {
			return false
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return false // the start ends inside this value
		}
		switch key {
		case "format_version":
			_, version = v.(float64)
		case "lineage":
			s, ok := v.(string)
			lineage = ok && s != ""
		}
	}
	return version && lineage
}
