// Package wanttext is the check table-driven tests make of the text a
// renderer wrote against the substrings a case expects in it and those it
// must not hold: the one copy of the two loops such tables wrote out by
// hand. FirstDiff is the failure message of tests that compare whole
// documents instead (a golden file, a file a document quotes).
package wanttext

import (
	"fmt"
	"strings"
	"testing"
)

// Check fails t (and goes on, so one run shows every miss) for each of
// want that got lacks and each of notWant that got holds; every failure
// shows got, since a substring is only understood in its context.
func Check(t testing.TB, got string, want, notWant []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("output lacks %q:\n%s", w, got)
		}
	}
	for _, w := range notWant {
		if strings.Contains(got, w) {
			t.Errorf("output has %q:\n%s", w, got)
		}
	}
}

// FirstDiff shows the first line at which texts a and b differ, each
// under its name ("want" and "got", say), or "" when they are the same;
// a line past the end of the shorter text shows as empty.
func FirstDiff(aName, a, bName, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	width := max(len(aName), len(bName)) + 1
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  %-*s %s\n  %-*s %s", i+1, width, aName+":", x, width, bName+":", y)
		}
	}
	return ""
}
