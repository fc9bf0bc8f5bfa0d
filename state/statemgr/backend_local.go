package statemgr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mlform/mlform/internal/readfile"
)

// localBackend keeps state objects as files in one directory. Writes go to
// a temporary file in the same directory, are fsynced, renamed over the
// target and the directory is fsynced, so a crash at any point leaves the
// old file or the new one, whole.
//
// Exclusive creation (the lock) is an OS-level exclusive create, not
// gocloud.dev fileblob's IfNotExist: fileblob checks for the file and then
// renames its temp file over it, so two processes can both pass the check
// and both "win". Here the complete lock file is written under a temporary
// name and hard-linked to its final name; link(2) fails with EEXIST when the
// name is taken, atomically, and the lock file is never seen half-written.
// On file systems without hard links it falls back to O_CREAT|O_EXCL.
type localBackend struct {
	dir string
}

// tempPrefix marks this package's temporary files; leftovers of a crashed
// process are removed by later writes once they are old.
const tempPrefix = ".mlform-tmp-"

// staleTemp is how old a temporary file must be before a write removes it;
// far longer than any write takes.
const staleTemp = time.Hour

// newLocalBackend uses dir, which is created by the first write: reading
// a workspace that has no state yet leaves no trace.
func newLocalBackend(dir string) (*localBackend, error) {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	return &localBackend{dir: dir}, nil
}

func (b *localBackend) path(name string) string { return filepath.Join(b.dir, name) }

func (b *localBackend) location(name string) string { return b.path(name) }

func (b *localBackend) close() error { return nil }

func (b *localBackend) get(ctx context.Context, name string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// readfile refuses a FIFO or device put in the state's place.
	f, err := readfile.Open(b.path(name), maxObjectSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNotExist
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	data, err := readBoundedSize(f, size)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", b.path(name), err)
	}
	return data, nil
}

// readBounded reads r whole, refusing more than maxObjectSize bytes.
func readBounded(r io.Reader) ([]byte, error) {
	return readBoundedSize(r, 0)
}

// readBoundedSize is readBounded for a reader expected to hold about size
// bytes: read into one buffer of that size, not one grown by copying (a
// state document is megabytes).
func readBoundedSize(r io.Reader, size int64) ([]byte, error) {
	buf := bytes.NewBuffer(make([]byte, 0, min(max(size, 0), maxObjectSize)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(r, maxObjectSize+1)); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if len(data) > maxObjectSize {
		return nil, fmt.Errorf("larger than %d bytes: not an mlform state object", maxObjectSize)
	}
	return data, nil
}

func (b *localBackend) put(ctx context.Context, name string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.removeStaleTemps()
	tmp, err := b.writeTemp(name, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, b.path(name)); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(b.dir)
}

func (b *localBackend) create(ctx context.Context, name string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tmp, err := b.writeTemp(name, data)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	err = os.Link(tmp, b.path(name))
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrExist):
		return errExists
	default:
		// No hard links here (some network and FUSE file systems):
		// exclusive create, then write.
		if err := createExclusive(b.path(name), data); err != nil {
			return err
		}
	}
	return syncDir(b.dir)
}

func createExclusive(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return errExists
	}
	if err != nil {
		return err
	}
	err = writeSync(f, data)
	if err != nil {
		os.Remove(path)
	}
	return err
}

// writeSync writes data to f, fsyncs and closes it, returning the first
// error: every file a state write creates is durable before it is named.
func writeSync(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (b *localBackend) remove(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := os.Remove(b.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return errNotExist
	}
	if err != nil {
		return err
	}
	return syncDir(b.dir)
}

// writeTemp writes data to a new fsynced temporary file next to name.
func (b *localBackend) writeTemp(name string, data []byte) (string, error) {
	f, err := os.CreateTemp(b.dir, tempPrefix+name+"-*")
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(b.dir, 0o755); err != nil {
			return "", fmt.Errorf("create state directory: %w", err)
		}
		// Make the new directory's own entry durable too.
		if err := syncDir(filepath.Dir(b.dir)); err != nil {
			return "", err
		}
		f, err = os.CreateTemp(b.dir, tempPrefix+name+"-*")
	}
	if err != nil {
		return "", err
	}
	if err := writeSync(f, data); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// removeStaleTemps deletes temporary files a killed process left behind.
// Best effort: a failure here must not fail the write.
func (b *localBackend) removeStaleTemps() {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleTemp {
			os.Remove(filepath.Join(b.dir, e.Name()))
		}
	}
}

// syncDir makes a rename or unlink in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func (b *localBackend) stat(ctx context.Context, name string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	fi, err := os.Lstat(b.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return "", errNotExist
	}
	if err != nil {
		return "", err
	}
	return fileToken(fi), nil
}

// appendSync appends data to an existing object and makes it durable
// (fsync) before returning. Only the journal is appended to: a crash
// mid-append leaves a last line cut short, which readers recognise and
// ignore (state/statejournal). It returns the object's stat token
// afterwards. A failed append (a full disk) is undone (appendUndoable):
// the token is then the object's as it was before, or "" when the undo
// failed too.
func (b *localBackend) appendSync(ctx context.Context, name string, data []byte) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	f, err := os.OpenFile(b.path(name), os.O_WRONLY|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return "", errNotExist
	}
	if err != nil {
		return "", err
	}
	var token string
	fi, err := f.Stat()
	if err == nil {
		token, err = appendUndoable(f, fi.Size(), data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return token, fmt.Errorf("append to %s: %w", b.path(name), err)
	}
	return token, nil
}

// appendFile is what appendUndoable needs of an *os.File opened for
// appending.
type appendFile interface {
	io.Writer
	Sync() error
	Truncate(size int64) error
	Stat() (os.FileInfo, error)
}

// appendUndoable writes data at the end of f, size bytes long, and syncs
// it, returning f's stat token. When that fails part way it cuts f back to
// size, so the journal holds no part of a line and the run can append
// again once the cause is gone (a full disk freed) instead of finding the
// journal changed under it; the token returned with the error is then
// f's as it is after the undo, "" when the undo failed too.
func appendUndoable(f appendFile, size int64, data []byte) (string, error) {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		if f.Truncate(size) == nil && f.Sync() == nil {
			if fi, serr := f.Stat(); serr == nil && fi.Size() == size {
				return fileToken(fi), err
			}
		}
		return "", err
	}
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	return fileToken(fi), nil
}
