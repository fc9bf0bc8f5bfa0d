package wanterr

import (
	"errors"
	"testing"
)

// recorder is a testing.TB that records a fatal failure instead of
// stopping the goroutine's test.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = true
	r.msg = format
}

func TestCheck(t *testing.T) {
	boom := errors.New("open x: no such file")
	tests := []struct {
		name       string
		err        error
		want       string
		wantFailed bool
		wantStop   bool
	}{
		{"no error wanted, none", nil, "", false, false},
		{"no error wanted, one", boom, "", true, false},
		{"error wanted, matching", boom, "no such file", false, true},
		{"error wanted, other", boom, "permission", true, true},
		{"error wanted, none", nil, "no such file", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			stop := Check(r, tt.err, tt.want)
			if r.failed != tt.wantFailed || stop != tt.wantStop {
				t.Fatalf("failed=%v stop=%v (%s), want failed=%v stop=%v", r.failed, stop, r.msg, tt.wantFailed, tt.wantStop)
			}
		})
	}
}
