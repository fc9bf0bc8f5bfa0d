// Package wanterr is the check table-driven tests make of an error against
// the substring a case expects: the one copy of what every such table
// wrote out by hand.
package wanterr

import (
	"strings"
	"testing"
)

// Check fails t unless err matches want: want "" means no error, anything
// else a substring of err's message. It reports whether an error was
// expected, so the caller returns (there is no result to check):
//
//	got, err := Parse(tt.in)
//	if wanterr.Check(t, err, tt.wantErr) {
//		return
//	}
func Check(t testing.TB, err error, want string) bool {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return false
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want one containing %q", err, want)
	}
	return true
}
