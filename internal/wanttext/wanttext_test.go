package wanttext

import (
	"testing"

	"github.com/mlform/mlform/internal/tbrecorder"
)

func TestCheck(t *testing.T) {
	const out = "Error: main.mlf.hcl:3:5: Unsupported argument\n"
	tests := []struct {
		name          string
		want, notWant []string
		failures      int
	}{
		{"nothing asked", nil, nil, 0},
		{"all present, none forbidden", []string{"Error:", "3:5"}, []string{"Warning", "\x1b["}, 0},
		{"one missing", []string{"Error:", "line 4"}, nil, 1},
		{"one forbidden present", nil, []string{"Unsupported"}, 1},
		{"every miss reported", []string{"x", "y"}, []string{"Error", "argument"}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tbrecorder.New(t)
			Check(r, out, tt.want, tt.notWant)
			if len(r.Failures) != tt.failures {
				t.Fatalf("%d failures %q, want %d", len(r.Failures), r.Failures, tt.failures)
			}
		})
	}
}

func TestFirstDiff(t *testing.T) {
	tests := []struct{ a, b, want string }{
		{"x\ny\n", "x\ny\n", ""},
		{"x\ny\n", "x\nz\n", "line 2:\n  want: y\n  got:  z"},
		{"x\n", "x\ny\n", "line 2:\n  want: \n  got:  y"},
	}
	for _, tt := range tests {
		if got := FirstDiff("want", tt.a, "got", tt.b); got != tt.want {
			t.Errorf("FirstDiff(%q, %q) = %q, want %q", tt.a, tt.b, got, tt.want)
		}
	}
	if got, want := FirstDiff("doc", "a", "example", "b"), "line 1:\n  doc:     a\n  example: b"; got != want {
		t.Errorf("FirstDiff with names of two widths = %q, want %q", got, want)
	}
}
