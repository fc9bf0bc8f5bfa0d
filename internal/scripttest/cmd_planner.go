package scripttest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// parseSize reads "512", "64KiB", "3MiB", "1GiB".
func parseSize(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if strings.HasSuffix(s, u.suffix) {
			mult = u.m
			s = strings.TrimSuffix(s, u.suffix)
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return n * mult, nil
}

// cmdGendata writes deterministic pseudo-random data, so large trees need
// not be committed:
//
//	gendata DIR FILES SIZE SEED
//
// creates FILES files (DIR/f00000.bin, ... spread over sub-directories of
// 100) of SIZE bytes each, content determined by SEED and the file index.
func cmdGendata(ts *testscript.TestScript, neg bool, args []string) {
	dir := ts.MkAbs(args[0])
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	size, err := parseSize(args[2])
	ts.Check(err)
	seed, err := strconv.ParseUint(args[3], 10, 64)
	ts.Check(err)
	buf := make([]byte, 1<<20)
	for i := 0; i < n; i++ {
		p := filepath.Join(dir, fmt.Sprintf("d%03d", i/100), fmt.Sprintf("f%05d.bin", i))
		ts.Check(os.MkdirAll(filepath.Dir(p), 0o755))
		f, err := os.Create(p)
		ts.Check(err)
		r := rand.New(rand.NewPCG(seed, uint64(i)))
		for left := size; left > 0; {
			chunk := buf
			if int64(len(chunk)) > left {
				chunk = chunk[:left]
			}
			for j := 0; j+8 <= len(chunk); j += 8 {
				v := r.Uint64()
				for k := 0; k < 8; k++ {
					chunk[j+k] = byte(v >> (8 * k))
				}
			}
			for j := len(chunk) &^ 7; j < len(chunk); j++ {
				chunk[j] = byte(r.Uint32())
			}
			_, err := f.Write(chunk)
			ts.Check(err)
			left -= int64(len(chunk))
		}
		ts.Check(f.Close())
	}
}

// cmdCptree copies a directory tree: cptree SRC DST.
func cmdCptree(ts *testscript.TestScript, neg bool, args []string) {
	src, dst := ts.MkAbs(args[0]), ts.MkAbs(args[1])
	ts.Check(filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	}))
}

// treeFiles lists regular files under dir by relative slash path.
func treeFiles(dir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := walkFiles(dir, func(p string, data []byte) {
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = data
	})
	return out, err
}

// walkFiles calls fn with the path and content of every file under root,
// in lexical order, and stops at the first error walking or reading.
func walkFiles(root string, fn func(path string, data []byte)) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fn(p, data)
		return nil
	})
}

// cmdCmptree compares two directory trees byte for byte (same files, same
// content): cmptree DIR1 DIR2. With !, succeeds when they differ.
func cmdCmptree(ts *testscript.TestScript, neg bool, args []string) {
	a, err := treeFiles(ts.MkAbs(args[0]))
	ts.Check(err)
	b, err := treeFiles(ts.MkAbs(args[1]))
	ts.Check(err)
	var diffs []string
	for p, da := range a {
		db, ok := b[p]
		switch {
		case !ok:
			diffs = append(diffs, "only in "+args[0]+": "+p)
		case !bytes.Equal(da, db):
			diffs = append(diffs, "content differs: "+p)
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			diffs = append(diffs, "only in "+args[1]+": "+p)
		}
	}
	switch {
	case neg && len(diffs) == 0:
		ts.Fatalf("%s and %s are identical (%d files)", args[0], args[1], len(a))
	case !neg && len(diffs) > 0:
		ts.Fatalf("%s and %s differ:\n%s", args[0], args[1], strings.Join(diffs, "\n"))
	}
}

// cmdWaitfile waits until a file exists: waitfile PATH [TIMEOUT]. PATH may
// be a glob (filepath.Match syntax): then any match will do.
func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	timeout := optionalArg(ts, args, 1, 30*time.Second, time.ParseDuration)
	p := ts.MkAbs(args[0])
	deadline := time.Now().Add(timeout)
	for {
		if m, err := filepath.Glob(p); err == nil && len(m) > 0 {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not appear within %s", args[0], timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// cmdExitcode runs a program and checks its exact exit status (exec only
// tells zero from non-zero): exitcode N PROG [ARGS...]. stdout and stderr
// are then available to the stdout/stderr commands as after exec.
func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdCapture sets an environment variable from the last command's output:
// capture NAME stdout|stderr REGEXP sets $NAME to REGEXP's first group
// (ids printed by one command, used by the next).
func cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	if args[1] != "stdout" && args[1] != "stderr" {
		ts.Fatalf("usage: capture NAME stdout|stderr REGEXP")
	}
	re, err := regexp.Compile(args[2])
	ts.Check(err)
	m := re.FindStringSubmatch(ts.ReadFile(args[1]))
	if len(m) < 2 {
		ts.Fatalf("capture: %q matches nothing (with a group) in %s", args[2], args[1])
	}
	ts.Setenv(args[0], m[1])
}

// cmdReplace edits a file in place: replace FILE OLD NEW replaces the first
// occurrence of OLD (which must exist) with NEW.
func cmdReplace(ts *testscript.TestScript, neg bool, args []string) {
	p := ts.MkAbs(args[0])
	data, err := os.ReadFile(p)
	ts.Check(err)
	if !bytes.Contains(data, []byte(args[1])) {
		ts.Fatalf("replace: %q not found in %s", args[1], args[0])
	}
	ts.Check(os.WriteFile(p, bytes.Replace(data, []byte(args[1]), []byte(args[2]), 1), 0o644))
}
