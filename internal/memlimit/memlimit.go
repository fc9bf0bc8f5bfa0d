// Package memlimit gives an mlform process a soft memory limit while its
// live heap is small, so the garbage collector returns memory instead of
// letting the heap grow to twice the live data: a 1,000-model apply peaked
// at 174 MiB RSS with the default collector and a live heap of about
// 50 MiB. Once the live heap outgrows most of the limit (a huge store
// index, a big plan), the limit is lifted, so a large workload is never
// made to collect continuously; the collector then works as by default
// (GOGC). GOMEMLIMIT, when set, is the user's choice and is left alone.
package memlimit

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Limit is the soft limit (bytes) while the live heap stays below Lift of it.
const (
	Limit = 90 << 20
	Lift  = 0.7
)

// Start sets the limit unless getenv("GOMEMLIMIT") is set, and watches the
// live heap every interval, lifting the limit once the live heap passes
// Lift*Limit. The returned function stops watching (the limit stays as it
// is). Start must be called once per process.
func Start(getenv func(string) string, interval time.Duration) (stop func()) {
	if getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	debug.SetMemoryLimit(Limit)
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
			debug.SetMemoryLimit(math.MaxInt64)
			return
		}
	}
}
