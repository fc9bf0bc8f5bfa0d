package storage

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"

	"gocloud.dev/blob/fileblob"

	"github.com/mlform/mlform/internal/wanttext"
)

// failWriter accepts limit bytes, then fails: a disk filling up.
type failWriter struct{ limit int }

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.limit {
		n := w.limit
		w.limit = 0
		return n, errors.New("no space left on device")
	}
	w.limit -= len(p)
	return len(p), nil
}

// TestAbortReaderCancels checks that a failure on either side of the copy
// cancels the upload, so the driver does not commit a short object.
func TestAbortReaderCancels(t *testing.T) {
	data := bytes.Repeat([]byte("pack"), 1<<17) // several pieces of a pack
	tests := []struct {
		name      string
		r         io.Reader
		w         io.Writer
		wantAbort bool
	}{
		{"buffered, complete", bytes.NewReader(data), new(bytes.Buffer), false},
		{"pack, complete", &pieces{b: data}, new(bytes.Buffer), false},
		{"pack, write fails", &pieces{b: data}, &failWriter{limit: pieceSize + 100}, true},
		{"buffered, write fails", bytes.NewReader(data), &failWriter{limit: 100}, true},
		{"streamed, complete", iotest.HalfReader(bytes.NewReader(data)), io.Discard, false},
		{"streamed, write fails", iotest.HalfReader(bytes.NewReader(data)), &failWriter{limit: 100}, true},
		{"streamed, read fails", io.MultiReader(bytes.NewReader(data[:10]), iotest.ErrReader(errors.New("disk read error"))), io.Discard, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			aborted := false
			n, err := io.Copy(tt.w, abortReader{r: tt.r, abort: func() { aborted = true }})
			if aborted != tt.wantAbort {
				t.Errorf("aborted = %v (copied %d, %v), want %v", aborted, n, err, tt.wantAbort)
			}
			if !tt.wantAbort && (err != nil || n != int64(len(data))) {
				t.Errorf("copied %d, %v; want %d bytes", n, err, len(data))
			}
			if got, ok := tt.w.(*bytes.Buffer); ok && !bytes.Equal(got.Bytes(), data) {
				t.Errorf("wrote %d bytes that differ from the %d read", got.Len(), len(data))
			}
		})
	}
}

// TestPutFailedSourceCommitsNothing checks, on a real fileblob bucket, that
// an object whose source fails midway is never published.
func TestPutFailedSourceCommitsNothing(t *testing.T) {
	b, err := fileblob.OpenBucket(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	o := bucketObjects{b: b, owned: true}
	defer o.Close()
	ctx := context.Background()
	r := io.MultiReader(strings.NewReader("half a pack"), iotest.ErrReader(errors.New("source vanished")))
	if err := o.Put(ctx, "data/ab/abc", r, false); err == nil {
		t.Fatal("Put succeeded with a failing source")
	}
	if _, err := o.Get(ctx, "data/ab/abc"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a short object was published: Get = %v", err)
	}
	if err := o.Put(ctx, "data/ab/abd", bytes.NewReader([]byte("whole")), false); err != nil {
		t.Fatal(err)
	}
	if got, err := o.Get(ctx, "data/ab/abd"); err != nil || string(got) != "whole" {
		t.Fatalf("Get = %q, %v", got, err)
	}
}

// TestClassify: a bucket's error keeps its key and its cause; a full disk
// also says what frees space (packs a failed run left stay until gc).
func TestClassify(t *testing.T) {
	full := &os.PathError{Op: "write", Path: "/s/data/ab/ab.tmp", Err: syscall.ENOSPC}
	tests := []struct {
		name    string
		err     error
		is      error
		want    []string
		notWant []string
	}{
		{"nil", nil, nil, nil, nil},
		{"disk full", full, syscall.ENOSPC, []string{"data/ab", "no space left on device", "disk is full", "mlform gc"}, nil},
		{"other", errors.New("connection reset"), nil, []string{"data/ab", "connection reset"}, []string{"mlform gc"}},
	}
	for _, tt := range tests {
		err := classify("data/ab", tt.err)
		if (err == nil) != (tt.err == nil) {
			t.Fatalf("%s: classify = %v", tt.name, err)
		}
		if err == nil {
			continue
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%s: %v does not wrap %v", tt.name, err, tt.is)
		}
		wanttext.Check(t, err.Error(), tt.want, tt.notWant)
	}
}
