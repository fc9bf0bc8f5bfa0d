package scripttest

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// repoFileCommands let a script run a file shipped in the repository
// (a CI recipe's script, a doc's example) rather than a copy that could
// drift from it.
// repofile PATH DST: copies PATH (slash-separated, relative to the
// repository root, no "..") to DST in the work directory, keeping its
// executable bit.
func cmdRepoFile(ts *testscript.TestScript, neg bool, args []string) {
	if filepath.IsAbs(args[0]) || strings.Contains(args[0], "..") {
		ts.Fatalf("repofile: %s: want a path inside the repository", args[0])
	}
	root, err := repoRoot()
	ts.Check(err)
	src := filepath.Join(root, filepath.FromSlash(args[0]))
	data, err := os.ReadFile(src)
	ts.Check(err)
	fi, err := os.Stat(src)
	ts.Check(err)
	dst := ts.MkAbs(args[1])
	ts.Check(os.MkdirAll(filepath.Dir(dst), 0o755))
	ts.Check(os.WriteFile(dst, data, fi.Mode().Perm()))
}
