package statetest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlform/mlform/state/statemgr"
)

func lock(t *testing.T, m *statemgr.Manager, op string) *statemgr.Lock {
	t.Helper()
	l, err := m.Lock(context.Background(), statemgr.LockInfo{Operation: op, Version: "9.9.9"}, 0)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	return l
}

// wantLocked checks err reports the holder and how to clear its lock.
func wantLocked(t *testing.T, err error, holder statemgr.LockInfo) {
	t.Helper()
	var le *statemgr.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want a LockedError", err)
	}
	msg := err.Error()
	for _, want := range []string{holder.ID, holder.Operation, holder.Who, holder.Version, "ago", "mlform force-unlock " + holder.ID} {
		if !strings.Contains(msg, want) {
			t.Errorf("locked error does not mention %q:\n%s", want, msg)
		}
	}
}

func testLockExcludes(t *testing.T, b Backend) {
	m1, m2 := b.Open(t), b.Open(t)
	l := lock(t, m1, "apply")
	info := l.Info()
	if info.ID == "" || info.Who == "" || info.Created.IsZero() || info.Path == "" {
		t.Errorf("lock info not filled in: %+v", info)
	}
	_, err := m2.Lock(context.Background(), statemgr.LockInfo{Operation: "plan"}, 0)
	wantLocked(t, err, info)
	cur, id, held, derr, err := m2.CurrentLock(context.Background())
	if err != nil || derr != nil || !held || id != info.ID || cur.Operation != "apply" {
		t.Errorf("CurrentLock = %+v %q %v %v %v", cur, id, held, derr, err)
	}
	if err := l.Unlock(context.Background()); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	l2 := lock(t, m2, "plan")
	if err := l2.Unlock(context.Background()); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if err := l2.Unlock(context.Background()); err == nil {
		t.Error("second Unlock of the same lock succeeded")
	}
}

func testLockWaits(t *testing.T, b Backend) {
	m1, m2 := b.Open(t), b.Open(t)
	l := lock(t, m1, "apply")
	released := make(chan time.Time, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		released <- time.Now()
		l.Unlock(context.Background())
	}()
	l2, err := m2.Lock(context.Background(), statemgr.LockInfo{Operation: "apply"}, 10*time.Second)
	acquired := time.Now()
	if err != nil {
		t.Fatalf("Lock with timeout while the holder releases: %v", err)
	}
	defer l2.Unlock(context.Background())
	if at := <-released; acquired.Before(at) {
		t.Errorf("waiter got the lock %s before the holder released it", at.Sub(acquired))
	}

	// And a waiter whose timeout ends first fails naming the holder, after
	// waiting about that long.
	start := time.Now()
	_, err = m1.Lock(context.Background(), statemgr.LockInfo{Operation: "plan"}, 200*time.Millisecond)
	wantLocked(t, err, l2.Info())
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("gave up after %s, before the 200ms timeout", d)
	}
}

func testLockRace(t *testing.T, b Backend) {
	const n = 8
	for round := 0; round < 5; round++ {
		managers := make([]*statemgr.Manager, n)
		for i := range managers {
			managers[i] = b.Open(t)
		}
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			winner []*statemgr.Lock
			start  = make(chan struct{})
		)
		for _, m := range managers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				l, err := m.Lock(context.Background(), statemgr.LockInfo{Operation: "race"}, 0)
				var le *statemgr.LockedError
				switch {
				case err == nil:
					mu.Lock()
					winner = append(winner, l)
					mu.Unlock()
				case !errors.As(err, &le):
					t.Errorf("Lock: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(winner) != 1 {
			t.Fatalf("round %d: %d of %d contenders got the lock, want exactly 1", round, len(winner), n)
		}
		if err := winner[0].Unlock(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func testLockCancelled(t *testing.T, b Backend) {
	l := lock(t, b.Open(t), "apply")
	defer l.Unlock(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := b.Open(t).Lock(ctx, statemgr.LockInfo{Operation: "plan"}, time.Hour)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock with a cancelled context: %v, want the context's error", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("cancellation did not stop the wait promptly")
	}
}

func testForceUnlock(t *testing.T, b Backend) {
	m := b.Open(t)
	ctx := context.Background()
	if err := m.ForceUnlock(ctx, "whatever"); err == nil || !strings.Contains(err.Error(), "not locked") {
		t.Errorf("ForceUnlock of an unlocked state: %v", err)
	}
	l := lock(t, b.Open(t), "apply")
	err := m.ForceUnlock(ctx, "0000-wrong")
	if err == nil || !strings.Contains(err.Error(), l.Info().ID) {
		t.Errorf("ForceUnlock with a wrong id: %v, want refusal naming the real id", err)
	}
	if _, _, held, _, _ := m.CurrentLock(ctx); !held {
		t.Fatal("refused ForceUnlock removed the lock")
	}
	if err := m.ForceUnlock(ctx, l.Info().ID); err != nil {
		t.Fatalf("ForceUnlock: %v", err)
	}
	lock(t, m, "apply").Unlock(ctx)
}

func testUnlockAfterTakeover(t *testing.T, b Backend) {
	ctx := context.Background()
	old := lock(t, b.Open(t), "apply")
	m := b.Open(t)
	if err := m.ForceUnlock(ctx, old.Info().ID); err != nil {
		t.Fatal(err)
	}
	now := lock(t, m, "apply")
	if err := old.Unlock(ctx); err == nil {
		t.Error("a force-unlocked holder released the new holder's lock")
	}
	if _, id, held, _, _ := m.CurrentLock(ctx); !held || id != now.Info().ID {
		t.Error("new holder lost its lock")
	}
	now.Unlock(ctx)
}

func testUnreadableLock(t *testing.T, b Backend) {
	ctx := context.Background()
	b.Put(t, statemgr.ObjectLock, []byte("\x00garbage{"))
	m := b.Open(t)
	_, err := m.Lock(ctx, statemgr.LockInfo{Operation: "apply"}, 0)
	var le *statemgr.LockedError
	if !errors.As(err, &le) || !strings.HasPrefix(le.ID, "unreadable-") || !strings.Contains(err.Error(), "mlform force-unlock "+le.ID) {
		t.Fatalf("Lock over an unreadable lock object: %v", err)
	}
	if err := m.ForceUnlock(ctx, le.ID); err != nil {
		t.Fatalf("ForceUnlock of the unreadable lock by its id: %v", err)
	}
	lock(t, m, "apply").Unlock(ctx)
}

// A run whose lock was force-unlocked (and maybe taken by another run) must
// not write: it would overwrite the other run's changes.
func testWriteAfterLockTaken(t *testing.T, b Backend) {
	seed(t, b)
	ctx := context.Background()
	m1, m2 := b.Open(t), b.Open(t)
	l1 := lock(t, m1, "apply")
	s := Read(t, m1)
	s.Datasets["churn"].Snapshots = nil
	if err := m2.ForceUnlock(ctx, l1.Info().ID); err != nil {
		t.Fatal(err)
	}
	before := b.Get(t, statemgr.ObjectState)
	if err := m1.Write(ctx, s); err == nil || !strings.Contains(err.Error(), "released by someone else") {
		t.Errorf("Write after the lock was released by someone else: %v", err)
	}
	l2 := lock(t, m2, "apply")
	if err := m1.Write(ctx, s); err == nil || !strings.Contains(err.Error(), l2.Info().ID) {
		t.Errorf("Write after the lock was taken by another run: %v, want refusal naming lock %s", err, l2.Info().ID)
	}
	if _, err := m1.Push(ctx, mustEncode(t, s), true); err == nil {
		t.Error("Push after the lock was taken by another run succeeded")
	}
	if !bytes.Equal(before, b.Get(t, statemgr.ObjectState)) {
		t.Fatal("a run that lost its lock changed the state")
	}
	// The new holder writes normally.
	s2 := Read(t, m2)
	s2.Datasets["churn"].Snapshots = s2.Datasets["churn"].Snapshots[:1]
	write(t, m2, s2)
	l2.Unlock(ctx)
}
