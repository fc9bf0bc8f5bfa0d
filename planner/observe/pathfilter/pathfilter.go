// Package pathfilter is a dataset's include/exclude filter: which paths of a
// source belong to the dataset. Its patterns are user input and its paths
// come from any source (fuzzed); it links no source and no cloud driver
// (internal/importrules), so its fuzz target runs fast. planner/observe
// applies it to a source's listing.
package pathfilter

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/mlform/mlform/internal/relpath"
)

// Filter decides which paths of a source belong to a dataset.
//
// Patterns are doublestar globs matched against the slash-separated path
// relative to the source root, spelled as relpath.CleanGlob reads them
// ("./a/" is "a", "a//b" is "a/b", "." is the root): "*" stays within one
// path element, "**" spans any number of them ("**/*.csv" matches "a.csv"
// and "x/y/a.csv"). Brace alternatives are read as the patterns they
// stand for, each spelled and checked as a path ("{./a,b}/**" is "a/**"
// and "b/**").
// A pattern also matches everything under a directory it matches, so
// exclude = ["tmp"] drops "tmp/a/b" and include = ["train"] keeps
// "train/**". An empty include list includes everything; exclude wins over
// include.
type Filter struct {
	include, exclude []string
}

// New returns the filter of include and exclude patterns, or an error
// naming a pattern that is empty, absolute, leaves the source or is not a
// valid glob.
func New(include, exclude []string) (*Filter, error) {
	f := &Filter{}
	var err error
	if f.include, err = cleanPatterns("include", include); err != nil {
		return nil, err
	}
	if f.exclude, err = cleanPatterns("exclude", exclude); err != nil {
		return nil, err
	}
	return f, nil
}

// cleanPatterns checks each pattern and returns the clean patterns the
// filter matches: a pattern's brace alternatives are expanded
// (relpath.ExpandGlob) and each is checked and cleaned as a path of its
// own, so "{./a,b}/**" selects a/** and b/** and "{../x,y}" is refused.
func cleanPatterns(kind string, pats []string) ([]string, error) {
	out := make([]string, 0, len(pats))
	for _, p := range pats {
		if err := checkPattern(kind, p, p); err != nil {
			return nil, err
		}
		if !doublestar.ValidatePattern(p) {
			return nil, fmt.Errorf("%s pattern %q is not a valid glob (check brackets and escapes)", kind, p)
		}
		alts, err := relpath.ExpandGlob(p)
		if err != nil {
			return nil, fmt.Errorf("%s pattern %q: %w", kind, p, err)
		}
		for _, a := range alts {
			if err := checkPattern(kind, p, a); err != nil {
				return nil, err
			}
			out = append(out, relpath.CleanGlob(a))
		}
	}
	return out, nil
}

// checkPattern refuses pattern p when a (p itself, or one of its brace
// alternatives) is empty, absolute or leaves the source.
func checkPattern(kind, p, a string) error {
	which := ""
	if a != p {
		which = fmt.Sprintf(" (its alternative %q)", a)
	}
	switch {
	case a == "" && a != p:
		return fmt.Errorf("%s pattern %q has an empty alternative, which matches no file", kind, p)
	case a == "":
		return fmt.Errorf("%s pattern %q is empty", kind, p)
	case strings.HasPrefix(a, "/"):
		return fmt.Errorf("%s pattern %q is absolute%s; patterns are relative to the dataset source", kind, p, which)
	case slices.Contains(strings.Split(a, "/"), ".."):
		return fmt.Errorf("%s pattern %q leaves the dataset source%s", kind, p, which)
	}
	return nil
}

// Match reports whether path belongs to the dataset.
func (f *Filter) Match(path string) bool {
	if len(f.include) > 0 && !matchAny(f.include, path) {
		return false
	}
	return len(f.exclude) == 0 || !matchAny(f.exclude, path)
}

// UnmatchedIncludes returns the include patterns, as written, that match
// none of kept (the paths the filter kept, after exclude): with several
// patterns, one mistyped ("**/*.parqet" beside "**/*.csv") keeps nothing
// while the others keep files, and nothing else would say so. A pattern
// with brace alternatives counts as matched when one of them matches. A
// pattern that is not valid (New refuses it) is left out.
func UnmatchedIncludes(include, kept []string) []string {
	var out []string
	for _, p := range include {
		alts, err := cleanPatterns("include", []string{p})
		if err != nil {
			continue
		}
		if !slices.ContainsFunc(kept, func(path string) bool { return matchAny(alts, path) }) {
			out = append(out, p)
		}
	}
	return out
}

// matchAny reports whether a pattern matches path or one of its parent
// directories.
func matchAny(pats []string, path string) bool {
	for _, pat := range pats {
		if pat == "." { // the source root: everything in it
			return true
		}
		for p := path; ; {
			if doublestar.MatchUnvalidated(pat, p) {
				return true
			}
			i := strings.LastIndexByte(p, '/')
			if i < 0 {
				break
			}
			p = p[:i]
		}
	}
	return false
}
