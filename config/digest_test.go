package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDigest(t *testing.T) {
	const src = `
variable "n" {
  type    = number
  default = 1
}
variable "secret" {
  sensitive = true
  default   = "a"
}
`
	base := func(t *testing.T, opts LoadOptions, extra map[string]string) string {
		files := map[string]string{"main.mlf.hcl": src}
		for k, v := range extra {
			files[k] = v
		}
		dir := writeFiles(t, files)
		t.Chdir(dir)
		return loadOK(t, ".", opts).Digest
	}
	d0 := base(t, LoadOptions{}, nil)
	tests := []struct {
		name  string
		opts  LoadOptions
		extra map[string]string
		same  bool
	}{
		{name: "same inputs", same: true},
		{name: "same value given explicitly", opts: LoadOptions{Vars: []string{"n=1"}}, same: true},
		{name: "variable value", opts: LoadOptions{Vars: []string{"n=2"}}},
		// A sensitive value is not in the digest at all (apply checks it
		// against the plan file's salted hash): a digest that changed with
		// it would let anyone holding a plan file confirm a guessed secret.
		{name: "sensitive value", opts: LoadOptions{Vars: []string{"secret=b"}}, same: true},
		{name: "sensitive value in a vars file", extra: map[string]string{"s.mlfvars": "secret = \"hunter2\"\n"}, same: true},
		{name: "extra file", extra: map[string]string{"b.mlf.hcl": "# comment\n"}},
		// A vars file counts by the values it sets, not its text: apply of
		// a saved plan needs neither the plan's -var-file nor its *.mlfvars.
		{name: "vars file, same value", extra: map[string]string{"a.mlfvars": "n = 1\n"}, same: true},
		{name: "vars file value", extra: map[string]string{"a.mlfvars": "n = 2\n"}},
		{name: "var file flag, same value", extra: map[string]string{"ci.vars": "n = 1\n"}, opts: LoadOptions{VarFiles: []string{"ci.vars"}}, same: true},
		{name: "unrelated file", extra: map[string]string{"README.md": "hi"}, same: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := base(t, tt.opts, tt.extra)
			if (d == d0) != tt.same {
				t.Fatalf("digest %s vs %s: same=%v, want %v", d, d0, d == d0, tt.same)
			}
		})
	}
}

func TestDigestIndependentOfDirName(t *testing.T) {
	src := "dataset \"d\" {\n  source = \"data\"\n}\n"
	root := t.TempDir()
	var digests []string
	for _, name := range []string{"x", "y"} {
		dir := filepath.Join(root, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "main.mlf.hcl"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Chdir(dir)
		digests = append(digests, loadOK(t, ".", LoadOptions{}).Digest)
	}
	if digests[0] != digests[1] {
		t.Fatalf("same configuration in two directories: %s != %s", digests[0], digests[1])
	}
}
