package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/mlform/mlform/internal/backoff"
	"github.com/mlform/mlform/internal/procid"
	"github.com/mlform/mlform/internal/storekeys"
	"github.com/mlform/mlform/internal/whoami"
	"github.com/mlform/mlform/providers/storage/storedoc"
)

// Store locks keep gc from deleting what a concurrent writer has uploaded
// but not yet recorded in a root. Like restic's, they are objects under
// locks/, one per holder, named by a random id: a writer (apply) holds a
// shared lock for as long as it writes objects it will later reference, and
// gc holds the exclusive lock. A lock is taken by creating its object, then
// listing locks/: a conflicting lock (any exclusive one for a shared lock,
// any other lock for the exclusive one) means the new lock is removed again
// and the attempt retried after a jittered backoff. On a store with
// read-after-write listing (file, mem, S3, GCS, Azure all are) two
// conflicting holders cannot both succeed: the later of the two creates
// sees the earlier in its listing. Because every lock object has a unique
// name, the protocol does not depend on the atomicity of the create itself
// (fileblob's IfNotExist is check-then-rename); the create still asks for
// IfNotExist so a driver refuses a (never expected) name collision.

// lockPrefix is where store locks live.
const lockPrefix = storekeys.Locks

// The lock document is storedoc's: who holds a lock, of which kind.
type (
	LockKind   = storedoc.LockKind
	LockHolder = storedoc.LockHolder
)

// Lock kinds.
const (
	LockShared    = storedoc.LockShared
	LockExclusive = storedoc.LockExclusive
)

// Defaults for LockOptions.
const (
	// DefaultLockRefresh is how often a held lock is rewritten with a new
	// refresh time.
	DefaultLockRefresh = time.Minute
	// DefaultLockStale is how long a lock may go unrefreshed before others
	// consider it stale: ten refresh periods, so a slow store or a paused
	// machine does not lose a live lock. The age is measured by the
	// store's clock where it gives lock objects modification times
	// (LockEntry.Stale), so hosts' clocks need not agree.
	DefaultLockStale = 10 * time.Minute
)

// LockOptions describe a lock request.
type LockOptions struct {
	// Command is what the holder is doing ("apply", "gc").
	Command string
	// Timeout bounds the wait for a conflicting lock; 0 tries once.
	Timeout time.Duration
	// Refresh and Stale override DefaultLockRefresh and DefaultLockStale
	// (tests shorten them).
	Refresh, Stale time.Duration
	// now replaces time.Now (tests move the clock).
	now func() time.Time
}

// StoreLock is a held store lock. Its object is refreshed in the
// background until Unlock.
type StoreLock struct {
	s      *Store
	key    string
	holder LockHolder
	stop   chan struct{}
	done   chan struct{}

	// now is the wall clock (LockOptions.now in tests); trust is how long
	// after its last refresh the lock is relied on (Check).
	now   func() time.Time
	trust time.Duration

	mu   sync.Mutex
	lost error
	// confirmed is the refresh time last written to the lock object: no
	// other process judges the lock stale by its age before confirmed
	// plus the stale timeout.
	confirmed time.Time
}

// ErrLockLost is wrapped by the errors of a store lock that no longer
// protects its holder: removed by another process that judged it stale,
// or not refreshed for so long that one may have (the holder was stopped
// or suspended, or the store was unreachable). A gc elsewhere may then
// have collected what the holder uploaded or found in the index, so the
// holder must record nothing more under it.
var ErrLockLost = errors.New("store lock lost")

// Holder describes the held lock.
func (l *StoreLock) Holder() LockHolder { return l.holder }

// Lost returns a non-nil error once the lock object was found removed by
// someone else (who judged it stale): from then on it protects nothing.
func (l *StoreLock) Lost() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// LockedError reports conflicting locks that did not go away in time.
type LockedError struct {
	Want    LockKind
	Holders []LockHolder
	// Unreadable lists lock objects that cannot be decoded; they count as
	// held until removed.
	Unreadable []string
	Waited     time.Duration
}

func (e *LockedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the store is locked: cannot take the %s store lock", e.Want)
	if e.Waited > 0 {
		fmt.Fprintf(&b, " (waited %s; -lock-timeout waits longer)", e.Waited.Round(time.Millisecond))
	}
	for _, h := range e.Holders {
		fmt.Fprintf(&b, "\n  %s", h)
	}
	for _, k := range e.Unreadable {
		fmt.Fprintf(&b, "\n  unreadable lock object %s (if no mlform is running on this store, delete that object)", k)
	}
	return b.String()
}

// Lock takes a store lock of kind, waiting up to opts.Timeout (jittered
// exponential backoff) while conflicting non-stale locks exist. Stale
// locks found on the way are removed. The caller must Unlock.
func (s *Store) Lock(ctx context.Context, kind LockKind, opts LockOptions) (*StoreLock, error) {
	if kind != LockShared && kind != LockExclusive {
		return nil, fmt.Errorf("lock store: unknown lock kind %q", kind)
	}
	if opts.Refresh <= 0 {
		opts.Refresh = DefaultLockRefresh
	}
	if opts.Stale <= 0 {
		opts.Stale = DefaultLockStale
	}
	if opts.now == nil {
		opts.now = time.Now
	}
	h := LockHolder{ID: uuid.NewString(), Kind: kind, Host: procid.Host(), Boot: procid.Boot(), PID: os.Getpid(), User: whoami.User(),
		Command: opts.Command}
	key := lockPrefix + h.ID
	start := time.Now()
	for attempt := 0; ; attempt++ {
		// Each attempt writes the time it is made: a lock taken after a
		// long wait (a gc holding the exclusive lock for longer than the
		// stale timeout) must not look stale, and be removed as stale by
		// another gc, the moment it is taken.
		now := wallClock(opts.now)
		h.Created, h.Refreshed = now, now
		data, err := storedoc.EncodeLock(h)
		if err != nil {
			return nil, err
		}
		if err := s.o.Put(ctx, key, bytes.NewReader(data), true); err != nil {
			return nil, fmt.Errorf("lock store: %w", err)
		}
		conflict, err := s.conflicts(ctx, h, opts.Stale)
		if err == nil && conflict == nil {
			l := &StoreLock{s: s, key: key, holder: h, stop: make(chan struct{}), done: make(chan struct{}),
				now: opts.now, trust: opts.Stale / 2, confirmed: now}
			if kind == LockExclusive {
				s.exclusive.Add(1)
			}
			s.held(l, true)
			go l.refresh(opts.Refresh)
			return l, nil
		}
		// Not ours (yet): withdraw, so the other side can proceed.
		if derr := s.deleteKey(context.WithoutCancel(ctx), key); derr != nil && err == nil {
			err = derr
		}
		if err != nil {
			return nil, fmt.Errorf("lock store: %w", err)
		}
		if werr := backoff.Locks().Wait(ctx, attempt, start.Add(opts.Timeout)); werr != nil {
			conflict.Waited = time.Since(start)
			if errors.Is(werr, backoff.ErrDeadline) {
				return nil, conflict
			}
			return nil, fmt.Errorf("%w (stopped waiting: %w)", conflict, werr)
		}
	}
}

// conflicts lists locks/ and returns the locks that keep h from being held,
// removing stale ones.
func (s *Store) conflicts(ctx context.Context, h LockHolder, stale time.Duration) (*LockedError, error) {
	entries, err := s.listLocks(ctx)
	if err != nil {
		return nil, err
	}
	// The lock object just written is "now" by the store's clock.
	var storeNow time.Time
	for _, le := range entries {
		if le.Err == nil && le.Holder.ID == h.ID {
			storeNow = le.ModTime
		}
	}
	var e LockedError
	for _, le := range entries {
		if le.Holder.ID == h.ID {
			continue
		}
		if le.Err != nil {
			e.Unreadable = append(e.Unreadable, le.Err.Error())
			continue
		}
		if st, _ := le.Stale(storeNow, stale); st {
			// Best effort: another process may remove it first.
			_ = s.deleteKey(ctx, le.Key)
			continue
		}
		if h.Kind == LockExclusive || le.Holder.Kind == LockExclusive {
			e.Holders = append(e.Holders, le.Holder)
		}
	}
	if len(e.Holders) == 0 && len(e.Unreadable) == 0 {
		return nil, nil
	}
	e.Want = h.Kind
	return &e, nil
}

// LockEntry is one object under locks/.
type LockEntry struct {
	Key    string
	Holder LockHolder
	// ModTime is when the lock object was last written (taken or
	// refreshed) by the store's clock; zero when the driver gives none.
	ModTime time.Time
	Err     error
}

// Stale reports whether the entry's holder is gone: it ran on this host
// and its pid no longer exists, or its lock object was last written more
// than stale before storeNow, both by the store's clock (storeNow is the
// modification time of a lock object just written). A holder's own
// Refreshed is its clock, which may be minutes off the reader's: judged
// by it, a host whose clock ran ahead removed live locks of others and
// ran gc under a running apply. Without both times (a driver that gives
// none) the age is Refreshed against this host's clock.
func (le LockEntry) Stale(storeNow time.Time, stale time.Duration) (bool, string) {
	if le.ModTime.IsZero() || storeNow.IsZero() {
		return le.Holder.Stale(time.Now(), stale)
	}
	if gone, why := le.Holder.Gone(); gone {
		return true, why
	}
	if age := storeNow.Sub(le.ModTime); age > stale {
		return true, fmt.Sprintf("lock object not rewritten for %s (stale after %s)", age.Round(time.Second), stale)
	}
	return false, ""
}

// Locks lists the store's lock objects (held, stale or unreadable).
func (s *Store) Locks(ctx context.Context) ([]LockEntry, error) { return s.listLocks(ctx) }

func (s *Store) listLocks(ctx context.Context) ([]LockEntry, error) {
	keys, mods, err := s.listKeyTimes(ctx, lockPrefix)
	if err != nil {
		return nil, fmt.Errorf("list locks: %w", err)
	}
	var out []LockEntry
	for _, key := range keys {
		if !storedoc.ValidLineage(strings.TrimPrefix(key, lockPrefix)) {
			// Not a lock's key (a lock is locks/<id>, its id validated
			// when written): another's object under the store's place,
			// such as a state at BUCKET/locks/ beside a store at
			// BUCKET/. Counted as held, it blocked every apply and gc
			// of the store, and the message said to delete it.
			continue
		}
		b, err := s.getBounded(ctx, key, storedoc.MaxLockSize)
		if errors.Is(err, ErrNotFound) {
			continue // released since listed
		}
		if err != nil {
			return nil, err
		}
		h, derr := storedoc.DecodeLock(b)
		if derr == nil && lockPrefix+h.ID != key {
			derr = fmt.Errorf("names lock %s, not the one of its key", h.ID)
		}
		e := LockEntry{Key: key, Holder: h, ModTime: mods[key]}
		if derr != nil {
			e.Err = fmt.Errorf("%s: %w", key, derr)
		}
		out = append(out, e)
	}
	return out, nil
}

// refresh rewrites the lock object every period with a new Refreshed
// time, until Unlock. A lock object that disappeared was removed by
// someone who judged it stale: the lock is lost and is not recreated (a
// gc may be running now). Nor is a lock refreshed once it went
// unrefreshed for longer than it is trusted (the process was stopped or
// the machine suspended): another process may be judging it stale right
// now, and a refresh would hide that from Check.
func (l *StoreLock) refresh(period time.Duration) {
	defer close(l.done)
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		if l.overdue() != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), period)
		err := l.refreshOnce(ctx)
		cancel()
		if errors.Is(err, ErrNotFound) {
			l.setLost(fmt.Errorf("store lock %s was removed by another process while held (judged stale?): %w", l.holder.ID, err))
			return
		}
	}
}

func (l *StoreLock) refreshOnce(ctx context.Context) error {
	if _, err := l.s.o.Size(ctx, l.key); err != nil {
		return err
	}
	h := l.holder
	h.Refreshed = wallClock(l.now)
	data, err := storedoc.EncodeLock(h)
	if err != nil {
		return err
	}
	if err := l.s.o.Put(ctx, l.key, bytes.NewReader(data), false); err != nil {
		return err
	}
	l.mu.Lock()
	l.confirmed = h.Refreshed
	l.mu.Unlock()
	return nil
}

// Check reports (wrapping ErrLockLost) a lock that no longer protects its
// holder: found removed by another process, or last refreshed longer ago
// than half the stale timeout, by the wall clock, which unlike Go's
// monotonic clock also counts the time a machine was suspended. A holder
// calls it before it acts on what the lock guarantees: a writer before
// the root that makes what it uploaded (or found in the index) live, gc
// before each deletion. Half the timeout leaves the other half as a
// margin (for clock differences between hosts, on a driver that gives
// lock objects no modification time).
func (l *StoreLock) Check(ctx context.Context) error {
	if err := l.Lost(); err != nil {
		return err
	}
	if err := l.overdue(); err != nil {
		return err
	}
	if _, err := l.s.o.Size(ctx, l.key); err != nil {
		if errors.Is(err, ErrNotFound) {
			return l.setLost(fmt.Errorf("store lock %s was removed by another process while held (judged stale?): %w", l.holder.ID, err))
		}
		return fmt.Errorf("check store lock %s: %w", l.holder.ID, err)
	}
	return l.overdue() // the read itself may have taken long
}

// overdue marks the lock lost, and returns why, when its last refresh is
// older than it is trusted for.
func (l *StoreLock) overdue() error {
	l.mu.Lock()
	confirmed := l.confirmed
	l.mu.Unlock()
	if age := wallClock(l.now).Sub(confirmed); age > l.trust {
		return l.setLost(fmt.Errorf("store lock %s was last refreshed %s ago (this process was stopped or suspended, or the store unreachable): another process may have judged it stale and run gc", l.holder.ID, age.Round(time.Second)))
	}
	return nil
}

// setLost records why the lock was lost (the first reason found) and
// returns it, wrapping ErrLockLost.
func (l *StoreLock) setLost(why error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost == nil {
		l.lost = fmt.Errorf("%w: %w", ErrLockLost, why)
	}
	return l.lost
}

// wallClock is now() without Go's monotonic reading, in UTC, to the
// millisecond a lock object records: lock ages are compared by wall
// clock, as other hosts compare them.
func wallClock(now func() time.Time) time.Time {
	return now().Round(0).UTC().Truncate(time.Millisecond)
}

// held adds l to (or removes it from) the locks this Store holds.
func (s *Store) held(l *StoreLock, on bool) {
	s.locksMu.Lock()
	defer s.locksMu.Unlock()
	if on {
		if s.locks == nil {
			s.locks = map[*StoreLock]bool{}
		}
		s.locks[l] = true
	} else {
		delete(s.locks, l)
	}
}

// locksFresh is CheckLocks without reading the lock objects: it reports
// a lock found lost or not refreshed for too long. Cheap enough for every
// delete of a gc.
func (s *Store) locksFresh() error {
	s.locksMu.Lock()
	defer s.locksMu.Unlock()
	for l := range s.locks {
		if err := l.Lost(); err != nil {
			return err
		}
		if err := l.overdue(); err != nil {
			return err
		}
	}
	return nil
}

// CheckLocks runs Check on every store lock this Store holds. A Store
// holding none (a reader) has nothing to check.
func (s *Store) CheckLocks(ctx context.Context) error {
	s.locksMu.Lock()
	locks := make([]*StoreLock, 0, len(s.locks))
	for l := range s.locks {
		locks = append(locks, l)
	}
	s.locksMu.Unlock()
	for _, l := range locks {
		if err := l.Check(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Unlock stops the refresh and removes the lock object. It reports a lock
// lost while held.
func (l *StoreLock) Unlock(ctx context.Context) error {
	select {
	case <-l.stop:
		return nil // already unlocked
	default:
	}
	close(l.stop)
	<-l.done
	l.s.held(l, false)
	if l.holder.Kind == LockExclusive {
		l.s.exclusive.Add(-1)
	}
	err := l.s.deleteKey(ctx, l.key)
	return errors.Join(l.Lost(), err)
}

// getBounded reads at most limit+1 bytes of key, so an oversized object
// planted in the store cannot exhaust memory (the decoder refuses it).
func (s *Store) getBounded(ctx context.Context, key string, limit int64) ([]byte, error) {
	rc, err := s.o.GetRange(ctx, key, 0, limit+1)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return b, nil
}
