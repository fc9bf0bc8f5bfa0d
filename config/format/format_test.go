package format

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/testtree"
	"github.com/mlform/mlform/internal/wanterr"
)

func TestSource(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        string
	}{
		{name: "aligns", in: "a=1\nbbb = 2\n", want: "a   = 1\nbbb = 2\n"},
		{name: "indents", in: "b {\nx=1\n  }\n", want: "b {\n  x = 1\n}\n"},
		{name: "already formatted", in: "dataset \"d\" {\n  source = \"x\"\n}\n", want: "dataset \"d\" {\n  source = \"x\"\n}\n"},
		{name: "keeps comments", in: "# top\na=1 # trailing\n", want: "# top\na = 1 # trailing\n"},
		{name: "commas in a one-line block", in: "d { a = 1, b = 2 }\n", wantErr: "write one argument a line"},
		{name: "syntax error", in: "a = = 1\n", wantErr: "Invalid expression"},
		{name: "unclosed block", in: "a {\n", wantErr: "Unclosed configuration block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, diags := Source([]byte(tt.in), "x.mlf.hcl")
			if tt.wantErr != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.wantErr) {
					t.Fatalf("Format = %q, %v; want error %q", got, diags, tt.wantErr)
				}
				return
			}
			if diags.HasErrors() || string(got) != tt.want {
				t.Fatalf("Format = %q, %v; want %q", got, diags, tt.want)
			}
		})
	}
}

func TestPaths(t *testing.T) {
	messy, tidy := "a=1\n", "a = 1\n"
	tests := []struct {
		name        string
		paths       []string
		opts        Options
		stdin       string
		wantChanged []string
		wantOut     string
		wantFiles   map[string]string // after the run
		wantErr     string
		wantDiag    bool
	}{
		{
			name: "lists and writes", opts: Options{List: true, Write: true},
			wantChanged: []string{"m.mlf.hcl", "v.mlfvars"}, wantOut: "m.mlf.hcl\nv.mlfvars\n",
			wantFiles: map[string]string{"m.mlf.hcl": tidy, "v.mlfvars": tidy, "sub/s.mlf.hcl": messy, "other.txt": messy},
		},
		{
			name: "check only", opts: Options{List: true},
			wantChanged: []string{"m.mlf.hcl", "v.mlfvars"}, wantOut: "m.mlf.hcl\nv.mlfvars\n",
			wantFiles: map[string]string{"m.mlf.hcl": messy, "v.mlfvars": messy},
		},
		{
			name: "recursive", opts: Options{Write: true, Recursive: true},
			wantChanged: []string{"m.mlf.hcl", "sub/s.mlf.hcl", "v.mlfvars"},
			wantFiles:   map[string]string{"sub/s.mlf.hcl": tidy, ".git/g.mlf.hcl": messy},
		},
		{
			name: "diff", opts: Options{Diff: true}, paths: []string{"m.mlf.hcl"},
			wantChanged: []string{"m.mlf.hcl"}, wantOut: "diff old/m.mlf.hcl new/m.mlf.hcl\n--- old/m.mlf.hcl\n+++ new/m.mlf.hcl\n@@ -1,1 +1,1 @@\n-a=1\n+a = 1\n",
		},
		{
			name: "stdin", paths: []string{"-"}, opts: Options{Write: true}, stdin: messy,
			wantChanged: []string{"<stdin>"}, wantOut: tidy,
		},
		{
			name: "stdin check writes nothing", paths: []string{"-"}, opts: Options{}, stdin: messy,
			wantChanged: []string{"<stdin>"}, wantOut: "",
		},
		{name: "wrong extension", paths: []string{"other.txt"}, wantErr: "only *.mlf.hcl and *.mlfvars files"},
		{name: "missing", paths: []string{"nope"}, wantErr: "fmt nope:"},
		{name: "syntax error", paths: []string{"broken.mlf.hcl"}, opts: Options{Write: true}, wantDiag: true,
			wantFiles: map[string]string{"broken.mlf.hcl": "a = = 1\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testtree.Temp(t, map[string]string{
				"m.mlf.hcl": messy, "v.mlfvars": messy, "sub/s.mlf.hcl": messy,
				".git/g.mlf.hcl": messy, "other.txt": messy, "broken.mlf.hcl": "a = = 1\n",
			})
			t.Chdir(dir)
			if tt.paths == nil {
				// broken.mlf.hcl would be reported in every directory run.
				if err := os.Remove("broken.mlf.hcl"); err != nil {
					t.Fatal(err)
				}
			}
			var out bytes.Buffer
			res, err := Paths(tt.paths, tt.opts, strings.NewReader(tt.stdin), &out)
			if wanterr.Check(t, err, tt.wantErr) {
				return
			}
			if res.Diags.HasErrors() != tt.wantDiag {
				t.Fatalf("diags = %v; want errors: %v", res.Diags, tt.wantDiag)
			}
			if strings.Join(res.Changed, ",") != strings.Join(tt.wantChanged, ",") {
				t.Errorf("changed = %q; want %q", res.Changed, tt.wantChanged)
			}
			if tt.wantOut != "" || tt.opts.List || tt.opts.Diff || tt.paths != nil {
				if out.String() != tt.wantOut {
					t.Errorf("output = %q; want %q", out.String(), tt.wantOut)
				}
			}
			for name, want := range tt.wantFiles {
				got, err := os.ReadFile(filepath.FromSlash(name))
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != want {
					t.Errorf("%s = %q; want %q", name, got, want)
				}
			}
		})
	}
}

func TestPathsKeepsMode(t *testing.T) {
	dir := testtree.Temp(t, map[string]string{"m.mlf.hcl": "a=1\n"})
	p := filepath.Join(dir, "m.mlf.hcl")
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Paths([]string{p}, Options{Write: true}, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v; want 0600", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

// A configuration file that is a symbolic link (a file shared between
// workspaces) is checked in a directory, as validate loads it, and
// formatting rewrites the file it names: the link stays a link.
func TestPathsFollowsLinks(t *testing.T) {
	dir := testtree.Temp(t, map[string]string{"team/common.mlf.hcl": "a=1\n", "ws/main.mlf.hcl": "b = 2\n"})
	ws := filepath.Join(dir, "ws")
	link := filepath.Join(ws, "common.mlf.hcl")
	if err := os.Symlink("../team/common.mlf.hcl", link); err != nil {
		t.Fatal(err)
	}
	res, err := Paths([]string{ws}, Options{List: true}, nil, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changed) != 1 || res.Changed[0] != link {
		t.Fatalf("-check of the directory found %v; want the linked file", res.Changed)
	}
	for _, paths := range [][]string{{ws}, {link}} {
		if err := os.WriteFile(filepath.Join(dir, "team/common.mlf.hcl"), []byte("a=1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Paths(paths, Options{Write: true}, nil, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("fmt %v: %s is no longer a link (%v)", paths, link, err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "team/common.mlf.hcl"))
		if err != nil || string(got) != "a = 1\n" {
			t.Fatalf("fmt %v: the linked file holds %q (%v); want it formatted", paths, got, err)
		}
		if entries, _ := os.ReadDir(ws); len(entries) != 2 {
			t.Fatalf("fmt %v: files left in the workspace: %v", paths, entries)
		}
	}
}
