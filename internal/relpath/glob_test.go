package relpath

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
)

func TestExpandGlob(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  string
	}{
		{"a/*.csv", []string{"a/*.csv"}, ""},
		{"{a,b}", []string{"a", "b"}, ""},
		{"{./a,b}/**", []string{"./a/**", "b/**"}, ""},
		{"*.{csv,tsv}", []string{"*.csv", "*.tsv"}, ""},
		{"x{y{z,},}", []string{"xyz", "xy", "x"}, ""},
		{"{a,b}/{c,d}", []string{"a/c", "a/d", "b/c", "b/d"}, ""},
		{"{a,a}", []string{"a"}, ""},
		{"{,a}/x", []string{"/x", "a/x"}, ""},
		{"{a,}", []string{"a", ""}, ""},
		{"{../x,y}", []string{"../x", "y"}, ""},
		// Literal braces and commas, as doublestar reads them.
		{`\{a,b\}`, []string{`\{a,b\}`}, ""},
		{"[{]a,b}", []string{"[{]a,b}"}, ""},
		{"{[,]x,y}", []string{"[,]x", "y"}, ""},
		{`{a\,b,c}`, []string{`a\,b`, "c"}, ""},
		{"a,b", []string{"a,b"}, ""},
		{strings.Repeat("{a,b}", 8), nil, ""},
		{strings.Repeat("{a,b}", 9), nil, "more than 256 patterns"},
		{strings.Repeat("{a,a}", 30), nil, "more than 256 patterns"},
		{strings.Repeat("{", 65) + strings.Repeat("}", 65), nil, "more than 64 brace groups"},
		{"0*{}", nil, `empty brace group "{}"`},
		{"{a,{}}/x", nil, `empty brace group "{}"`},
		{`a\{\}`, []string{`a\{\}`}, ""},
		{"[{}]", []string{"[{}]"}, ""},
		{"*/*{*}", nil, `side by side`},
		{"*{*,a}", nil, `side by side`},
		{"{a,b*}*", nil, `side by side`},
		{"{a*,b}{*c,d}", nil, `side by side`},
		{`\*{*}`, []string{`\**`}, ""},
		{"**/{a,b}", []string{"**/a", "**/b"}, ""},
	} {
		got, err := ExpandGlob(tc.in)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ExpandGlob(%q) error = %v, want %q", tc.in, err, tc.err)
			}
		case err != nil:
			t.Errorf("ExpandGlob(%q): %v", tc.in, err)
		case tc.want == nil:
			if len(got) != 256 {
				t.Errorf("ExpandGlob(%q) gave %d patterns, want 256", tc.in, len(got))
			}
		case !reflect.DeepEqual(got, tc.want):
			t.Errorf("ExpandGlob(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzExpandGlob: a path matches a valid pattern exactly when it matches
// one of the patterns its alternatives expand to, none of which holds an
// alternative any more.
func FuzzExpandGlob(f *testing.F) {
	f.Add("{./a,b}/**", "a/x")
	f.Add("x{y{z,},}", "xy")
	f.Add("{[,]x,y}", ",x")
	f.Add(`{a\,b,c}/*`, "a,b/c")
	f.Add("**/*.{csv,tsv}", "d/e.tsv")
	f.Fuzz(func(t *testing.T, pat, name string) {
		// Only paths Check accepts are ever matched: no empty name
		// (doublestar matches "*" against one, but not "*{,0}"; "**{}"
		// matches "/" but "**" does not), no invalid UTF-8 (on which
		// doublestar decodes runes differently across a brace), and
		// patterns are valid UTF-8 too (config's glob check).
		if Check(name) != nil || !utf8.ValidString(pat) || !doublestar.ValidatePattern(pat) {
			return
		}
		alts, err := ExpandGlob(pat)
		if err != nil {
			return
		}
		want, _ := doublestar.Match(pat, name)
		got := false
		for _, a := range alts {
			if indexAlt(a) >= 0 {
				t.Fatalf("ExpandGlob(%q) kept a brace: %q", pat, a)
			}
			if !doublestar.ValidatePattern(a) {
				t.Fatalf("ExpandGlob(%q) gave the invalid pattern %q", pat, a)
			}
			if ok, _ := doublestar.Match(a, name); ok {
				got = true
			}
		}
		if got != want && plainBraces(pat) {
			t.Fatalf("Match(%q, %q) = %v, but its alternatives %q say %v", pat, name, want, alts, got)
		}
	})
}

// plainBraces reports whether every brace alternative of p is plain text:
// no "*", "?", "[" or "\\" inside braces, no empty alternative, no "/" at
// an alternative's edge. Only on such patterns is doublestar's reading of
// "{...}" the same as expanding it: elsewhere it has quirks of its own
// ("0/{**}" is two "*" to doublestar where the expansion "0/**" is a
// globstar, as in a shell; "{0}*{,}" and "0**{/}" do not match "0"). The
// expansion is what the filter matches with (docs/language.md, "Globs").
func plainBraces(p string) bool {
	for _, s := range []string{"{,", ",}", ",,", "{/", "/}", ",/", "/,"} {
		if strings.Contains(p, s) {
			return false
		}
	}
	depth := 0
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '{':
			depth++
		case c == '}':
			depth--
		case depth > 0 && strings.IndexByte(`*?[\\`, c) >= 0:
			return false
		}
	}
	return true
}
