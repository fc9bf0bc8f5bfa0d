package relpath

import (
	"errors"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		path    string
		problem string // "" = valid
	}{
		{"a.csv", ""},
		{"dir/sub/a.csv", ""},
		{"names with spaces/ünïcödé.csv", ""},
		{"..a/b..", ""},
		{strings.Repeat("a", MaxLen), ""},
		{"", "is empty"},
		{"/etc/passwd", "is absolute"},
		{"a//b", "has an empty element"},
		{"a/", "has an empty element"},
		{"./a", `has a "." element`},
		{"a/../../b", `has a ".." element`},
		{"..", `has a ".." element`},
		{`a\b`, "contains a backslash"},
		{"tab\there", "contains a control character"},
		{"new\nline", "contains a control character"},
		{"esc\x1b[2J", "contains a control character"},
		{"nul\x00", "contains a control character"},
		{"del\x7f", "contains a control character"},
		{"bad\xffutf8", "is not valid UTF-8"},
		{strings.Repeat("a", MaxLen+1), "is longer than 4096 bytes"},
	} {
		err := Check(tc.path)
		if tc.problem == "" {
			if err != nil {
				t.Errorf("Check(%q) = %v, want nil", tc.path, err)
			}
			continue
		}
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Check(%q) = %v, want a *Error", tc.path, err)
			continue
		}
		if pe.Problem != tc.problem {
			t.Errorf("Check(%q) problem = %q, want %q", tc.path, pe.Problem, tc.problem)
		}
		if len(pe.Error()) > 200 {
			t.Errorf("Check(%q) message is %d bytes long; long paths must be truncated", tc.path[:10], len(pe.Error()))
		}
	}
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{"a", "a/b", "../x", "/abs", "a\\b", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if Check(p) != nil {
			return
		}
		// A valid path never leaves its root when joined.
		if strings.HasPrefix(p, "/") || p == ".." || strings.HasPrefix(p, "../") || strings.Contains(p, "/../") || strings.HasSuffix(p, "/..") {
			t.Fatalf("Check accepted escaping path %q", p)
		}
		// And it is clean: the path it names is the path it is.
		if path.Clean(p) != p || !filepath.IsLocal(p) || len(p) > MaxLen || !utf8.ValidString(p) {
			t.Fatalf("Check accepted %q, which is not a clean local path", p)
		}
	})
}

func TestCheckElements(t *testing.T) {
	for _, p := range []string{`a\b`, "a\tb", "a/\x7f", "\xff"} {
		if err := CheckElements(p); err != nil {
			t.Errorf("CheckElements(%q) = %v, want nil (only Check refuses its characters)", p, err)
		}
	}
	for _, p := range []string{"", "/a", "a//b", "a/", "../x", "a/./b", `a\b/../../c`} {
		if err := CheckElements(p); err == nil {
			t.Errorf("CheckElements(%q) = nil, want an error", p)
		}
	}
}
