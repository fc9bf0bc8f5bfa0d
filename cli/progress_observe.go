package cli

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/mlform/mlform/planner/render"
)

// observeProgress reports how far plan got hashing a dataset's files. It
// stays silent for quick observations (the common, cached case) and prints
// a line every few seconds for long ones, so a first plan over a large
// dataset does not look hung.
type observeProgress struct {
	w        io.Writer
	interval time.Duration

	mu    sync.Mutex
	addr  string
	files int
	bytes int64
	start time.Time
	last  time.Time
}

func newObserveProgress(w io.Writer) *observeProgress {
	return &observeProgress{w: w, interval: 5 * time.Second}
}

// observed receives deltas from the observer (concurrently).
func (o *observeProgress) observed(addr string, files int, bytes int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := time.Now()
	if addr != o.addr {
		o.addr, o.files, o.bytes, o.start, o.last = addr, 0, 0, now, now
	}
	o.files += files
	o.bytes += bytes
	if now.Sub(o.last) >= o.interval {
		o.last = now
		el := now.Sub(o.start).Seconds()
		fmt.Fprintf(o.w, "%s: observing, %d files hashed (%s, %s/s)\n", addr, o.files, render.Bytes(o.bytes), render.Bytes(int64(float64(o.bytes)/el)))
	}
}
