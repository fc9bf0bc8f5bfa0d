//go:build linux

package source

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLocalOpenKinds pins what Open does with each kind of entry, on the
// openat2 fast path and on its os.Root fallback alike: regular files
// (also through a symlinked directory inside the root) open; a final
// symlink, a directory and a FIFO are refused, and a FIFO without a writer
// must not block.
func TestLocalOpenKinds(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "sub", "f"), "inner")
	write(t, filepath.Join(dir, "top"), "top!")
	must(t, os.Symlink("top", filepath.Join(dir, "link")))
	must(t, os.Symlink("sub", filepath.Join(dir, "subdir-link")))
	must(t, syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644))

	tests := []struct {
		path, want, wantErr string
	}{
		{path: "top", want: "top!"},
		{path: "sub/f", want: "inner"},
		{path: "subdir-link/f", want: "inner"},
		{path: "link", wantErr: "not a regular file"},
		{path: "sub", wantErr: "not a regular file"},
		{path: "fifo", wantErr: "not a regular file"},
		{path: "missing", wantErr: "no such file"},
	}
	for _, fast := range []bool{true, false} {
		s := openSource(t, dir, "")
		if !fast {
			s.(*local).fast.off.Store(true)
		}
		for _, tt := range tests {
			done := make(chan struct{})
			go func() {
				defer close(done)
				rc, err := s.Open(context.Background(), tt.path)
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Errorf("fast=%v Open(%q) error = %v, want %q", fast, tt.path, err, tt.wantErr)
					}
					if err == nil {
						rc.Close()
					}
					return
				}
				if err != nil {
					t.Errorf("fast=%v Open(%q): %v", fast, tt.path, err)
					return
				}
				defer rc.Close()
				b, err := io.ReadAll(rc)
				if err != nil || string(b) != tt.want {
					t.Errorf("fast=%v Open(%q) read %q, %v; want %q", fast, tt.path, b, err, tt.want)
				}
				sz, ok := rc.(interface{ Size() int64 })
				if ok && sz.Size() != int64(len(tt.want)) {
					t.Errorf("fast=%v Open(%q) reports size %d, want %d", fast, tt.path, sz.Size(), len(tt.want))
				}
				if fast && !ok && !strings.Contains(tt.path, "link") {
					t.Errorf("Open(%q) did not take the fast path", tt.path)
				}
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("fast=%v Open(%q) blocked", fast, tt.path)
			}
		}
	}
}

// TestFdFileClose checks a closed file reports it rather than closing a
// descriptor number that may since have been reused.
func TestFdFileClose(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "f"), "x")
	s := openSource(t, dir, "")
	rc, err := s.Open(context.Background(), "f")
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rc.Close(); err == nil {
		t.Error("second Close succeeded")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestOpenStatSeesWrites: on both open paths, the stat data taken at open
// and the stat data after a same-size rewrite of the open file differ, and
// without a write they agree (the observer re-reads on a difference).
func TestOpenStatSeesWrites(t *testing.T) {
	for _, fast := range []bool{true, false} {
		dir := t.TempDir()
		p := filepath.Join(dir, "f")
		write(t, p, "aaaa")
		s := openSource(t, dir, "")
		if !fast {
			s.(*local).fast.off.Store(true)
		}
		rc, err := s.Open(context.Background(), "f")
		must(t, err)
		before, ok := StatAtOpen(rc)
		now, ok2 := OpenStat(rc)
		if !ok || !ok2 || !SameContentStat(before, now) || before.Size != 4 || before.Inode == 0 {
			t.Fatalf("fast=%v: stat at open %+v (%v), now %+v (%v)", fast, before, ok, now, ok2)
		}
		// Rewrite until the file system's timestamps show it.
		for SameContentStat(before, now) {
			must(t, os.WriteFile(p, []byte("bbbb"), 0o644))
			now, _ = OpenStat(rc)
		}
		if now.Size != 4 {
			t.Errorf("fast=%v: size after rewrite %d", fast, now.Size)
		}
		rc.Close()
	}
	if _, ok := OpenStat(strings.NewReader("x")); ok {
		t.Error("OpenStat of a non-file reader reported stat data")
	}
}
