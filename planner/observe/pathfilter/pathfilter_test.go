package pathfilter

import (
	"strings"
	"testing"
)

func TestFilterMatch(t *testing.T) {
	tests := []struct {
		name             string
		include, exclude []string
		path             string
		want             bool
	}{
		{"empty include takes all", nil, nil, "a/b/c.bin", true},
		{"doublestar any depth", []string{"**/*.csv"}, nil, "x/y/a.csv", true},
		{"doublestar top level", []string{"**/*.csv"}, nil, "a.csv", true},
		{"doublestar other ext", []string{"**/*.csv"}, nil, "a.json", false},
		{"star stays in one element", []string{"*.csv"}, nil, "x/a.csv", false},
		{"star top level", []string{"*.csv"}, nil, "a.csv", true},
		{"directory include", []string{"train"}, nil, "train/a/b.csv", true},
		{"directory include is not a prefix match", []string{"train"}, nil, "training/a.csv", false},
		{"exclude wins", []string{"**/*.csv"}, []string{"tmp/**"}, "tmp/a.csv", false},
		{"exclude directory", nil, []string{"tmp"}, "tmp/x/y", false},
		{"exclude other dir", nil, []string{"tmp"}, "data/tmp.csv", true},
		{"dot slash prefix", []string{"./data/*.csv"}, nil, "data/a.csv", true},
		{"trailing slash", nil, []string{"raw/"}, "raw/a", false},
		// Spelled as a shell reads a path: an empty or "." element, or a
		// repeated trailing slash, is not a pattern that matches nothing.
		{"empty element", []string{"a//z.csv"}, nil, "a/z.csv", true},
		{"empty element in exclude", nil, []string{"tmp//*.csv"}, "tmp/a.csv", false},
		{"dot element", []string{"a/./z.csv"}, nil, "a/z.csv", true},
		{"dot slash twice", []string{"././a"}, nil, "a/z.csv", true},
		{"double trailing slash", nil, []string{"raw//"}, "raw/a", false},
		{"dot is the root", []string{"."}, nil, "x/y.csv", true},
		{"dot slash is the root", nil, []string{"./"}, "y.csv", false},
		{"brace alternatives", []string{"*.{csv,tsv}"}, nil, "a.tsv", true},
		// Each brace alternative is spelled as a path, like a whole pattern.
		{"braces around directories", []string{"{a,b}"}, nil, "b/x.csv", true},
		{"braces around directories, other", []string{"{a,b}"}, nil, "c/x.csv", false},
		{"dot slash in braces", []string{"{./a,b}/**"}, nil, "a/x.csv", true},
		{"dot slash in braces, second", []string{"{./a,b}/**"}, nil, "b/y/x.csv", true},
		{"trailing slash in braces", []string{"{a/,b}"}, nil, "a/x.csv", true},
		{"empty element in braces", []string{"{a//x,b}.csv"}, nil, "a/x.csv", true},
		{"dot alternative is the root", nil, []string{"{.,a}"}, "z.csv", false},
		{"nested braces", []string{"d/{./e{,f},g}/*.csv"}, nil, "d/ef/x.csv", true},
		{"dot slash in braces, exclude", []string{"."}, []string{"{./tmp,cache}"}, "tmp/x.csv", false},
		{"escaped brace is literal", []string{`\{a,b\}`}, nil, "{a,b}", true},
		{"hidden files are files", nil, nil, ".hidden/x", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := New(tt.include, tt.exclude)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Match(tt.path); got != tt.want {
				t.Errorf("Match(%q) with include %q exclude %q = %v, want %v", tt.path, tt.include, tt.exclude, got, tt.want)
			}
		})
	}
}

func TestFilterBadPatterns(t *testing.T) {
	tests := []struct {
		include, exclude []string
		want             string
	}{
		{[]string{"["}, nil, `include pattern "[" is not a valid glob`},
		{nil, []string{"/etc/*"}, `exclude pattern "/etc/*" is absolute`},
		{[]string{"../x/*"}, nil, `include pattern "../x/*" leaves the dataset source`},
		{[]string{"a/../../x"}, nil, "leaves the dataset source"},
		{nil, []string{"a/.."}, "leaves the dataset source"},
		{[]string{""}, nil, `include pattern "" is empty`},
		{[]string{"{../x,y}"}, nil, `include pattern "{../x,y}" leaves the dataset source (its alternative "../x")`},
		{nil, []string{"{a,..}/*"}, `exclude pattern "{a,..}/*" leaves the dataset source (its alternative "../*")`},
		{[]string{"{,a}/x"}, nil, `include pattern "{,a}/x" is absolute (its alternative "/x")`},
		{[]string{"{a,}"}, nil, `include pattern "{a,}" has an empty alternative`},
		{[]string{"{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}"}, nil, "stand for more than 256 patterns"},
		{[]string{"{a,b"}, nil, "is not a valid glob"},
	}
	for _, tt := range tests {
		_, err := New(tt.include, tt.exclude)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%q, %q) error = %v, want it to contain %q", tt.include, tt.exclude, err, tt.want)
		}
	}
}

// FuzzFilter: any accepted pattern matches any path without a panic, and
// no accepted pattern is absolute or leaves the source.
func FuzzFilter(f *testing.F) {
	f.Add("**/*.csv", "tmp", "a/b.csv")
	f.Add("[", "{a,b}", "x")
	f.Add("a/**/b", "../x", "a/c/b")
	f.Fuzz(func(t *testing.T, include, exclude, path string) {
		flt, err := New([]string{include}, []string{exclude})
		if err != nil {
			return
		}
		flt.Match(path) // must not panic on any valid pattern and path
		for _, p := range append(flt.include, flt.exclude...) {
			if strings.HasPrefix(p, "/") || p == ".." || strings.HasPrefix(p, "../") {
				t.Fatalf("pattern %q accepted", p)
			}
		}
	})
}
