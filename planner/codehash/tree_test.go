package codehash

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlform/mlform/internal/testtree"
)

// TestCodeTreeListing: the listing names each file with a key that
// changes with its content or executable bit, hashes the same as
// CodeHashCached, and is left out for trees over MaxTreeFiles.
func TestCodeTreeListing(t *testing.T) {
	base := map[string]string{"t/train.py": "print(1)\n", "t/util.py": "x = 1\n"}
	tests := []struct {
		name    string
		change  func(dir string)
		changed []string
	}{
		{"unchanged", func(string) {}, nil},
		{"content", func(d string) { os.WriteFile(filepath.Join(d, "t/util.py"), []byte("x = 2\n"), 0o644) }, []string{"t/util.py"}},
		{"executable bit", func(d string) { os.Chmod(filepath.Join(d, "t/train.py"), 0o755) }, []string{"t/train.py"}},
		{"other permission bits", func(d string) { os.Chmod(filepath.Join(d, "t/train.py"), 0o600) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := testtree.Temp(t, base), testtree.Temp(t, base)
			tt.change(b)
			ha, ta, na, err := CodeTreeCached(a, []string{"t/**"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			hb, tb, _, err := CodeTreeCached(b, []string{"t/**"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if h, n, _ := CodeHashCached(a, []string{"t/**"}, nil); h != ha || n != na || na != 2 {
				t.Fatalf("CodeTreeCached hash %s/%d, CodeHashCached %s/%d", ha, na, h, n)
			}
			var changed []string
			for _, p := range []string{"t/train.py", "t/util.py"} {
				if len(ta[p]) != TreeKeyLen {
					t.Fatalf("key %q for %s", ta[p], p)
				}
				if ta[p] != tb[p] {
					changed = append(changed, p)
				}
			}
			if fmt.Sprint(changed) != fmt.Sprint(tt.changed) {
				t.Errorf("changed %v, want %v", changed, tt.changed)
			}
			if (ha == hb) != (len(tt.changed) == 0) {
				t.Errorf("hash equal = %v with changes %v", ha == hb, tt.changed)
			}
		})
	}
}

func TestCodeTreeTooLarge(t *testing.T) {
	files := map[string]string{}
	for i := 0; i <= MaxTreeFiles; i++ {
		files[fmt.Sprintf("t/f%04d.py", i)] = "x\n"
	}
	dir := testtree.Temp(t, files)
	_, tree, n, err := CodeTreeCached(dir, []string{"t/**"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != MaxTreeFiles+1 || tree != nil {
		t.Errorf("%d files: listing of %d entries, want none", n, len(tree))
	}
}
