package slurm

import (
	"bytes"
	"errors"
	"io"
	"os"
)

// maxLine is the longest piece of a line written at once: a longer line
// takes several Writes, as with the local executor.
const maxLine = 64 << 10

// tailer follows a job's output file as Slurm appends to it and writes
// each whole line to w in one Write.
type tailer struct {
	path string
	w    io.Writer
	f    *os.File
	off  int64
	buf  []byte
	rd   []byte
}

func newTailer(path string, w io.Writer) *tailer {
	return &tailer{path: path, w: w, rd: make([]byte, 256<<10)}
}

// poll reads what was appended since the last call and writes the whole
// lines in it. It reports whether anything was read. A file that does not
// exist yet (the job has not started) is not an error.
func (t *tailer) poll() (bool, error) {
	if t.path == "" || t.path == "/dev/null" {
		return false, nil
	}
	if t.f == nil {
		f, err := os.Open(t.path)
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		t.f = f
	}
	read := false
	for {
		n, err := t.f.ReadAt(t.rd, t.off)
		if n > 0 {
			read = true
			t.off += int64(n)
			t.buf = append(t.buf, t.rd[:n]...)
			t.emit()
		}
		if err == io.EOF || n == 0 {
			return read, nil
		}
		if err != nil {
			return read, err
		}
	}
}

// emit writes every complete line in buf, and the head of a line longer
// than maxLine.
func (t *tailer) emit() {
	for {
		i := bytes.IndexByte(t.buf, '\n')
		if i < 0 {
			for len(t.buf) >= maxLine {
				t.write(t.buf[:maxLine])
				t.buf = t.buf[maxLine:]
			}
			return
		}
		line := t.buf[:i+1]
		for len(line) > maxLine {
			t.write(line[:maxLine])
			line = line[maxLine:]
		}
		t.write(line)
		t.buf = t.buf[i+1:]
	}
}

func (t *tailer) write(p []byte) {
	if t.w != nil {
		// The step's outcome does not depend on its log reader: a failing
		// writer loses output, as with the local executor.
		_, _ = t.w.Write(p)
	}
}

// finish reads the rest of the file, writes a final line without a newline
// with one, and closes the file.
func (t *tailer) finish() error {
	_, err := t.poll()
	if len(t.buf) > 0 {
		t.write(append(t.buf, '\n'))
		t.buf = nil
	}
	if t.f != nil {
		if cerr := t.f.Close(); err == nil {
			err = cerr
		}
		t.f = nil
	}
	return err
}
