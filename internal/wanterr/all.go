package wanterr

import (
	"strings"
	"testing"
)

// CheckAll is Check for a case that names several substrings the error
// must contain (a setting and what is wrong with it, say): wants nil
// means no error. Every missing substring is reported, not just the
// first. It reports whether an error was expected, so the caller returns.
func CheckAll(t testing.TB, err error, wants []string) bool {
	t.Helper()
	if wants == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return false
	}
	if err == nil {
		t.Fatalf("no error, want one containing %q", wants)
	} else {
		CheckText(t, "error", err.Error(), wants)
	}
	return true
}

// CheckText fails t unless text, the message a case produced (what names
// it: "reason", ...), contains each of wants; wants nil means text must be
// empty. The test goes on, so every mismatch is reported.
func CheckText(t testing.TB, what, text string, wants []string) {
	t.Helper()
	if wants == nil && text != "" {
		t.Errorf("%s %q, want none", what, text)
	}
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s %q does not contain %q", what, text, w)
		}
	}
}
