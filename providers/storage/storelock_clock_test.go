package storage

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gocloud.dev/blob/memblob"

	"github.com/mlform/mlform/providers/storage/storedoc"
)

// TestStoreLockAgeByStoreClock: the age of another host's lock is
// measured by the store's clock (the modification time it gives the lock
// object, which every refresh rewrites), not by the holder's Refreshed
// against this host's clock. Before, a gc on a host whose clock ran 11
// minutes ahead of an applying host's removed the apply's live lock as
// stale and collected under it; and a lock whose holder's clock ran ahead
// was never stale for anyone until its clock's time had passed.
func TestStoreLockAgeByStoreClock(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	s, err := Open(ctx, "file://"+dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now().UTC().Truncate(time.Millisecond)
	tests := []struct {
		name      string
		refreshed time.Time     // by the holder's clock
		written   time.Duration // how long ago the store wrote the object
		stale     bool
	}{
		// The holder's clock is an hour behind; it just refreshed.
		{"clock-behind-just-written", now.Add(-time.Hour), 0, false},
		// Its clock is 11 minutes ahead; it has not refreshed for 11.
		{"clock-ahead-not-rewritten", now, 11 * time.Minute, true},
		{"not-rewritten-for-9-minutes", now.Add(-9 * time.Minute), 9 * time.Minute, false},
		{"not-rewritten-for-an-hour", now.Add(-time.Hour), time.Hour, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Another host: the same-host dead-pid rule does not apply.
			h := LockHolder{ID: "other-" + tc.name, Kind: LockShared, Host: "elsewhere.invalid", PID: 1, User: "ana",
				Command: "apply", Created: tc.refreshed, Refreshed: tc.refreshed}
			b, err := storedoc.EncodeLock(h)
			if err != nil {
				t.Fatal(err)
			}
			key := lockPrefix + h.ID
			if err := s.o.Put(ctx, key, bytes.NewReader(b), true); err != nil {
				t.Fatal(err)
			}
			defer s.o.Delete(ctx, key)
			if tc.written > 0 {
				mt := time.Now().Add(-tc.written)
				if err := os.Chtimes(filepath.Join(dir, "locks", h.ID), mt, mt); err != nil {
					t.Fatal(err)
				}
			}
			gc, err := s.Lock(ctx, LockExclusive, LockOptions{Command: "gc", Refresh: time.Hour})
			_, serr := s.o.Size(ctx, key)
			if tc.stale {
				if err != nil {
					t.Fatalf("a lock not rewritten for %s blocked gc: %v", tc.written, err)
				}
				gc.Unlock(ctx)
				if !errors.Is(serr, ErrNotFound) {
					t.Errorf("the stale lock was not removed: %v", serr)
				}
				return
			}
			var locked *LockedError
			if !errors.As(err, &locked) || !strings.Contains(err.Error(), h.ID) {
				if err == nil {
					gc.Unlock(ctx)
				}
				t.Fatalf("gc took the exclusive lock over a live lock (written %s ago, refreshed %s by its clock): %v", tc.written, tc.refreshed, err)
			}
			if serr != nil {
				t.Errorf("the live lock was removed: %v", serr)
			}
		})
	}
}

// noModTimes is a bucket whose listing gives no modification times.
type noModTimes struct{ objects }

func (o noModTimes) List(ctx context.Context, prefix string, fn func(string, int64, time.Time) error) error {
	return o.objects.List(ctx, prefix, func(key string, size int64, _ time.Time) error { return fn(key, size, time.Time{}) })
}

// TestStoreLockAgeWithoutModTimes: on a driver that gives no modification
// times, a lock's age is its holder's Refreshed by this host's clock.
func TestStoreLockAgeWithoutModTimes(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	defer b.Close()
	o := bucketObjects{b: b}
	s := openStore(t, noModTimes{o}, Options{})
	defer s.Close()
	now := time.Now().UTC()
	for _, tc := range []struct {
		refreshed time.Time
		stale     bool
	}{{now.Add(-time.Minute), false}, {now.Add(-time.Hour), true}} {
		h := LockHolder{ID: "other", Kind: LockShared, Host: "elsewhere.invalid", PID: 1, User: "ana",
			Command: "apply", Created: tc.refreshed, Refreshed: tc.refreshed}
		data, err := storedoc.EncodeLock(h)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Put(ctx, lockPrefix+h.ID, bytes.NewReader(data), false); err != nil {
			t.Fatal(err)
		}
		locks, err := s.Locks(ctx)
		if err != nil || len(locks) != 1 || !locks[0].ModTime.IsZero() {
			t.Fatalf("locks %+v, %v: want one, without a modification time", locks, err)
		}
		gc, err := s.Lock(ctx, LockExclusive, LockOptions{Command: "gc", Refresh: time.Hour})
		if tc.stale != (err == nil) {
			t.Fatalf("refreshed %s: exclusive lock err %v, want stale=%v", tc.refreshed, err, tc.stale)
		}
		if err == nil {
			gc.Unlock(ctx)
		}
	}
}
