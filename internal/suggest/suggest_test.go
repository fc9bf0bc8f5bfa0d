package suggest

import "testing"

func TestClosest(t *testing.T) {
	for _, tc := range []struct {
		given      string
		candidates []string
		want       string
	}{
		{"lcoal", []string{"local", "slurm", "kubernetes"}, "local"},
		{"slrum", []string{"local", "slurm"}, "slurm"},
		{"docker", []string{"local", "slurm"}, ""},
		{"ab", []string{"ac", "ab"}, "ab"},
		{"ax", []string{"bx", "ay"}, "ay"}, // tie: alphabetically first
		{"x", nil, ""},
		{"foo", []string{"now", "out"}, ""}, // two edits in three letters is no typo
		{"targett", []string{"target", "replace"}, "target"},
		{"modle", []string{"model", "module", "moved"}, "model"}, // a swap is one edit
		{"sorce", []string{"source", "sort"}, "source"},
	} {
		if got := Closest(tc.given, tc.candidates); got != tc.want {
			t.Errorf("Closest(%q, %q) = %q, want %q", tc.given, tc.candidates, got, tc.want)
		}
	}
}
