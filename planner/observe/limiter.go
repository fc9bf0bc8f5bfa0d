package observe

import (
	"math"
	"sync"

	"github.com/mlform/mlform/planner/profile"
)

// limiter keeps per-file column profiles small. Per column it tracks the
// SampleSize smallest sample hashes seen so far across files; the merged
// sample can never use a point above that running limit, so each file's
// sample is cut at twice it (the slack lets later scans drop or change
// files and still merge an exact sample from the cached parts). Memory and
// cache size are then about two samples per column in all, not one per
// file.
type limiter struct {
	mu    sync.Mutex
	heaps map[string][]uint64 // column -> max-heap of the smallest hashes
}

func newLimiter() *limiter { return &limiter{heaps: make(map[string][]uint64)} }

// cut offers p's sample points and truncates p at twice the running limit.
func (l *limiter) cut(p *profile.Profile) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range p.Columns {
		h := l.heaps[c.Name]
		for _, pt := range c.Sample { // ascending hashes
			if len(h) < profile.SampleSize {
				h = pushMax(h, pt.Hash)
				continue
			}
			if pt.Hash >= h[0] {
				break
			}
			h[0] = pt.Hash
			siftDown(h)
		}
		l.heaps[c.Name] = h
		if len(h) == profile.SampleSize {
			limit := uint64(math.MaxUint64)
			if h[0] < math.MaxUint64/2 {
				limit = 2 * h[0]
			}
			c.Truncate(limit)
		}
	}
}

func pushMax(h []uint64, x uint64) []uint64 {
	h = append(h, x)
	for i := len(h) - 1; i > 0; {
		parent := (i - 1) / 2
		if h[parent] >= h[i] {
			break
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
	return h
}

func siftDown(h []uint64) {
	for i := 0; ; {
		l, r, big := 2*i+1, 2*i+2, i
		if l < len(h) && h[l] > h[big] {
			big = l
		}
		if r < len(h) && h[r] > h[big] {
			big = r
		}
		if big == i {
			return
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
}
