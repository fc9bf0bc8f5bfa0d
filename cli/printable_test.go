package cli

import "testing"

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain message", "plain message"},
		{"two\nlines\tand tab", "two\nlines\tand tab"},
		{"open \"a\x1b[2Jb.csv\"", `open "a\x1b[2Jb.csv"`},
		{"bell\a and cr\r", `bell\x07 and cr\x0d`},
		{"unicode ü stays", "unicode ü stays"},
	}
	for _, tt := range tests {
		if got := printable(tt.in); got != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
