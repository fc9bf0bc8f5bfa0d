// Package memlimit tunes the garbage collector of an mlform process whose
// live heap is small, which is nearly every run: a soft memory limit
// (Limit) bounds the heap, and inside it the collector runs less often
// (GOGC 400 instead of 100). A 1,000-model apply peaked at 174 MiB RSS with
// the defaults (a live heap of about 50 MiB, collected at twice that);
// validating that workspace spent a fifth of its time collecting a heap
// that only grows. Once the live heap passes Lift of the limit (a huge
// store index, a big plan) both return to Go's defaults, so a large
// workload is never made to collect continuously nor allowed five times
// its live heap. GOMEMLIMIT or GOGC, when set, are the user's choice and
// nothing is changed.
//
// Why 70 MiB: a process's RSS also counts the pages of the mlform binary
// it touched, and starting one touches most of them (hundreds of packages
// initialise: cloud SDKs, Kubernetes types): 65 MiB at `mlform version`,
// up to 76 MiB in a plan, measured on the 2-core bench machine. With 90
// MiB for Go on top, every fleet command peaked above 150 MiB whatever its
// live heap; with 70 MiB, a 1,000-model plan or apply (live heap 25-40 MiB)
// peaks near 140 MiB. The collector then runs more often than at 90 MiB:
// about 5% more CPU for a 1,000-model plan.
package memlimit

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Limit is the soft limit (bytes) while the live heap stays below Lift of
// it; GCPercent the collector's GOGC meanwhile.
const (
	Limit     = 70 << 20
	Lift      = 0.7
	GCPercent = 400
)

// Start sets the limit and GCPercent unless getenv("GOMEMLIMIT") or
// getenv("GOGC") is set, and watches the live heap every interval,
// restoring Go's defaults once the live heap passes Lift*Limit. The
// returned function stops watching (the settings stay as they are). Start
// must be called once per process.
func Start(getenv func(string) string, interval time.Duration) (stop func()) {
	if getenv("GOMEMLIMIT") != "" || getenv("GOGC") != "" {
		return func() {}
	}
	debug.SetMemoryLimit(Limit)
	debug.SetGCPercent(GCPercent)
	done := make(chan struct{})
	go watch(done, interval)
	return func() { close(done) }
}

func watch(done <-chan struct{}, interval time.Duration) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 && float64(sample[0].Value.Uint64()) > Lift*Limit {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			return
		}
	}
}
