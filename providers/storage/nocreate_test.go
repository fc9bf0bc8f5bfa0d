package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlform/mlform/providers/storage/manifest"
)

// TestOpenNoCreate: a store opened with NoCreate that does not exist yet
// (a local directory that is missing, or one with no config) is neither
// created nor written: it hashes as the store would, reads as empty and
// refuses writes. An existing store opens as usual. With a shared store
// lock asked for (gc -check), the store that does not exist is not
// written either: it holds nothing to protect.
func TestOpenNoCreate(t *testing.T) {
	ctx := context.Background()
	data := testData(3, 3<<20)
	want := func() manifest.File {
		s, _ := newMemStore(t, Options{})
		f, err := s.HashFile(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}()
	tests := []struct {
		name  string
		setup func(dir string) // what exists before the open
		empty bool             // the store reads as one that does not exist
	}{
		{"no directory", func(string) {}, true},
		{"empty directory", func(dir string) { os.MkdirAll(dir, 0o755) }, true},
		{"existing store", func(dir string) {
			s, err := Open(ctx, "file://"+dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			putOneFile(t, s, manifest.KindSnapshot, "a", []byte("stored before"))
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			s.Close()
		}, false},
	}
	for _, tt := range tests {
		for _, locked := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/locked=%v", tt.name, locked), func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "ws", "store")
				tt.setup(dir)
				before := listTree(t, filepath.Dir(dir))
				opts := Options{NoCreate: true}
				if locked {
					opts.SharedLock = &LockOptions{Command: "gc -check"}
				}
				s, err := Open(ctx, "file://"+dir, opts)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				f, err := s.HashFile(bytes.NewReader(data))
				if err != nil || f.Hash != want.Hash || len(f.Chunks) != len(want.Chunks) {
					t.Fatalf("HashFile = %s (%d chunks), %v; want %s (%d chunks)", f.Hash, len(f.Chunks), err, want.Hash, len(want.Chunks))
				}
				_, err = s.PutFile(ctx, bytes.NewReader([]byte("new")))
				if err == nil {
					err = s.Flush(ctx)
				}
				if tt.empty && !errors.Is(err, ErrNoStore) {
					t.Errorf("a write to a store that does not exist: %v, want ErrNoStore", err)
				}
				if !tt.empty && err != nil {
					t.Errorf("a write to an existing store: %v", err)
				}
				if !tt.empty {
					return
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				if after := listTree(t, filepath.Dir(dir)); after != before {
					t.Errorf("NoCreate wrote to the workspace:\nbefore: %s\nafter:  %s", before, after)
				}
			})
		}
	}
}

// listTree names every path under root ("" when root does not exist).
func listTree(t *testing.T, root string) string {
	t.Helper()
	var out string
	err := filepath.WalkDir(root, func(p string, _ os.DirEntry, err error) error {
		if errors.Is(err, os.ErrNotExist) {
			return filepath.SkipAll
		}
		out += p + "\n"
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
