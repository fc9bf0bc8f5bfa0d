package kubernetes

import (
	"io"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/syncbuf"
)

func TestCopyLines(t *testing.T) {
	long := strings.Repeat("x", maxLine+10)
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"lines", "a\nbb\n", []string{"a\n", "bb\n"}},
		{"final line gets a newline", "a\npartial", []string{"a\n", "partial\n"}},
		{"empty", "", nil},
		{"long line in pieces", long + "\nend", []string{long[:maxLine], long[maxLine:] + "\n", "end\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w syncbuf.Writes
			// One byte at a time: lines must be whole however the
			// stream is cut.
			copyLines(io.NopCloser(&oneByte{s: tt.in}), &w)
			if got := w.All(); strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("writes %q, want %q", got, tt.want)
			}
		})
	}
}

type oneByte struct{ s string }

func (r *oneByte) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	p[0] = r.s[0]
	r.s = r.s[1:]
	return 1, nil
}
