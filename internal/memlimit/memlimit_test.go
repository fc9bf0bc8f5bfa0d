package memlimit

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestStart: the limit and GC percent are set, returned to Go's defaults
// once the live heap passes Lift of the limit, and never set when
// GOMEMLIMIT or GOGC is.
func TestStart(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	defer debug.SetGCPercent(debug.SetGCPercent(100))

	stop := Start(func(k string) string {
		if k == "GOGC" {
			return "50"
		}
		return ""
	}, time.Millisecond)
	stop()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GOGC set, but the GC percent became %d", got)
	}

	debug.SetMemoryLimit(math.MaxInt64)
	stop = Start(func(k string) string {
		if k == "GOMEMLIMIT" {
			return "1GiB"
		}
		return ""
	}, time.Millisecond)
	stop()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("GOMEMLIMIT set, but the limit became %d", got)
	}

	stop = Start(func(string) string { return "" }, time.Millisecond)
	defer stop()
	if got := debug.SetMemoryLimit(-1); got != Limit {
		t.Fatalf("limit %d, want %d", got, Limit)
	}
	if got := debug.SetGCPercent(GCPercent); got != GCPercent {
		t.Fatalf("GC percent %d, want %d", got, GCPercent)
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
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GC percent %d after the lift, want Go's default 100", got)
	}
}
