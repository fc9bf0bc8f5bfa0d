//go:build unix

package readfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	big := filepath.Join(dir, "big")
	fifo := filepath.Join(dir, "fifo")
	os.WriteFile(small, []byte("hello"), 0o644)
	os.WriteFile(big, make([]byte, 2048), 0o644)
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		max     int64
		want    string
		is      error
		message string
	}{
		{"regular", small, 10, "hello", nil, ""},
		{"exact cap", small, 5, "hello", nil, ""},
		{"over cap", big, 1024, "", ErrTooLarge, "big is larger than the 1 KiB limit"},
		{"fifo does not block", fifo, 1024, "", ErrNotRegular, "fifo is a named pipe (FIFO), not a regular file"},
		{"directory", dir, 1024, "", ErrNotRegular, "is a directory, not a regular file"},
		{"device", "/dev/zero", 1 << 20, "", ErrNotRegular, "/dev/zero is a character device, not a regular file"},
		{"missing", filepath.Join(dir, "nope"), 10, "", fs.ErrNotExist, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(tt.path, tt.max)
			if tt.is == nil {
				if err != nil || string(got) != tt.want {
					t.Fatalf("Read = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("Read error = %v; want %v containing %q", err, tt.is, tt.message)
			}
		})
	}
}

// A file that grew past the cap after it was opened is refused.
func TestReadOpenStopsAtCap(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte("abc"), 0o644)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	os.WriteFile(p, []byte("abcdefgh"), 0o644)
	if _, err := ReadOpen(f, "f", 4); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestReadIn(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a"), []byte("x"), 0o644)
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if got, err := ReadIn(root, "a", "a", 10); err != nil || string(got) != "x" {
		t.Fatalf("ReadIn = %q, %v", got, err)
	}
	if _, err := ReadIn(root, "../a", "../a", 10); err == nil {
		t.Fatal("ReadIn escaped its root")
	}
}

func TestPrefixIn(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "long"), []byte("0123456789"), 0o644)
	os.WriteFile(filepath.Join(dir, "short"), []byte("ab"), 0o644)
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	cases := []struct {
		name    string
		want    string
		wantErr error
		escapes bool // any error will do: the name leaves the root
	}{
		{name: "long", want: "0123"},
		{name: "short", want: "ab"},
		{name: "fifo", wantErr: ErrNotRegular},
		{name: "missing", wantErr: fs.ErrNotExist},
		{name: "../long", escapes: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PrefixIn(root, tc.name, tc.name, 4)
			switch {
			case tc.escapes:
				if err == nil {
					t.Fatalf("PrefixIn escaped its root: %q", got)
				}
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("PrefixIn = %q, %v; want %v", got, err, tc.wantErr)
				}
			case err != nil || string(got) != tc.want:
				t.Fatalf("PrefixIn = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
