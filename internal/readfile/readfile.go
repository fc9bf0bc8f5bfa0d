// Package readfile is the one way mlform reads a whole file it was pointed
// at (configurations, variable files, plan files, state, locks, the stat
// cache, metrics.json, manifests): the file must be a regular file and no
// larger than a cap the caller chooses. A FIFO is opened without blocking
// and refused, a device (/dev/zero) is refused before a byte is read, and a
// file that grows past the cap while being read is refused too, so no input
// can hang mlform or exhaust its memory.
package readfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is wrapped by the error for a FIFO, device, socket or
// directory.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by the error for a file over the caller's cap.
var ErrTooLarge = errors.New("file too large")

// Error says which file could not be read and why; errors.Is sees
// ErrNotRegular, ErrTooLarge or the underlying *fs.PathError cause.
type Error struct {
	Path    string
	Problem string      // "is a named pipe (FIFO), not a regular file"
	Mode    fs.FileMode // the file's type, when it is not a regular file
	Err     error
}

func (e *Error) Error() string { return e.Path + " " + e.Problem }

func (e *Error) Unwrap() error { return e.Err }

// Read returns the contents of the file at name, refusing anything but a
// regular file of at most max bytes. A missing file's error satisfies
// errors.Is(err, fs.ErrNotExist).
func Read(name string, max int64) ([]byte, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadOpen(f, name, max)
}

// ReadIn is Read for a name inside root (os.Root keeps it from escaping);
// display is how errors name the file.
func ReadIn(root *os.Root, name, display string, max int64) ([]byte, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadOpen(f, display, max)
}

// PrefixIn reads at most the first n bytes of a regular file inside root
// (a FIFO or device is an error, not waited on), for a caller that needs
// only the start of a file of any size: what kind of document it is.
func PrefixIn(root *os.Root, name, display string, n int64) ([]byte, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readChecked(f, display, 0, n)
}

// ReadOpen reads an already open file (opened with Open, so a FIFO did not
// block), naming it display in errors.
func ReadOpen(f *os.File, display string, max int64) ([]byte, error) {
	data, err := readChecked(f, display, max, max+1)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, tooLarge(display, max)
	}
	return data, nil
}

// readChecked reads at most n bytes of f once Check(display, its
// FileInfo, max) passes: ReadOpen's and PrefixIn's shared steps.
func readChecked(f *os.File, display string, max, n int64) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := Check(display, fi, max); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, n))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", display, err)
	}
	return data, nil
}

// Open opens name for reading without blocking on a FIFO and checks that
// it is a regular file of at most max bytes, for callers that stream it.
func Open(name string, max int64) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = Check(name, fi, max)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Check returns the error Read gives for a file with this FileInfo, or
// nil when it is a regular file within max bytes (max <= 0: any size).
func Check(display string, fi fs.FileInfo, max int64) error {
	if !fi.Mode().IsRegular() {
		return &Error{Path: display, Problem: "is " + Kind(fi.Mode()) + ", not a regular file", Mode: fi.Mode().Type(), Err: ErrNotRegular}
	}
	if max > 0 && fi.Size() > max {
		return tooLarge(display, max)
	}
	return nil
}

func tooLarge(display string, max int64) error {
	return &Error{Path: display, Problem: fmt.Sprintf("is larger than the %s limit", size(max)), Err: ErrTooLarge}
}

// Kind names a non-regular file type for messages ("a named pipe (FIFO)").
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	default:
		return "a special file"
	}
}

// size prints a cap in the largest whole unit.
func size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
