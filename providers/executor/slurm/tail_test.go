package slurm

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/syncbuf"
)

func TestTailer(t *testing.T) {
	long := strings.Repeat("x", maxLine+10)
	tests := []struct {
		name   string
		chunks []string // appended to the file between polls
		want   []string // the Writes, in order
	}{
		{"lines", []string{"a\nb\n"}, []string{"a\n", "b\n"}},
		{"line split across polls", []string{"hel", "lo\nwor", "ld\n"}, []string{"hello\n", "world\n"}},
		{"final line without newline", []string{"a\nlast"}, []string{"a\n", "last\n"}},
		{"long line in pieces", []string{long + "\nend"}, []string{long[:maxLine], long[maxLine:] + "\n", "end\n"}},
		{"empty", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "stdout")
			var got syncbuf.Writes
			tl := newTailer(path, &got)
			if read, err := tl.poll(); read || err != nil {
				t.Fatalf("poll of a file not yet created: read %v, err %v", read, err)
			}
			for _, c := range tt.chunks {
				f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.WriteString(c); err != nil {
					t.Fatal(err)
				}
				f.Close()
				if _, err := tl.poll(); err != nil {
					t.Fatal(err)
				}
			}
			if err := tl.finish(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.All(), tt.want) {
				t.Errorf("writes %q, want %q", got.All(), tt.want)
			}
		})
	}
}
