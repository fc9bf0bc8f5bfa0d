package testtree

import (
	"os"
	"path/filepath"
	"testing"
)

func TestTemp(t *testing.T) {
	files := map[string]string{"a.txt": "A", "sub/dir/b.txt": "B", "empty": ""}
	dir := Temp(t, files)
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	// Writing again into the same tree overwrites and adds.
	Write(t, dir, map[string]string{"a.txt": "A2", "c.txt": "C"})
	if got, _ := os.ReadFile(filepath.Join(dir, "a.txt")); string(got) != "A2" {
		t.Errorf("a.txt = %q after rewrite", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "c.txt")); err != nil {
		t.Error(err)
	}
}

// A content starting with "->" is a symbolic link to the rest, not a file.
func TestSymlink(t *testing.T) {
	dir := Temp(t, map[string]string{"sub/link": "->../target", "target": "T"})
	if got, err := os.Readlink(filepath.Join(dir, "sub", "link")); err != nil || got != "../target" {
		t.Fatalf("sub/link reads as %q, %v; want a link to ../target", got, err)
	}
}
