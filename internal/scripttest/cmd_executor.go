package scripttest

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mlform/mlform/internal/procid"
)

// pidsgone FILE: every pid listed in FILE (whitespace-separated) has
// stopped within 10s (a loaded machine may take seconds to deliver
// SIGKILL and reap). A zombie counts as stopped: in a container its parent
// (PID 1) may never reap it. Proves a train left no orphaned processes.
func cmdPidsgone(ts *testscript.TestScript, neg bool, args []string) {
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	fields := strings.Fields(string(data))
	if len(fields) == 0 {
		ts.Fatalf("%s lists no pids", args[0])
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, f := range fields {
		pid, err := strconv.Atoi(f)
		if err != nil || pid <= 1 {
			ts.Fatalf("%s: %q is not a pid", args[0], f)
		}
		for !procid.Exited(pid) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !procid.Exited(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			ts.Fatalf("process %d is still running", pid)
		}
	}
}

// hostgo gives the script the host's Go build and module caches, so a
// train command that is a `go run` (the churn example) compiles once per
// machine instead of from scratch in every script's empty HOME.
func cmdHostgo(ts *testscript.TestScript, neg bool, args []string) {
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT").Output()
	if err != nil {
		ts.Fatalf("go env: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 4 {
		ts.Fatalf("go env printed %q", out)
	}
	for i, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT"} {
		ts.Setenv(k, lines[i])
	}
	ts.Setenv("GOTOOLCHAIN", "local") // never download a toolchain in a test
	ts.Setenv("GOFLAGS", "-mod=readonly")
	ts.Setenv("GOPROXY", "off")
}

// example NAME DIR: copy the workspace of examples/NAME (its *.mlf.hcl
// files, its local modules' under modules/, data/ and trainer/, not its
// state or Go test files) into DIR.
func cmdExample(ts *testscript.TestScript, neg bool, args []string) {
	root, err := repoRoot()
	ts.Check(err)
	rel := filepath.Join("examples", filepath.Clean("/" + args[0])[1:])
	dst := ts.MkAbs(args[1])
	files, err := exampleFiles(root, rel)
	ts.Check(err)
	for _, name := range files {
		top, _, nested := strings.Cut(name, "/")
		switch {
		case nested && (top == "data" || top == "trainer"):
		case nested && top == "modules" && strings.HasSuffix(name, ".mlf.hcl"):
		case !nested && (strings.HasSuffix(name, ".mlf.hcl") || name == "README.md"):
		default:
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, rel, filepath.FromSlash(name)))
		ts.Check(err)
		target := filepath.Join(dst, filepath.FromSlash(name))
		ts.Check(os.MkdirAll(filepath.Dir(target), 0o755))
		ts.Check(os.WriteFile(target, data, 0o644))
	}
}

// exampleFiles lists the files of the example at root/rel, slash-separated
// and relative to it: the ones git tracks, so files a user made while
// following the example's README (new data, a build) never change a test.
// Outside a git checkout (a source archive) every file counts.
func exampleFiles(root, rel string) ([]string, error) {
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--", filepath.ToSlash(rel)).Output()
	if err == nil && len(out) > 0 {
		var files []string
		prefix := filepath.ToSlash(rel) + "/"
		for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
			files = append(files, strings.TrimPrefix(f, prefix))
		}
		return files, nil
	}
	var files []string
	base := filepath.Join(root, rel)
	err = filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		r, err := filepath.Rel(base, path)
		files = append(files, filepath.ToSlash(r))
		return err
	})
	return files, err
}

// reporoot VAR: set $VAR to the repository's root directory, for scripts
// that run the repository's own scripts (scripts/demo.sh).
func cmdReporoot(ts *testscript.TestScript, neg bool, args []string) {
	root, err := repoRoot()
	ts.Check(err)
	ts.Setenv(args[0], root)
}

// repoRoot finds the directory holding mlform's go.mod above the test's
// working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(data, []byte("module github.com/mlform/mlform\n")) {
			return dir, nil
		}
		if err != nil && !os.IsNotExist(err) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fs.ErrNotExist
		}
		dir = parent
	}
}
