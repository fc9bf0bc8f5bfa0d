package memlimit

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestStart: the limit is set, lifted once the live heap passes Lift of
// it, and never set when GOMEMLIMIT is.
func TestStart(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))

	debug.SetMemoryLimit(math.MaxInt64)
	stop := Start(func(string) string { return "1GiB" }, time.Millisecond)
	stop()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("GOMEMLIMIT set, but the limit became %d", got)
	}

	stop = Start(func(string) string { return "" }, time.Millisecond)
	defer stop()
	if got := debug.SetMemoryLimit(-1); got != Limit {
		t.Fatalf("limit %d, want %d", got, Limit)
	}
	// Grow the live heap past Lift*Limit and wait for the watcher.
	keep := make([][]byte, 0, 80)
	for range 80 {
		keep = append(keep, make([]byte, 1<<20))
	}
	for i := 0; debug.SetMemoryLimit(-1) != math.MaxInt64; i++ {
		if i > 5000 {
			t.Fatal("the limit was not lifted with a live heap above it")
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	runtime.KeepAlive(keep)
}
