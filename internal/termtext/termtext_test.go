package termtext

import (
	"strings"
	"testing"
)

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain message", "plain message"},
		{"two\nlines\tand tab", "two\nlines\tand tab"},
		{"open \"a\x1b[2Jb.csv\"", `open "a\x1b[2Jb.csv"`},
		{"\x1b]0;TITLE\a\x1b[2J", `\x1b]0;TITLE\x07\x1b[2J`},
		{"bell\a and cr\r", `bell\x07 and cr\x0d`},
		{"c1 \u009b31m", `c1 \x9b31m`},
		{"bidi \u202egnp.exe", `bidi \u202egnp.exe`},
		{"bad \xff utf8", `bad \xff utf8`},
		{"unicode ü stays", "unicode ü stays"},
	}
	for _, tt := range tests {
		if got := Printable(tt.in); got != tt.want {
			t.Errorf("Printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\nb\tc\x1b[2J", "a b c [2J"},
		{"x\u2028y\xffz", "x y z"},
	}
	for _, tt := range tests {
		if got := OneLine(tt.in); got != tt.want {
			t.Errorf("OneLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// An escape split across writes is still neutralised; text passes whole.
func TestWriter(t *testing.T) {
	var b strings.Builder
	w := NewWriter(&b)
	for _, chunk := range []string{"ok line\nti", "tle \x1b]0;X", "\a\nend\x1b"} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if want := "ok line\ntitle \\x1b]0;X\\x07\nend\\x1b"; b.String() != want {
		t.Fatalf("got %q, want %q", b.String(), want)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"abcdefghijk", 5, "abcde..."},
		{"ééé", 3, "é..."}, // the cut moves back to a rune boundary
		{"日本語", 4, "日..."}, // never half a rune
		{"", 0, ""},
	}
	for _, tt := range tests {
		if got := Truncate(tt.in, tt.n); got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestQuotePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a/b.csv", "a/b.csv"},
		{"with space/ñew é.csv", "with space/ñew é.csv"},
		{"d|pipe<b>.csv", "d|pipe<b>.csv"},
		{"evil\n  + snapshot dataset.fake", `"evil\n  + snapshot dataset.fake"`},
		{"tab\there", `"tab\there"`},
		{"esc\x1b[31mred", `"esc\x1b[31mred"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
		{"rtl\u202egnp.exe", `"rtl\u202egnp.exe"`},
		{"csi\u009b2J", `"csi\u009b2J"`}, // a C1 control: CSI
		{"line\u2028sep", `"line\u2028sep"`},
	}
	for _, tt := range tests {
		if got := QuotePath(tt.in); got != tt.want {
			t.Errorf("QuotePath(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
