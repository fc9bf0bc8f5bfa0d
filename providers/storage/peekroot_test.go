package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlform/mlform/providers/storage/storedoc"
)

// TestPeekRoot: a root is read without opening the store, a store that
// does not exist is not created, and a name that could leave roots/ is
// refused before any read.
func TestPeekRoot(t *testing.T) {
	ctx := context.Background()
	const lineage = "0b6f8a52-1111-4222-8333-944445555666"
	name := storedoc.WorkspaceRootName(lineage, "file:///state", "default")
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string)
		peek    string // the root name asked for
		serial  uint64 // the serial read (0: an error is expected)
		created bool   // the directory exists afterwards
	}{
		{"no directory", func(*testing.T, string) {}, name, 0, false},
		{"store without the root", func(t *testing.T, dir string) {
			s, err := Open(ctx, "file://"+dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
		}, name, 0, true},
		{"root written", func(t *testing.T, dir string) {
			s, err := Open(ctx, "file://"+dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.PutWorkspaceRoot(ctx, &Root{Lineage: lineage, Backend: "file:///state", Serial: 9, IDs: []string{}}, "default"); err != nil {
				t.Fatal(err)
			}
		}, name, 9, true},
		{"name escaping roots/", func(t *testing.T, dir string) { os.MkdirAll(dir, 0o755) }, "../config", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			tt.setup(t, dir)
			r, err := PeekRoot(ctx, "file://store", filepath.Dir(dir), tt.peek)
			switch {
			case tt.serial == 0 && err == nil:
				t.Fatalf("read root %+v, want an error", r)
			case tt.serial != 0 && err != nil:
				t.Fatal(err)
			case tt.serial != 0 && r.Serial != tt.serial:
				t.Fatalf("serial %d, want %d", r.Serial, tt.serial)
			}
			if tt.name == "no directory" && !errors.Is(err, ErrNotFound) {
				t.Errorf("error %v, want ErrNotFound", err)
			}
			if _, serr := os.Stat(dir); (serr == nil) != tt.created {
				t.Errorf("directory exists = %v, want %v", serr == nil, tt.created)
			}
		})
	}
}
