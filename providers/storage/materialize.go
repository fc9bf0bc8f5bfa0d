package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/sync/errgroup"
)

// Materialize writes every file of manifest id under dir, creating
// directories as needed. Paths come from the manifest and are untrusted:
// they are validated, and no directory on the way may be a symlink or a
// non-directory, so nothing is written outside dir. Each file is written to
// a temporary name, verified while written, and renamed into place only when
// its content checked out; the exec bit follows Mode. Files already in dir
// that the manifest does not list are left alone.
func (s *Store) Materialize(ctx context.Context, id, dir string) error {
	m, err := s.GetManifest(ctx, id)
	if err != nil {
		return err
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("materialize %s: %w", id, err)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("materialize %s: %w", id, err)
	}
	g, gctx := errgroup.WithContext(ctx)
	// Writing small files is dominated by file system calls, not by the
	// bucket: more of them in flight than readers.
	g.SetLimit(2 * s.workers)
	for _, f := range m.Files {
		g.Go(func() error {
			if err := s.materializeFile(gctx, root, f); err != nil {
				return fmt.Errorf("materialize %s: %w", id, err)
			}
			return nil
		})
	}
	return g.Wait()
}

func (s *Store) materializeFile(ctx context.Context, root string, f File) error {
	if err := ValidatePath(f.Path); err != nil {
		return err
	}
	parent, err := ensureDirs(root, path.Dir(f.Path))
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	target := filepath.Join(parent, path.Base(f.Path))
	if fi, err := os.Lstat(target); err == nil && fi.IsDir() {
		return fmt.Errorf("%s: a directory is in the way", f.Path)
	}
	tmp, err := os.CreateTemp(parent, ".mlform-tmp-*")
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	rc, err := s.OpenFile(ctx, f)
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := io.Copy(tmp, rc); err != nil {
		return err
	}
	perm := os.FileMode(0o644)
	if f.Mode&0o111 != 0 {
		perm = 0o755
	}
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	ok = true
	return nil
}

// ensureDirs creates the directories of rel (a validated slash path, "."
// for root itself) under root one element at a time, refusing any element
// that exists as a symlink or a non-directory. It returns the OS path.
func ensureDirs(root, rel string) (string, error) {
	cur := root
	if rel == "." {
		return cur, nil
	}
	for _, el := range strings.Split(rel, "/") {
		cur = filepath.Join(cur, el)
		fi, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			if err := os.Mkdir(cur, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
				return "", err
			}
			fi, err = os.Lstat(cur)
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return "", fmt.Errorf("%s is a symlink; refusing to write through it", cur)
		}
		if !fi.IsDir() {
			return "", fmt.Errorf("%s is in the way: not a directory", cur)
		}
	}
	return cur, nil
}
