//go:build linux

package source

import (
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// dirHandle is an open directory; every lookup through it is relative to
// the descriptor (openat/fstatat with NOFOLLOW), so a walk cannot be led
// outside its root by a symlink or a rename, and no path is re-resolved
// from the root for each file.
type dirHandle struct {
	f  *os.File
	fd int
}

func openRootDir(dir string) (dirHandle, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return dirHandle{}, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	return dirHandle{f: os.NewFile(uintptr(fd), dir), fd: fd}, nil
}

func (d dirHandle) Close() error { return d.f.Close() }

func (d dirHandle) ReadDir() ([]dirName, error) {
	// Names only: every entry is fstatat-ed anyway, so the types ReadDir
	// would decode (and allocate) are not needed.
	names, err := d.f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	out := make([]dirName, len(names))
	for i, n := range names {
		out[i] = dirName{Name: n}
	}
	return out, nil
}

func (d dirHandle) OpenDir(name string) (dirHandle, error) {
	fd, err := unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return dirHandle{}, &fs.PathError{Op: "openat", Path: name, Err: err}
	}
	return dirHandle{f: os.NewFile(uintptr(fd), name), fd: fd}, nil
}

func (d dirHandle) Stat(name string) (Entry, error) {
	var st unix.Stat_t
	for {
		err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return Entry{}, &fs.PathError{Op: "fstatat", Path: name, Err: err}
		}
		return entryFromStat(&st), nil
	}
}

// lstatEntry stats dir/name without following a final symlink.
func lstatEntry(dir, name string) (Entry, error) {
	var st unix.Stat_t
	p := filepath.Join(dir, name)
	if err := unix.Lstat(p, &st); err != nil {
		return Entry{}, &fs.PathError{Op: "lstat", Path: p, Err: err}
	}
	return entryFromStat(&st), nil
}

func entryFromStat(st *unix.Stat_t) Entry {
	return Entry{
		Size:    st.Size,
		MtimeNs: st.Mtim.Nano(),
		CtimeNs: st.Ctim.Nano(),
		Mode:    fileMode(st.Mode),
		Inode:   st.Ino,
		Dev:     st.Dev,
	}
}

// fileMode converts st_mode to an fs.FileMode the way package os does.
func fileMode(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch m & unix.S_IFMT {
	case unix.S_IFBLK:
		mode |= fs.ModeDevice
	case unix.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFSOCK:
		mode |= fs.ModeSocket
	}
	if m&unix.S_ISGID != 0 {
		mode |= fs.ModeSetgid
	}
	if m&unix.S_ISUID != 0 {
		mode |= fs.ModeSetuid
	}
	if m&unix.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}

// fstatEntry is the Entry of an open file, from fstat of its descriptor
// (through SyscallConn, so the file keeps its mode).
func fstatEntry(f *os.File) (Entry, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return Entry{}, err
	}
	var st unix.Stat_t
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.Fstat(int(fd), &st) }); err != nil {
		return Entry{}, err
	}
	if serr != nil {
		return Entry{}, &fs.PathError{Op: "fstat", Path: f.Name(), Err: serr}
	}
	return entryFromStat(&st), nil
}
