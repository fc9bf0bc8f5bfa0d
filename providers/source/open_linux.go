//go:build linux

package source

import (
	"io"
	"io/fs"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// fastOpener opens data files with one openat2 call relative to the
// source's root descriptor. RESOLVE_BENEATH and RESOLVE_NO_SYMLINKS make
// the kernel refuse any path that would leave the root or pass through a
// symlink, so it needs neither os.Root's per-component walk nor a separate
// Lstat: opening a small file costs openat2, fstat, read and close. That
// is most of the syscall time of snapshotting many small files.
//
// It is only a fast path: on any failure (an old kernel without openat2, a
// symlinked directory inside the root, a missing file) the caller falls
// back to os.Root, which gives the usual error or the usual result.
type fastOpener struct {
	fd  int
	off atomic.Bool // openat2 is unavailable here
}

func newFastOpener(dir string) *fastOpener {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	return &fastOpener{fd: fd}
}

func (o *fastOpener) close() {
	if o != nil {
		_ = unix.Close(o.fd)
	}
}

// open returns the regular file at name (a validated, OS-separated path
// below the root), or nil when the caller should take the portable path.
func (o *fastOpener) open(name string) io.ReadCloser {
	if o == nil || o.off.Load() {
		return nil
	}
	how := unix.OpenHow{
		// O_NONBLOCK: opening a FIFO must not wait for a writer; it is
		// refused below as not a regular file.
		Flags:   unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_NOCTTY,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}
	var (
		fd  int
		err error
	)
	for {
		fd, err = unix.Openat2(o.fd, name, &how)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		if err == unix.ENOSYS || err == unix.EPERM {
			o.off.Store(true) // no openat2 (old kernel, or a seccomp filter)
		}
		return nil
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		_ = unix.Close(fd)
		return nil
	}
	return &fdFile{fd: fd, name: name, size: st.Size, opened: entryFromStat(&st)}
}

// fdFile reads a regular file straight from its descriptor: regular files
// are never polled, so os.File's bookkeeping would only add cost.
type fdFile struct {
	fd     int
	name   string
	size   int64
	opened Entry // fstat at open
}

func (f *fdFile) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if len(p) > 1<<30 {
		p = p[:1<<30] // as os.File: one read syscall never asks for more
	}
	for {
		n, err := unix.Read(f.fd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, &fs.PathError{Op: "read", Path: f.name, Err: err}
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// StatAtOpen is the fstat taken when the file was opened (see OpenStat).
func (f *fdFile) StatAtOpen() Entry { return f.opened }

// StatNow is fstat of the open file (see OpenStat).
func (f *fdFile) StatNow() (Entry, error) {
	var st unix.Stat_t
	if err := unix.Fstat(f.fd, &st); err != nil {
		return Entry{}, &fs.PathError{Op: "fstat", Path: f.name, Err: err}
	}
	return entryFromStat(&st), nil
}

// Size is the file's size when it was opened; the store uses it to pick
// buffer sizes, never to decide what to read.
func (f *fdFile) Size() int64 { return f.size }

func (f *fdFile) Close() error {
	if f.fd < 0 {
		return fs.ErrClosed
	}
	err := unix.Close(f.fd)
	f.fd = -1
	if err != nil {
		return &fs.PathError{Op: "close", Path: f.name, Err: err}
	}
	return nil
}
