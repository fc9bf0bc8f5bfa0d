// Package wanttext is the check table-driven tests make of the text a
// renderer wrote against the substrings a case expects in it and those it
// must not hold: the one copy of the two loops such tables wrote out by
// hand.
package wanttext

import (
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
