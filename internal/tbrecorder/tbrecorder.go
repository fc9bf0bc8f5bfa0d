// Package tbrecorder is the testing.TB that the tests of the test helpers
// (wanterr, wanttext, roundtrip, ...) hand to a helper to see what it
// reports: it keeps each failure instead of failing the test running it,
// and a fatal one does not stop the goroutine, so the helper runs on.
package tbrecorder

import (
	"fmt"
	"testing"
)

// TB records the failures reported to it; everything else goes to the
// embedded testing.TB.
type TB struct {
	testing.TB
	Failures []string // each message, formatted, in the order reported
}

// New returns a TB recording for the test t.
func New(t testing.TB) *TB { return &TB{TB: t} }

// Helper does nothing: the recorder is not the test being run.
func (r *TB) Helper() {}

// Errorf records a failure.
func (r *TB) Errorf(format string, args ...any) {
	r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
}

// Fatalf records a failure as Errorf does; it does not stop.
func (r *TB) Fatalf(format string, args ...any) { r.Errorf(format, args...) }

// Failed reports whether any failure was recorded.
func (r *TB) Failed() bool { return len(r.Failures) > 0 }
