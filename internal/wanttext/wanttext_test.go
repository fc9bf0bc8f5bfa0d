package wanttext

import (
	"fmt"
	"testing"
)

// recorder is a testing.TB that records the failures reported to it
// instead of failing the test running it.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

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
			r := &recorder{TB: t}
			Check(r, out, tt.want, tt.notWant)
			if len(r.errors) != tt.failures {
				t.Fatalf("%d failures %q, want %d", len(r.errors), r.errors, tt.failures)
			}
		})
	}
}
