package step

import (
	"context"
	"crypto/rand"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlform/mlform/planner/codehash"
	"github.com/mlform/mlform/providers/storage"
)

// TestArchiveCodeDeduplicates: a code archive is stored like a snapshot,
// so archiving a tree again stores no new data, and a tree where one
// small file changed stores about that file, not the unchanged large one.
func TestArchiveCodeDeduplicates(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := storage.Open(ctx, "file://"+filepath.ToSlash(dir), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ws := t.TempDir()
	big := make([]byte, 2<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, "weights.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	globs := []string{"*.bin", "*.sh"}
	archive := func(train string) string {
		t.Helper()
		if err := os.WriteFile(filepath.Join(ws, "train.sh"), []byte(train), 0o755); err != nil {
			t.Fatal(err)
		}
		hash, _, err := codehash.CodeHashCached(ws, globs, nil)
		if err != nil {
			t.Fatal(err)
		}
		id, err := ArchiveCode(ctx, store, ws, globs, hash)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	first := archive("echo one\n")
	size0 := dataBytes(t, dir)
	if size0 < int64(len(big)) {
		t.Fatalf("the store's packs hold %d bytes after the first archive, less than the %d-byte file", size0, len(big))
	}
	if again := archive("echo one\n"); again != first || dataBytes(t, dir) != size0 {
		t.Errorf("archiving the same tree again: id %s (was %s), data %d bytes (was %d): want the same, nothing stored", again, first, dataBytes(t, dir), size0)
	}
	if second := archive("echo two\n"); second == first {
		t.Error("a changed file kept the archive's id")
	}
	if grew := dataBytes(t, dir) - size0; grew <= 0 || grew > 64<<10 {
		t.Errorf("one small file changed: the data grew by %d bytes, want only that file's chunk and a pack trailer", grew)
	}
	m, err := store.GetManifest(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 2 || m.Kind != kindCode {
		t.Errorf("manifest %+v: want the 2 files as a %q manifest", m, kindCode)
	}
}

// dataBytes is the size of the store's packs (data/).
func dataBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(filepath.Join(dir, "data"), func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
