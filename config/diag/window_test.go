package diag

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/mlform/mlform/internal/wanttext"
)

func TestWriteWindowsLongLines(t *testing.T) {
	long := "x = " + strings.Repeat("(", 5000) + "BAD" + strings.Repeat(")", 5000)
	for _, tc := range []struct {
		name      string
		src       string
		at        string // the subject's text
		wantIn    []string
		wantNotIn []string
		maxLen    int
	}{
		{"short line whole", "a = 1\nb = bad\n", "bad", []string{"2: b = bad"}, []string{"..."}, 400},
		{"long line windowed", "a = 1\n" + long + "\n", "BAD", []string{"  2: ...", "BAD", "...\n"}, []string{strings.Repeat("(", 400)}, 800},
		{"long first line", long, "BAD", []string{"  1: ...", "BAD"}, nil, 800},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := strings.Index(tc.src, tc.at)
			line := strings.Count(tc.src[:i], "\n") + 1
			col := i - strings.LastIndex(tc.src[:i], "\n")
			r := hcl.Range{Filename: "m.mlf.hcl", Start: hcl.Pos{Line: line, Column: col, Byte: i}, End: hcl.Pos{Line: line, Column: col + len(tc.at), Byte: i + len(tc.at)}}
			files := map[string]*hcl.File{"m.mlf.hcl": {Bytes: []byte(tc.src)}}
			var buf bytes.Buffer
			err := Write(&buf, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Problem", Detail: "Detail.", Subject: &r}}, files, false)
			if err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			want := "Error: m.mlf.hcl:" + strconv.Itoa(line) + ":" + strconv.Itoa(col) + ": Problem"
			if !strings.Contains(out, want) {
				t.Errorf("output lacks the real position %q:\n%s", want, out)
			}
			wanttext.Check(t, out, tc.wantIn, tc.wantNotIn)
			if len(out) > tc.maxLen {
				t.Errorf("output is %d bytes, want at most %d", len(out), tc.maxLen)
			}
		})
	}
}
