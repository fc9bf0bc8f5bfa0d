// Package relpath is mlform's one rule for the relative paths it records
// and later joins to a directory: dataset files, manifest entries, pulled
// and published files. Sources check it when they list files (so a bad
// name is reported at plan time, naming the file), manifests when they are
// decoded (they are untrusted input), and pull and publish before writing.
// One rule everywhere means a path plan accepts is never refused by apply.
package relpath

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/mlform/mlform/internal/termtext"
)

// MaxLen bounds a path in bytes (PATH_MAX on Linux, which every local
// write must fit in anyway).
const MaxLen = 4096

// Error says why a path breaks the rule.
type Error struct {
	Path    string // the offending path, possibly truncated for display
	Problem string // "is absolute", "has a \"..\" element", ...
}

func (e *Error) Error() string { return fmt.Sprintf("path %q %s", e.Path, e.Problem) }

// Check reports whether p is a clean relative slash path that stays inside
// any directory it is joined to: not empty, at most MaxLen bytes, valid
// UTF-8, not absolute, no empty, "." or ".." element, and no backslash,
// NUL or other control character (which terminals, shells and other
// operating systems mangle). It returns a *Error.
func Check(p string) error {
	bad := func(problem string) error { return &Error{Path: p, Problem: problem} }
	switch {
	case p == "":
		return bad("is empty")
	case len(p) > MaxLen:
		return &Error{Path: termtext.Truncate(p, 80), Problem: fmt.Sprintf("is longer than %d bytes", MaxLen)}
	case !utf8.ValidString(p):
		return bad("is not valid UTF-8")
	case p[0] == '/':
		return bad("is absolute")
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f {
			return bad("contains a control character")
		} else if c == '\\' {
			return bad("contains a backslash")
		}
	}
	return elements(p)
}

// CheckElements is the part of Check about p's elements, which keeps p
// inside any directory it is joined to: not empty, not absolute, and no
// empty, "." or ".." element. It does not look at p's characters or
// length: a path that passes it but not Check holds a backslash, a control
// character or invalid UTF-8, or is longer than MaxLen. It is not a filter
// on listings: a source lists names that fail it too (a bucket key such as
// "a//b" or "x/../y" is listed as it is, see providers/source/bucket.go),
// and the observer applies Check to the entries a dataset includes, so
// such a name is refused if included and left out if excluded. The one
// name a bucket listing refuses, the empty key, is worded by it. It
// returns a *Error.
func CheckElements(p string) error {
	switch {
	case p == "":
		return &Error{Path: p, Problem: "is empty"}
	case p[0] == '/':
		return &Error{Path: p, Problem: "is absolute"}
	}
	return elements(p)
}

func elements(p string) error {
	for rest := p; ; {
		el, after, more := strings.Cut(rest, "/")
		switch el {
		case "":
			return &Error{Path: p, Problem: "has an empty element"}
		case ".", "..":
			return &Error{Path: p, Problem: fmt.Sprintf("has a %q element", el)}
		}
		if !more {
			return nil
		}
		rest = after
	}
}

// CleanGlob reads a glob pattern's path spelling the way the paths it is
// matched against are spelled (Check's clean form): "./a" and "a/" mean
// "a", "a//b" and "a/./b" mean "a/b", as they would name the same file in
// a shell; "." (or "./") is the root itself. Without it such a pattern
// could never match a listed path. Every glob matcher (dataset
// include/exclude, code and lock-file globs) cleans with it, each brace
// alternative on its own (ExpandGlob: path.Clean leaves "{./a,b}" as it
// is); ".." is refused before, so cleaning never lifts a pattern out of
// its root.
func CleanGlob(p string) string { return path.Clean(p) }
