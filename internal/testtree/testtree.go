// Package testtree writes trees of files for tests: the one helper behind
// the configuration, format, command and planner tests that need a tree on
// disk.
package testtree

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Write creates files (slash-separated name -> content) under dir, with
// their parent directories, and returns dir; a content starting with "->"
// makes the name a symbolic link to the rest. Any failure ends the test.
func Write(t testing.TB, dir string, files map[string]string) string {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "->"); ok {
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Temp is Write into a new t.TempDir().
func Temp(t testing.TB, files map[string]string) string {
	t.Helper()
	return Write(t, t.TempDir(), files)
}
