package tbrecorder

import (
	"slices"
	"testing"
)

func TestRecords(t *testing.T) {
	r := New(t)
	if r.Failed() {
		t.Fatal("a new recorder reports a failure")
	}
	r.Errorf("a %d", 1)
	r.Fatalf("b %q", "x")
	r.Errorf("c")
	if want := []string{"a 1", `b "x"`, "c"}; !r.Failed() || !slices.Equal(r.Failures, want) {
		t.Fatalf("failures %q (failed %v), want %q", r.Failures, r.Failed(), want)
	}
}
