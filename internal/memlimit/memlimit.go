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
//
// Memory the process holds outside the Go heap counts against the same
// budget (Limiter.OffHeap): a snapshot's pack buffers are mapped directly
// (two of 16 MiB on two cores), and without counting them a first snapshot
// of 20,000 files let its heap grow to 50 MiB beside them and peaked at
// 160 MiB RSS; counted, it peaks near 130 MiB.
package memlimit

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// Limit is the soft limit (bytes) while the live heap stays below Lift of
// it; GCPercent the collector's GOGC meanwhile. Floor is the lowest the
// limit goes however much memory is held outside the heap: below it the
// collector would run continuously for an ordinary live heap.
const (
	Limit     = 70 << 20
	Lift      = 0.7
	GCPercent = 400
	Floor     = 24 << 20
)

// A Limiter is the process's memory budget, from Start.
type Limiter struct {
	mu      sync.Mutex
	offHeap int64
	// active: the limit is this package's to set (not the user's, not
	// lifted back to Go's defaults).
	active bool
	done   chan struct{}
	once   sync.Once
}

// Start sets the limit and GCPercent unless getenv("GOMEMLIMIT") or
// getenv("GOGC") is set, and watches the live heap every interval,
// restoring Go's defaults once the live heap passes Lift of the limit in
// force. Start must be called once per process; Stop stops watching (the
// settings stay as they are).
func Start(getenv func(string) string, interval time.Duration) *Limiter {
	l := &Limiter{}
	if getenv("GOMEMLIMIT") != "" || getenv("GOGC") != "" {
		return l
	}
	l.active = true
	debug.SetMemoryLimit(Limit)
	debug.SetGCPercent(GCPercent)
	l.done = make(chan struct{})
	go l.watch(interval)
	return l
}

// Stop stops watching the live heap. Safe to call more than once.
func (l *Limiter) Stop() {
	l.once.Do(func() {
		if l.done != nil {
			close(l.done)
		}
	})
}

// OffHeap records delta bytes more (or, negative, fewer) held outside the
// Go heap, and lowers (raises) the soft limit by as much, down to Floor.
// A nil Limiter, or one the user's GOMEMLIMIT or GOGC overrides, ignores
// it.
func (l *Limiter) OffHeap(delta int64) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.offHeap += delta
	if l.active {
		debug.SetMemoryLimit(l.limit())
	}
}

// limit is the soft limit in force; l.mu is held.
func (l *Limiter) limit() int64 {
	return max(Limit-l.offHeap, Floor)
}

func (l *Limiter) watch(interval time.Duration) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-l.done:
			return
		case <-t.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			continue
		}
		live := float64(sample[0].Value.Uint64())
		l.mu.Lock()
		lift := live > Lift*float64(l.limit())
		if lift {
			l.active = false
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
		}
		l.mu.Unlock()
		if lift {
			return
		}
	}
}
