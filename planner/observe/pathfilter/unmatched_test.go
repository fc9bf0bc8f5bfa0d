package pathfilter

import (
	"slices"
	"testing"
)

// TestUnmatchedIncludes: an include pattern that keeps none of the kept
// paths is reported as written, however the others fare.
func TestUnmatchedIncludes(t *testing.T) {
	kept := []string{"a.csv", "x/b.csv", "train/part-0.parquet"}
	tests := []struct {
		name    string
		include []string
		want    []string
	}{
		{"all match", []string{"**/*.csv", "train"}, nil},
		{"one mistyped", []string{"**/*.csv", "**/*.parqet"}, []string{"**/*.parqet"}},
		{"directory that is not there", []string{"*.csv", "valid/"}, []string{"valid/"}},
		{"spelled as a shell reads it", []string{"./x//", "train/."}, nil},
		{"one brace alternative matches", []string{"{a,zz}.csv", "{q,r}/*"}, []string{"{q,r}/*"}},
		{"every one unmatched, in order", []string{"b", "a"}, []string{"b", "a"}},
		{"the root", []string{".", "nope"}, []string{"nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := UnmatchedIncludes(tt.include, kept); !slices.Equal(got, tt.want) {
				t.Errorf("UnmatchedIncludes(%q) = %q, want %q", tt.include, got, tt.want)
			}
		})
	}
}
