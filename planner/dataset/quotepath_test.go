package dataset

import "testing"

func TestQuotePath(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"a/b c/é.csv", "a/b c/é.csv"},
		{"x\ny", `"x\ny"`},
		{"esc\x1b[2J", `"esc\x1b[2J"`},
		{"bad\xff", `"bad\xff"`},
	} {
		if got := quotePath(tt.in); got != tt.want {
			t.Errorf("quotePath(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
