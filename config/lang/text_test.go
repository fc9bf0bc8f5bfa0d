package lang

import (
	"fmt"
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	utf16le := func(s string) []byte {
		var b []byte
		for _, r := range s {
			b = append(b, byte(r), 0)
		}
		return b
	}
	tests := []struct {
		name string
		src  []byte
		want string // "" when the file is accepted
		at   string // line:column, when not 1:1
	}{
		{"utf-8", []byte("dataset \"d\" {\n  source = \"data\"\n}\n"), "", ""},
		{"utf-8 with BOM", []byte("\xEF\xBB\xBFx = 1\n"), "", ""},
		{"invalid utf-8 is HCL's to report", []byte("x = \"\xff\"\n"), "", ""},
		{"empty", nil, "", ""},
		{"utf-16le BOM", append([]byte{0xFF, 0xFE}, utf16le("x = 1\n")...), "is UTF-16 text (it begins with a UTF-16 byte order mark)", ""},
		{"utf-16be BOM", []byte{0xFE, 0xFF, 0, 'x'}, "is UTF-16 text", ""},
		{"utf-16le without BOM", utf16le("dataset \"d\" {}\n"), "looks like UTF-16 text", ""},
		{"binary", []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00>\x00"), "holds a NUL byte: it is not a text file", ""},
		{"one NUL in text", []byte("x = 1\n\x00y = 2\n"), "holds a NUL byte", "2:1"},
		{"NUL late in a line", []byte("x = 1\r\n\ty = \"é\x00\"\n\x00"), "holds a NUL byte", "2:8"},
		{"NUL in a binary", []byte("x = 1\n\x01\x00"), "holds a NUL byte", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diags := CheckText(tt.src, "main.mlf.hcl")
			if tt.want == "" {
				if len(diags) != 0 {
					t.Fatalf("got %v, want no error", diags)
				}
				return
			}
			if len(diags) != 1 || !strings.Contains(diags[0].Detail, tt.want) || diags[0].Subject == nil || diags[0].Subject.Filename != "main.mlf.hcl" {
				t.Fatalf("got %v, want one error at main.mlf.hcl saying %q", diags, tt.want)
			}
			at := "1:1"
			if tt.at != "" {
				at = tt.at
			}
			if got := fmt.Sprintf("%d:%d", diags[0].Subject.Start.Line, diags[0].Subject.Start.Column); got != at {
				t.Errorf("at %s, want %s", got, at)
			}
		})
	}
}
