package codehash

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/internal/testtree"
)

func TestCodeHashSameTreeSameHash(t *testing.T) {
	files := map[string]string{
		"trainer/main.go":      "package main\n",
		"trainer/pkg/model.go": "package pkg\n",
		"data/x.csv":           "a,b\n",
	}
	a := testtree.Temp(t, files)
	b := testtree.Temp(t, files)
	// Noise that must not count: mlform's own dir, VCS metadata, files
	// outside the globs, and permission bits other than executable.
	for p, c := range map[string]string{
		"trainer/.mlform/state/x":                    "s",
		"trainer/.git/HEAD":                          "ref",
		"README.md":                                  "hi",
		"trainer/__pycache__/main.cpython-311.pyc":   "bytecode",
		"trainer/pkg/__pycache__/m.cpython-311.pyc":  "bytecode",
		"trainer/.ipynb_checkpoints/x-checkpoint.py": "nb",
		"trainer/.pytest_cache/v/cache/lastfailed":   "{}",
	} {
		full := filepath.Join(b, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		os.WriteFile(full, []byte(c), 0o600)
	}
	os.Chmod(filepath.Join(b, "trainer/main.go"), 0o600)

	ha, na, err := codeHash(a, []string{"trainer/**"})
	if err != nil {
		t.Fatal(err)
	}
	hb, nb, err := codeHash(b, []string{"trainer/**"})
	if err != nil {
		t.Fatal(err)
	}
	if ha != hb || na != nb || na != 2 {
		t.Fatalf("same tree: %s/%d vs %s/%d (want 2 files)", ha, na, hb, nb)
	}
	// Order and duplication of globs do not matter.
	hc, nc, err := codeHash(a, []string{"trainer/pkg/*.go", "trainer/**", "trainer/main.go"})
	if err != nil || hc != ha || nc != 2 {
		t.Fatalf("overlapping globs: %s/%d %v, want %s/2", hc, nc, err, ha)
	}
}

func TestCodeHashDetectsChanges(t *testing.T) {
	base := map[string]string{"trainer/main.go": "package main\n", "trainer/util.go": "package main\n"}
	h0 := mustHash(t, testtree.Temp(t, base), "trainer/**")
	tests := []struct {
		name   string
		mutate func(dir string)
	}{
		{"content", func(d string) {
			os.WriteFile(filepath.Join(d, "trainer/main.go"), []byte("package main // x\n"), 0o644)
		}},
		{"added file", func(d string) { os.WriteFile(filepath.Join(d, "trainer/new.go"), nil, 0o644) }},
		{"removed file", func(d string) { os.Remove(filepath.Join(d, "trainer/util.go")) }},
		{"renamed file", func(d string) {
			os.Rename(filepath.Join(d, "trainer/util.go"), filepath.Join(d, "trainer/util2.go"))
		}},
		{"made executable", func(d string) { os.Chmod(filepath.Join(d, "trainer/main.go"), 0o755) }},
		{"file became symlink", func(d string) {
			os.Remove(filepath.Join(d, "trainer/util.go"))
			os.Symlink("main.go", filepath.Join(d, "trainer/util.go"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testtree.Temp(t, base)
			tt.mutate(dir)
			if h := mustHash(t, dir, "trainer/**"); h == h0 {
				t.Fatalf("hash unchanged after %s", tt.name)
			}
		})
	}
}

func mustHash(t *testing.T, dir string, globs ...string) string {
	t.Helper()
	h, _, err := codeHash(dir, globs)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestCodeHashSelection(t *testing.T) {
	dir := testtree.Temp(t, map[string]string{
		"trainer/main.go":       "a",
		"trainer/sub/b.go":      "b",
		"trainer/sub/notes.txt": "c",
		"trainer/.hidden.go":    "d",
		"other/x.go":            "e",
		"link.go":               "->/etc/passwd", // hashed as a link, never followed
	})
	tests := []struct {
		globs []string
		files int
	}{
		{[]string{"trainer/**"}, 4},
		{[]string{"trainer/**/*.go"}, 3},
		{[]string{"trainer/*.go"}, 2},
		{[]string{"trainer"}, 4}, // a literal directory means everything below
		{[]string{"trainer/main.go"}, 1},
		{[]string{"**/*.go"}, 5},
		{[]string{"{trainer,other}/*.go"}, 3},
		// Each brace alternative is spelled and read as a glob of its own:
		// a literal directory means everything below it.
		{[]string{"{./trainer/main.go,other}"}, 2},
		{[]string{"{trainer/sub/,link.go}"}, 3},
		{[]string{"{./other,nothing}//*.go"}, 1},
		{[]string{"link.go"}, 1},
		// Path spellings a shell reads as the same path (relpath.CleanGlob).
		{[]string{"./trainer//sub/"}, 2},
		{[]string{"trainer/./*.go"}, 2},
		{[]string{"."}, 6}, // the working directory itself
		{nil, 0},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.globs, ","), func(t *testing.T) {
			_, n, err := codeHash(dir, tt.globs)
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.files {
				t.Fatalf("files = %d, want %d", n, tt.files)
			}
		})
	}
}

func TestCodeHashErrors(t *testing.T) {
	dir := testtree.Temp(t, map[string]string{"trainer/main.go": "a", "trainer/.mlform/x": "s"})
	outside := testtree.Temp(t, map[string]string{"secret.go": "s"})
	os.Symlink(outside, filepath.Join(dir, "escape"))
	tests := []struct {
		glob, want string
	}{
		{"", "empty glob"},
		{"/etc/**", "must be relative"},
		{"../**", "must not leave"},
		{"trainer/../../x", "must not leave"},
		{`trainer\*.go`, "forward slashes"},
		{"trainer/[", "invalid pattern"},
		{"missing/**", `glob "missing/**" matches no file`},
		{".mlform/**", "matches no file"},
		{"trainer/.mlform/x", "matches no file"},
		{"escape/secret.go", "escape"},
		{"{../x,trainer}", `must not leave the working directory (.. in its alternative "../x")`},
		{"{,trainer}/main.go", `must be relative to the working directory (its alternative "/main.go")`},
		{"{trainer,}", "has an empty alternative"},
		{"{nothing,missing}/**", `glob "{nothing,missing}/**" matches no file`},
	}
	for _, tt := range tests {
		t.Run(tt.glob, func(t *testing.T) {
			_, _, err := codeHash(dir, []string{tt.glob})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("codeHash(%q) error = %v, want it to contain %q", tt.glob, err, tt.want)
			}
		})
	}
}

func BenchmarkCodeHash(b *testing.B) {
	dir := b.TempDir()
	content := strings.Repeat("x", 4096)
	for i := 0; i < 2000; i++ {
		p := filepath.Join(dir, "trainer", "pkg"+string(rune('a'+i%20)), "f"+strings.Repeat("0", i%7)+string(rune('a'+i%26))+".go")
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content+p), 0o644)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := codeHash(dir, []string{"trainer/**"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCodeTreeFleet is a plan of a 1,000-model fleet sharing one
// trainer: every model asks for the tree's hash and listing through the
// plan's cache; the tree is listed and hashed once.
func BenchmarkCodeTreeFleet(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "train.sh"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		cache := OpenCodeCache("", nil)
		for range 1000 {
			if _, _, _, err := CodeTreeCached(dir, []string{"train.sh"}, cache); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// FuzzCodeGlob: whatever glob a configuration holds, the selected files
// are clean relative paths inside the base directory, never under
// .mlform/ or .git/, and never read through a symlink.
func FuzzCodeGlob(f *testing.F) {
	for _, g := range []string{"trainer/**", "**", "*", "../outside/**", "link/**", ".mlform/**", "{trainer,link}/*", "trainer/[", "/etc/passwd", "trainer/./a.go"} {
		f.Add(g)
	}
	root := f.TempDir()
	base := filepath.Join(root, "ws")
	testtree.Write(f, root, map[string]string{"ws/trainer/a.go": "a", "ws/.mlform/s": "s", "ws/.git/HEAD": "h", "outside/secret": "x"})
	os.Symlink(filepath.Join(root, "outside"), filepath.Join(base, "link"))
	f.Fuzz(func(t *testing.T, g string) {
		list, err := selectTree(base, []string{g}, nil)
		if err != nil {
			return
		}
		for _, tf := range list {
			p := tf.Path
			if p == "" || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "..") || strings.Contains(p, "/../") || skippedPath(p) {
				t.Fatalf("glob %q selected %q", g, p)
			}
			if strings.HasPrefix(p, "link/") {
				t.Fatalf("glob %q read through a symlink: %q", g, p)
			}
		}
	})
}

func TestDigestMatchesCodeHash(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		exec  map[string]bool // the files made executable (every value true)
		globs []string
	}{
		{"one file", map[string]string{"train.sh": "echo hi\n"}, nil, []string{"train.sh"}},
		{"tree with executable", map[string]string{"t/a.py": "a", "t/b/c.py": "c", "t/run": "#!/bin/sh\n"}, map[string]bool{"t/run": true}, []string{"t/**"}},
		{"empty file", map[string]string{"e": ""}, nil, []string{"e"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testtree.Temp(t, tt.files)
			for p := range tt.exec {
				if err := os.Chmod(filepath.Join(dir, filepath.FromSlash(p)), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			want, n, err := CodeHashCached(dir, tt.globs, nil)
			if err != nil {
				t.Fatal(err)
			}
			paths, err := ListFiles(dir, tt.globs)
			if err != nil {
				t.Fatal(err)
			}
			if len(paths) != n {
				t.Fatalf("ListFiles = %d files, code hash covers %d", len(paths), n)
			}
			var files []TreeFile
			for _, p := range paths {
				b, _ := os.ReadFile(filepath.Join(dir, p))
				files = append(files, TreeFile{Path: p, Executable: tt.exec[p], Hash: blake3Hex(b)})
			}
			if got := Digest(files); got != want {
				t.Fatalf("Digest = %s, CodeHash = %s", got, want)
			}
		})
	}
}

func TestListFilesRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.py"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.py", filepath.Join(dir, "b.py")); err != nil {
		t.Fatal(err)
	}
	_, err := ListFiles(dir, []string{"*.py"})
	if err == nil || !strings.Contains(err.Error(), "b.py is not a regular file") {
		t.Fatalf("err = %v, want b.py refused", err)
	}
}

func blake3Hex(b []byte) string {
	s := blake3.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestCodeTreeRefusesUnarchivable: what a code archive or state cannot
// hold is refused when the plan lists the tree, naming the file, rather
// than after apply allocated a version (the backslash failed the state
// write of the running attempt, the symlink the archive).
func TestCodeTreeRefusesUnarchivable(t *testing.T) {
	tests := []struct {
		name    string
		make    func(dir string) error
		wantErr string
	}{
		{"symlink", func(dir string) error { return os.Symlink("a.py", filepath.Join(dir, "b.py")) }, "code file b.py is a symlink"},
		{"backslash", func(dir string) error { return os.WriteFile(filepath.Join(dir, `b\c.py`), nil, 0o644) }, `code file path "b\\c.py" contains a backslash`},
		{"newline", func(dir string) error { return os.WriteFile(filepath.Join(dir, "b\nc.py"), nil, 0o644) }, `code file path "b\nc.py" contains a control character`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "a.py"), []byte("a"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := tt.make(dir); err != nil {
				t.Fatal(err)
			}
			if _, _, _, err := CodeTreeCached(dir, []string{"*.py"}, nil); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("CodeTreeCached: err = %v, want %q", err, tt.wantErr)
			}
			if tt.name != "symlink" {
				if _, err := ListFiles(dir, []string{"*.py"}); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ListFiles: err = %v, want %q", err, tt.wantErr)
				}
			}
		})
	}
}

// TestSelects: the rule that says whether a changed file is part of a
// model's code is the code hash's rule, brace alternatives included.
func TestSelects(t *testing.T) {
	for _, tc := range []struct {
		globs []string
		rel   string
		want  bool
	}{
		{[]string{"trainer/**"}, "trainer/a.go", true},
		{[]string{"trainer"}, "trainer/sub/a.go", true},
		{[]string{"./trainer/"}, "trainer/a.go", true},
		{[]string{"{./trainer,lib}"}, "trainer/a.go", true},
		{[]string{"{./trainer,lib}"}, "lib/x/b.go", true},
		{[]string{"{./trainer,lib}"}, "other/b.go", false},
		{[]string{"*.{py,sh}"}, "run.sh", true},
		{[]string{"**"}, ".git/config", false},
	} {
		if got := Selects(tc.globs, tc.rel); got != tc.want {
			t.Errorf("Selects(%q, %q) = %v, want %v", tc.globs, tc.rel, got, tc.want)
		}
	}
}
