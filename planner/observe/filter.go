package observe

import (
	"fmt"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// filter decides which paths of a source belong to a dataset.
//
// Patterns are doublestar globs matched against the slash-separated path
// relative to the source root: "*" stays within one path element, "**"
// spans any number of them ("**/*.csv" matches "a.csv" and "x/y/a.csv").
// A pattern also matches everything under a directory it matches, so
// exclude = ["tmp"] drops "tmp/a/b" and include = ["train"] keeps
// "train/**". An empty include list includes everything; exclude wins over
// include.
type filter struct {
	include, exclude []string
}

func newFilter(include, exclude []string) (*filter, error) {
	f := &filter{}
	var err error
	if f.include, err = cleanPatterns("include", include); err != nil {
		return nil, err
	}
	if f.exclude, err = cleanPatterns("exclude", exclude); err != nil {
		return nil, err
	}
	return f, nil
}

func cleanPatterns(kind string, pats []string) ([]string, error) {
	out := make([]string, 0, len(pats))
	for _, p := range pats {
		q := strings.TrimPrefix(strings.TrimSuffix(p, "/"), "./")
		switch {
		case q == "":
			return nil, fmt.Errorf("%s pattern %q is empty", kind, p)
		case strings.HasPrefix(q, "/"):
			return nil, fmt.Errorf("%s pattern %q is absolute; patterns are relative to the dataset source", kind, p)
		case q == ".." || strings.HasPrefix(q, "../") || strings.Contains(q, "/../"):
			return nil, fmt.Errorf("%s pattern %q leaves the dataset source", kind, p)
		case !doublestar.ValidatePattern(q):
			return nil, fmt.Errorf("%s pattern %q is not a valid glob (check brackets and escapes)", kind, p)
		}
		out = append(out, q)
	}
	return out, nil
}

// Match reports whether path belongs to the dataset.
func (f *filter) Match(path string) bool {
	if len(f.include) > 0 && !matchAny(f.include, path) {
		return false
	}
	return len(f.exclude) == 0 || !matchAny(f.exclude, path)
}

// matchAny reports whether a pattern matches path or one of its parent
// directories.
func matchAny(pats []string, path string) bool {
	for _, pat := range pats {
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
