// Package backoff is the wait between attempts at a contended lock (the
// state lock, the store lock): doubling from a minimum to a cap, jittered
// so that waiting processes do not retry in step, and bounded by a
// deadline and the context. One rule, so the two locks cannot drift apart.
package backoff

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// ErrDeadline is returned by Wait when no time is left before the deadline.
var ErrDeadline = errors.New("deadline reached")

// Policy is a capped, jittered exponential backoff.
type Policy struct {
	// Min is the full delay before the first retry; the first retry comes
	// quickly because most locks are held briefly.
	Min time.Duration
	// Max caps the delay, so a long wait does not hammer an object store.
	Max time.Duration
}

// Locks is the policy both locks use.
func Locks() Policy { return Policy{Min: 50 * time.Millisecond, Max: 2 * time.Second} }

// Delay is the wait before retry attempt+1: a random duration in
// [d/2, d], where d doubles from Min per attempt up to Max.
func (p Policy) Delay(attempt int) time.Duration {
	d := min(p.Min<<min(attempt, 20), p.Max)
	if d <= 0 {
		d = p.Max
	}
	return d/2 + rand.N(d/2+1)
}

// Wait sleeps for Delay(attempt), cut short to the time left before
// deadline. It returns ErrDeadline at once when that time is gone, and the
// context's error when it is cancelled first.
func (p Policy) Wait(ctx context.Context, attempt int, deadline time.Time) error {
	remaining := time.Until(deadline)
	if remaining <= 0 {
		return ErrDeadline
	}
	t := time.NewTimer(min(p.Delay(attempt), remaining))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
