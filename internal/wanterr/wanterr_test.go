package wanterr

import (
	"errors"
	"testing"

	"github.com/mlform/mlform/internal/tbrecorder"
)

// TestCheck covers Check and CheckAll, which fail and stop alike.
func TestCheck(t *testing.T) {
	boom := errors.New(`open x: cpu = "two": no such file`)
	check := func(want string) func(testing.TB, error) bool {
		return func(t testing.TB, err error) bool { return Check(t, err, want) }
	}
	checkAll := func(wants ...string) func(testing.TB, error) bool {
		return func(t testing.TB, err error) bool { return CheckAll(t, err, wants) }
	}
	tests := []struct {
		name       string
		err        error
		check      func(testing.TB, error) bool
		wantFailed bool
		wantStop   bool
	}{
		{"no error wanted, none", nil, check(""), false, false},
		{"no error wanted, one", boom, check(""), true, false},
		{"error wanted, matching", boom, check("no such file"), false, true},
		{"error wanted, other", boom, check("permission"), true, true},
		{"error wanted, none", nil, check("no such file"), true, true},
		{"all: no error wanted, none", nil, checkAll(), false, false},
		{"all: no error wanted, one", boom, checkAll(), true, false},
		{"all: error wanted, all there", boom, checkAll(`cpu = "two"`, "no such file"), false, true},
		{"all: error wanted, one missing", boom, checkAll("cpu", "memory"), true, true},
		{"all: error wanted, none", nil, checkAll("cpu"), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tbrecorder.New(t)
			stop := tt.check(r, tt.err)
			if r.Failed() != tt.wantFailed || stop != tt.wantStop {
				t.Fatalf("failed=%v stop=%v (%q), want failed=%v stop=%v", r.Failed(), stop, r.Failures, tt.wantFailed, tt.wantStop)
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
			r := tbrecorder.New(t)
			CheckText(r, "reason", tt.text, tt.wants)
			if r.Failed() != tt.wantFailed {
				t.Fatalf("failed=%v (%q), want %v", r.Failed(), r.Failures, tt.wantFailed)
			}
		})
	}
}
