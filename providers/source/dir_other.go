//go:build !linux

package source

import (
	"io/fs"
	"os"
	"path/filepath"
)

// dirHandle is an open directory. This portable fallback resolves paths
// from the directory's name and uses Lstat, so symlinks are still never
// followed; it lacks the Linux version's descriptor-relative lookups and
// inode/ctime fields (the stat cache then relies on size and mtime).
type dirHandle struct {
	f    *os.File
	path string
}

func openRootDir(dir string) (dirHandle, error) {
	f, err := os.Open(dir)
	if err != nil {
		return dirHandle{}, err
	}
	return dirHandle{f: f, path: dir}, nil
}

func (d dirHandle) Close() error { return d.f.Close() }

func (d dirHandle) ReadDir() ([]dirName, error) {
	des, err := d.f.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	out := make([]dirName, len(des))
	for i, de := range des {
		out[i] = dirName{Name: de.Name(), Dir: de.Type().IsDir()}
	}
	return out, nil
}

func (d dirHandle) OpenDir(name string) (dirHandle, error) {
	p := filepath.Join(d.path, name)
	fi, err := os.Lstat(p)
	if err != nil {
		return dirHandle{}, err
	}
	if !fi.IsDir() {
		return dirHandle{}, &os.PathError{Op: "open", Path: p, Err: os.ErrInvalid}
	}
	return openRootDir(p)
}

func (d dirHandle) Stat(name string) (Entry, error) { return lstatEntry(d.path, name) }

func lstatEntry(dir, name string) (Entry, error) {
	fi, err := os.Lstat(filepath.Join(dir, name))
	if err != nil {
		return Entry{}, err
	}
	return entryFromInfo(fi), nil
}

// fstatEntry is the Entry of an open file.
func fstatEntry(f *os.File) (Entry, error) {
	fi, err := f.Stat()
	if err != nil {
		return Entry{}, err
	}
	return entryFromInfo(fi), nil
}

// entryFromInfo is the Entry of what os.Lstat or File.Stat returned: no
// inode or ctime here (the Linux version's entryFromStat has them).
func entryFromInfo(fi fs.FileInfo) Entry {
	return Entry{Size: fi.Size(), MtimeNs: fi.ModTime().UnixNano(), Mode: fi.Mode()}
}
