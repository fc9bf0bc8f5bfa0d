//go:build unix

package format

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPathsSpecialFiles: fmt DIR reports a file with a formattable name
// that it cannot format (a dangling symlink, a FIFO) as an error naming
// it, as validate does, instead of skipping it silently; it never blocks
// on the FIFO. A symlink to a directory is skipped, as a directory is.
func TestPathsSpecialFiles(t *testing.T) {
	tests := []struct {
		name    string
		make    func(t *testing.T, p string)
		wantErr string // "" : no error
	}{
		{"dangling symlink", func(t *testing.T, p string) {
			if err := os.Symlink("gone.mlf.hcl", p); err != nil {
				t.Fatal(err)
			}
		}, "x.mlf.hcl: it is a symbolic link to gone.mlf.hcl, which does not exist"},
		{"fifo", func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
		}, "x.mlf.hcl is a named pipe"},
		{"fifo variables file", func(t *testing.T, p string) {
			if err := syscall.Mkfifo(strings.TrimSuffix(p, ".mlf.hcl")+".mlfvars", 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
		}, "x.mlfvars is a named pipe"},
		{"symlink to a directory", func(t *testing.T, p string) {
			if err := os.Mkdir(filepath.Join(filepath.Dir(p), "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("sub", p); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"symlink to a file", func(t *testing.T, p string) {
			if err := os.WriteFile(filepath.Join(filepath.Dir(p), "shared.hcl"), []byte("a=1\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("shared.hcl", p); err != nil {
				t.Fatal(err)
			}
		}, ""},
	}
	for _, tt := range tests {
		for _, recursive := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/recursive=%v", tt.name, recursive), func(t *testing.T) {
				dir := t.TempDir()
				if err := os.WriteFile(filepath.Join(dir, "main.mlf.hcl"), []byte("a = 1\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				tt.make(t, filepath.Join(dir, "x.mlf.hcl"))
				type result struct {
					res *Result
					err error
				}
				done := make(chan result, 1)
				go func() {
					res, err := Paths([]string{dir}, Options{List: true, Write: true, Recursive: recursive}, nil, &bytes.Buffer{})
					done <- result{res, err}
				}()
				var r result
				select {
				case r = <-done:
				case <-time.After(30 * time.Second):
					t.Fatal("fmt blocked")
				}
				switch {
				case tt.wantErr == "" && r.err != nil:
					t.Errorf("error %v, want none", r.err)
				case tt.wantErr != "" && (r.err == nil || !strings.Contains(r.err.Error(), tt.wantErr)):
					t.Errorf("error %v, want one containing %q", r.err, tt.wantErr)
				case tt.wantErr != "" && !strings.Contains(r.err.Error(), dir):
					t.Errorf("error %v does not name the file's path", r.err)
				}
			})
		}
	}
}
