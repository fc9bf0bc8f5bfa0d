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

// Errorf counts as a failure too: the helpers use it for a mismatch that
// does not stop the test.
func (r *recorder) Errorf(format string, args ...any) { r.Fatalf(format, args...) }

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

func TestCheckAll(t *testing.T) {
	boom := errors.New(`cpu = "two": not a quantity`)
	tests := []struct {
		name       string
		err        error
		wants      []string
		wantFailed bool
		wantStop   bool
	}{
		{"no error wanted, none", nil, nil, false, false},
		{"no error wanted, one", boom, nil, true, false},
		{"error wanted, all there", boom, []string{`cpu = "two"`, "quantity"}, false, true},
		{"error wanted, one missing", boom, []string{"cpu", "memory"}, true, true},
		{"error wanted, none", nil, []string{"cpu"}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			stop := CheckAll(r, tt.err, tt.wants)
			if r.failed != tt.wantFailed || stop != tt.wantStop {
				t.Fatalf("failed=%v stop=%v (%s), want failed=%v stop=%v", r.failed, stop, r.msg, tt.wantFailed, tt.wantStop)
			}
		})
	}
}

func TestCheckText(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		wants      []string
		wantFailed bool
	}{
		{"none wanted, empty", "", nil, false},
		{"none wanted, some", "exit code 2", nil, true},
		{"all there", "FAILED with exit code 2", []string{"FAILED", "exit code 2"}, false},
		{"one missing", "FAILED with exit code 2", []string{"FAILED", "TIMEOUT"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			CheckText(r, "reason", tt.text, tt.wants)
			if r.failed != tt.wantFailed {
				t.Fatalf("failed=%v (%s), want %v", r.failed, r.msg, tt.wantFailed)
			}
		})
	}
}
