package memlimit

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// gcPercent reads the collector's GOGC without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// restore puts the process's collector settings back after a test.
func restore(t *testing.T) {
	limit, percent := debug.SetMemoryLimit(-1), gcPercent()
	t.Cleanup(func() {
		debug.SetMemoryLimit(limit)
		debug.SetGCPercent(percent)
	})
}

// TestUserSettingsWin: with GOGC or GOMEMLIMIT set, nothing is changed,
// OffHeap included.
func TestUserSettingsWin(t *testing.T) {
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Run(env, func(t *testing.T) {
			restore(t)
			debug.SetMemoryLimit(math.MaxInt64)
			debug.SetGCPercent(100)
			l := Start(func(k string) string {
				if k == env {
					return "set"
				}
				return ""
			}, time.Millisecond)
			l.OffHeap(32 << 20)
			l.Stop()
			l.Stop()
			if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
				t.Errorf("limit became %d", got)
			}
			if got := gcPercent(); got != 100 {
				t.Errorf("GC percent became %d", got)
			}
		})
	}
}

// TestOffHeap: memory held outside the heap lowers the soft limit by as
// much, never below Floor, and returning it raises the limit back.
func TestOffHeap(t *testing.T) {
	restore(t)
	l := Start(func(string) string { return "" }, time.Hour)
	defer l.Stop()
	if got := gcPercent(); got != GCPercent {
		t.Fatalf("GC percent %d, want %d", got, GCPercent)
	}
	for _, step := range []struct {
		delta int64
		want  int64
	}{
		{0, Limit},
		{16 << 20, Limit - 16<<20},
		{16 << 20, Limit - 32<<20},
		{64 << 20, Floor},
		{-64 << 20, Limit - 32<<20},
		{-32 << 20, Limit},
	} {
		l.OffHeap(step.delta)
		if got := debug.SetMemoryLimit(-1); got != step.want {
			t.Fatalf("after OffHeap(%d): limit %d, want %d", step.delta, got, step.want)
		}
	}
	var none *Limiter
	none.OffHeap(1 << 20) // a nil Limiter (tests' in-process runs) ignores it
}

// TestLift: once the live heap passes Lift of the limit in force (lowered
// by off-heap memory), Go's defaults return and OffHeap no longer changes
// the limit.
func TestLift(t *testing.T) {
	restore(t)
	l := Start(func(string) string { return "" }, time.Millisecond)
	defer l.Stop()
	l.OffHeap(Limit - 40<<20) // limit in force: 40 MiB, lifted past 28 MiB live
	keep := make([][]byte, 0, 40)
	for range 40 {
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
	if got := gcPercent(); got != 100 {
		t.Fatalf("GC percent %d after the lift, want Go's default 100", got)
	}
	l.OffHeap(-(Limit - 40<<20))
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("OffHeap after the lift set the limit to %d", got)
	}
}
