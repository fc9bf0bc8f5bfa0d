package storage

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mlform/mlform/providers/storage/manifest"
)

// fakeClock is a wall clock a test moves; step is added after each
// reading (0: it stands still).
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	step  time.Duration
	reads int
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(c.step)
	c.reads++
	return t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) readCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

// TestStoreLockOverdueIsLost: a holder whose lock went unrefreshed for
// longer than it is trusted (the process stopped with Ctrl-Z, the laptop
// suspended) may have been judged stale by another process, which then
// ran gc: it must record nothing more under the lock. A root it would
// write is refused, and so is a gc under such an exclusive lock, which
// then deletes nothing.
func TestStoreLockOverdueIsLost(t *testing.T) {
	ctx := context.Background()
	s, o := newMemStore(t, Options{})
	_, garbage := putOneFile(t, s, manifest.KindSnapshot, "a", testData(3, 5000))
	clock := &fakeClock{t: time.Now()}
	opts := LockOptions{Command: "apply", Refresh: time.Hour, Stale: 10 * time.Minute, now: clock.now}

	shared, err := s.Lock(ctx, LockShared, opts)
	if err != nil {
		t.Fatal(err)
	}
	root := &Root{Lineage: "0b6f8a52-0000-4000-8000-000000000001", IDs: []string{garbage}}
	clock.advance(4 * time.Minute)
	if err := s.CheckLocks(ctx); err != nil {
		t.Fatalf("a lock refreshed 4 minutes ago: %v", err)
	}
	if err := s.PutRoot(ctx, root); err != nil {
		t.Fatal(err)
	}
	clock.advance(2 * time.Minute) // 6 minutes: past half the stale timeout
	if err := s.CheckLocks(ctx); !errors.Is(err, ErrLockLost) {
		t.Fatalf("CheckLocks after 6 minutes without a refresh: %v, want ErrLockLost", err)
	}
	root.Serial = 2
	if err := s.PutRoot(ctx, root); !errors.Is(err, ErrLockLost) {
		t.Fatalf("PutRoot under a lost lock: %v, want ErrLockLost", err)
	}
	if got, err := s.GetRoot(ctx, root.Lineage); err != nil || got.Serial != 0 {
		t.Fatalf("the root was rewritten under a lost lock: %+v, %v", got, err)
	}
	if err := shared.Unlock(ctx); !errors.Is(err, ErrLockLost) {
		t.Errorf("Unlock of a lost lock: %v, want it reported", err)
	}
	if err := s.ForgetRoot(ctx, root.Lineage); err != nil {
		t.Fatal(err)
	}

	// The same for gc: stopped past the timeout, it deletes nothing.
	excl, err := s.Lock(ctx, LockExclusive, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer excl.Unlock(ctx)
	clock.advance(6 * time.Minute)
	if _, err := s.GC(ctx, nil); !errors.Is(err, ErrLockLost) {
		t.Fatalf("GC under an overdue exclusive lock: %v, want ErrLockLost", err)
	}
	if _, err := o.Size(ctx, manifestKey(garbage)); err != nil {
		t.Fatalf("GC under a lost lock deleted the garbage manifest: %v", err)
	}
}

// TestStoreLockRemovedIsLost: a lock object removed by another process
// (which judged it stale) is found by Check at once, not a refresh
// period later.
func TestStoreLockRemovedIsLost(t *testing.T) {
	ctx := context.Background()
	s, o := newMemStore(t, Options{})
	l, err := s.Lock(ctx, LockShared, LockOptions{Command: "apply", Refresh: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock(ctx)
	if err := o.Delete(ctx, lockPrefix+l.Holder().ID); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRoot(ctx, &Root{Lineage: "0b6f8a52-0000-4000-8000-000000000001", IDs: []string{}}); !errors.Is(err, ErrLockLost) {
		t.Fatalf("PutRoot after the lock object was removed: %v, want ErrLockLost", err)
	}
}

// TestStoreLockStampedWhenTaken: a lock taken after waiting out a
// conflicting one records the time it was taken, not the time the wait
// began. Before, a shared lock that waited longer than the stale timeout
// for a gc was written already stale, and the next gc removed it and
// collected under the apply holding it.
func TestStoreLockStampedWhenTaken(t *testing.T) {
	ctx := context.Background()
	s, o := newMemStore(t, Options{})
	gc, err := s.Lock(ctx, LockExclusive, LockOptions{Command: "gc"})
	if err != nil {
		t.Fatal(err)
	}
	// Every reading of the waiter's clock is 3 minutes after the last.
	clock := &fakeClock{t: time.Now(), step: 3 * time.Minute}
	type result struct {
		l   *StoreLock
		err error
	}
	done := make(chan result, 1)
	go func() {
		l, err := s.Lock(ctx, LockShared, LockOptions{Command: "apply", Timeout: time.Minute, Refresh: time.Hour, now: clock.now})
		done <- result{l, err}
	}()
	for clock.readCount() < 5 { // 12 minutes into its wait, by its clock
		time.Sleep(time.Millisecond) // polling the condition
	}
	if err := gc.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.l.Unlock(ctx)
	b, err := o.Get(ctx, lockPrefix+r.l.Holder().ID)
	if err != nil {
		t.Fatal(err)
	}
	locks, err := s.Locks(ctx)
	if err != nil || len(locks) != 1 {
		t.Fatalf("locks %+v, %v (object %s)", locks, err, b)
	}
	taken := clock.now().Add(-clock.step) // the last reading handed out, at most
	if stale, why := locks[0].Holder.Stale(taken, DefaultLockStale); stale {
		t.Fatalf("the lock was written stale when taken (%s): %s", why, b)
	}
}
