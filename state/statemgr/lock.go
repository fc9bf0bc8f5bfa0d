package statemgr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/mlform/mlform/internal/backoff"
	"github.com/mlform/mlform/internal/termtext"
)

// Lock is a held state lock.
type Lock struct {
	m    *Manager
	info LockInfo
}

// Info describes the held lock.
func (l *Lock) Info() LockInfo { return l.info }

// Lock takes the state lock, waiting up to timeout (retrying with capped,
// jittered exponential backoff) while another holder has it; timeout 0
// tries once. info describes the holder: ID, Who, Created, Path, Host and
// PID are filled in when empty. When the wait ends the error is a
// *LockedError naming the holder and the command that clears its lock.
func (m *Manager) Lock(ctx context.Context, info LockInfo, timeout time.Duration) (*Lock, error) {
	info = m.fillLockInfo(info)
	data, err := EncodeLockInfo(info)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	deadline := start.Add(timeout)
	released := 0
	for attempt := 0; ; attempt++ {
		held, err := m.tryLock(ctx, info, data)
		if err != nil {
			return nil, err
		}
		if held == nil {
			m.mu.Lock()
			m.held = info.ID
			m.mu.Unlock()
			return &Lock{m: m, info: info}, nil
		}
		if held.ID == "" && released < 3 {
			// Released between our attempt and our look: it is free,
			// retry at once (a few times, then wait like any other).
			released++
			continue
		}
		if werr := backoff.Locks().Wait(ctx, attempt, deadline); werr != nil {
			held.Waited = time.Since(start)
			if errors.Is(werr, backoff.ErrDeadline) {
				return nil, held
			}
			return nil, fmt.Errorf("%w (stopped waiting: %w)", held, werr)
		}
	}
}

// tryLock makes one attempt. It returns nil, nil when the lock is ours and a
// *LockedError when someone else holds it.
func (m *Manager) tryLock(ctx context.Context, info LockInfo, data []byte) (*LockedError, error) {
	err := m.b.create(ctx, ObjectLock, data)
	if err != nil && !errors.Is(err, errExists) {
		return nil, fmt.Errorf("lock state: %w", err)
	}
	raw, gerr := m.b.get(ctx, ObjectLock)
	switch {
	case errors.Is(gerr, errNotExist) && err == nil:
		return nil, fmt.Errorf("lock state: the lock object %s vanished right after it was created", m.b.location(ObjectLock))
	case errors.Is(gerr, errNotExist):
		// Released between our attempt and our look: report it as free
		// but busy, the caller retries.
		return &LockedError{Path: m.Location(), Reason: "the lock was released while being checked"}, nil
	case gerr != nil && err == nil:
		// We created the lock but cannot confirm it: release it rather
		// than leave a lock nobody knows it holds.
		if rerr := m.b.remove(context.WithoutCancel(ctx), ObjectLock); rerr != nil && !errors.Is(rerr, errNotExist) {
			return nil, fmt.Errorf("lock state: %w (and removing the unconfirmed lock failed: %v; release it with mlform force-unlock %s)", gerr, rerr, info.ID)
		}
		return nil, fmt.Errorf("lock state: %w", gerr)
	case gerr != nil:
		return nil, fmt.Errorf("lock state: %w", gerr)
	}
	holder, id, derr := lockIDOf(raw)
	if err == nil && derr == nil && id == info.ID {
		return nil, nil
	}
	// Created but not ours on reading back: a store that ignored the
	// condition let another writer overwrite us. Theirs wins.
	le := &LockedError{Path: m.Location(), ID: id, Holder: holder}
	if derr != nil {
		le.Reason = fmt.Sprintf("the lock object %s cannot be read: %v", m.b.location(ObjectLock), derr)
	}
	return le, nil
}

func (m *Manager) fillLockInfo(info LockInfo) LockInfo {
	if info.ID == "" {
		info.ID = uuid.NewString()
	}
	if info.Who == "" {
		info.Who = CurrentWho()
	}
	if info.Created.IsZero() {
		info.Created = time.Now().UTC().Truncate(time.Millisecond)
	}
	if info.Path == "" {
		info.Path = m.Location()
	}
	if info.Host == "" {
		info.Host = hostname()
	}
	if info.PID == 0 {
		info.PID = os.Getpid()
	}
	return info
}

// Unlock releases the lock. It refuses to remove a lock that is no longer
// this one (someone force-unlocked it and another run took it).
func (l *Lock) Unlock(ctx context.Context) error {
	l.m.mu.Lock()
	if l.m.held == l.info.ID {
		l.m.held = ""
	}
	l.m.mu.Unlock()
	raw, err := l.m.b.get(ctx, ObjectLock)
	if errors.Is(err, errNotExist) {
		return fmt.Errorf("unlock state: lock %s was already released (force-unlocked?)", l.info.ID)
	}
	if err != nil {
		return fmt.Errorf("unlock state: %w; the lock may still be held: release it with mlform force-unlock %s", err, l.info.ID)
	}
	holder, id, _ := lockIDOf(raw)
	if id != l.info.ID {
		return fmt.Errorf("unlock state: the lock is now %s, held by %s, not ours (%s): it was force-unlocked and taken by another run; leaving it", id, holder.Who, l.info.ID)
	}
	if err := l.m.b.remove(ctx, ObjectLock); err != nil && !errors.Is(err, errNotExist) {
		return fmt.Errorf("unlock state: %w; the lock is still held: release it with mlform force-unlock %s", err, l.info.ID)
	}
	return nil
}

// CurrentLock returns the lock held on the state, if any: its info (zero
// when the object cannot be decoded), the id force-unlock takes, and
// decodeErr when the object is unreadable.
func (m *Manager) CurrentLock(ctx context.Context) (info LockInfo, id string, held bool, decodeErr error, err error) {
	raw, err := m.b.get(ctx, ObjectLock)
	if errors.Is(err, errNotExist) {
		return LockInfo{}, "", false, nil, nil
	}
	if err != nil {
		return LockInfo{}, "", false, nil, fmt.Errorf("read state lock: %w", err)
	}
	info, id, decodeErr = lockIDOf(raw)
	return info, id, true, decodeErr, nil
}

// ForceUnlock removes the lock whose id is given, whoever holds it. It
// refuses when the state is not locked or is locked under another id, so a
// stale command line cannot break a lock taken since.
func (m *Manager) ForceUnlock(ctx context.Context, id string) error {
	info, cur, held, _, err := m.CurrentLock(ctx)
	if err != nil {
		return err
	}
	if !held {
		return fmt.Errorf("force-unlock: the state %s is not locked", m.Location())
	}
	if id != cur {
		who := ""
		if info.Who != "" {
			who = fmt.Sprintf(", held by %s for %s", info.Who, info.Operation)
		}
		return fmt.Errorf("force-unlock: lock ID %q does not match the current lock %s%s; nothing was removed", termtext.Truncate(id, 80), cur, who)
	}
	if err := m.b.remove(ctx, ObjectLock); err != nil && !errors.Is(err, errNotExist) {
		return fmt.Errorf("force-unlock: %w", err)
	}
	return nil
}
