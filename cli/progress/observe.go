package progress

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/render"
)

// Observe reports how far plan got hashing a dataset's files. It
// stays silent for quick observations (the common, cached case) and prints
// a line every few seconds for long ones, so a first plan over a large
// dataset does not look hung.
type Observe struct {
	w        io.Writer
	interval time.Duration
	clock    func() time.Time

	mu   sync.Mutex
	seen map[string]*observeTimes // per dataset: datasets are observed concurrently
}

type observeTimes struct{ start, last time.Time }

// NewObserve writes to w.
func NewObserve(w io.Writer) *Observe {
	return &Observe{w: w, interval: 5 * time.Second, clock: time.Now, seen: map[string]*observeTimes{}}
}

// Observed receives the observer's running totals for addr (files hashed
// and bytes read so far in this observation, never deltas: adding them up
// would report many times the bytes actually read).
func (o *Observe) Observed(addr string, files int, bytes int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.clock()
	t := o.seen[addr]
	if t == nil {
		t = &observeTimes{start: now, last: now}
		o.seen[addr] = t
	}
	if now.Sub(t.last) >= o.interval {
		t.last = now
		rate := ""
		if el := now.Sub(t.start).Seconds(); el > 0 {
			rate = ", " + render.Bytes(int64(float64(bytes)/el)) + "/s"
		}
		fmt.Fprintf(o.w, "%s: observing, %s hashed (%s%s)\n", addr, textfmt.Files(files), render.Bytes(bytes), rate)
	}
}
