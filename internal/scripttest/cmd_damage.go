package scripttest

import (
	"os"
	"path/filepath"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"
)

// corrupt GLOB OFFSET flips every bit of the byte at OFFSET in each file
// matching GLOB (filepath.Match syntax, relative to $WORK); at least one
// file must match.
func cmdCorrupt(ts *testscript.TestScript, neg bool, args []string) {
	off, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil || off < 0 {
		ts.Fatalf("corrupt: offset %q is not a non-negative integer", args[1])
	}
	matches, err := filepath.Glob(ts.MkAbs(args[0]))
	ts.Check(err)
	if len(matches) == 0 {
		ts.Fatalf("corrupt: no file matches %s", args[0])
	}
	for _, m := range matches {
		f, err := os.OpenFile(m, os.O_RDWR, 0)
		ts.Check(err)
		b := make([]byte, 1)
		if _, err := f.ReadAt(b, off); err != nil {
			f.Close()
			ts.Fatalf("corrupt %s at %d: %v", m, off, err)
		}
		b[0] ^= 0xff
		_, err = f.WriteAt(b, off)
		ts.Check(err)
		ts.Check(f.Close())
	}
}
