package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/mlform/mlform/internal/tempdir"
	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/state/statemgr"
)

// LockFlags are the -lock and -lock-timeout flags every command that
// changes state registers, so they read the same everywhere.
type LockFlags struct {
	Enabled bool
	Timeout time.Duration
}

// Register adds -lock and -lock-timeout to fs.
func (f *LockFlags) Register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.Enabled, "lock", true, "lock the state while the command runs (-lock=false is only safe when no other mlform can run on this state)")
	fs.DurationVar(&f.Timeout, "lock-timeout", 0, "how long to wait for a state lock held by another run (e.g. 30s, 5m); 0 fails at once")
}

// lockedState opens the working directory's state and runs fn on it under
// withStateLock, then closes it: the whole life of the state for approve
// and state rm, which change it and need nothing else from it afterwards.
func lockedState(ctx context.Context, g *Globals, f LockFlags, operation string, fn func(m *statemgr.Manager) error) error {
	m, err := openState(ctx, g)
	if err != nil {
		return err
	}
	defer m.Close()
	return withStateLock(ctx, g, m, f, operation, func() error { return fn(m) })
}

// withStateLock runs fn while holding the state lock of m for operation
// (unless -lock=false), and releases it afterwards even when fn fails or
// ctx is cancelled.
func withStateLock(ctx context.Context, g *Globals, m *statemgr.Manager, f LockFlags, operation string, fn func() error) (err error) {
	if f.Timeout < 0 {
		return fmt.Errorf("-lock-timeout=%s: must not be negative (0 fails at once if the state is locked)", f.Timeout)
	}
	defer survivePipe()()
	if !f.Enabled {
		if err := rememberBackend(g); err != nil {
			return err
		}
		sweepTemp(g)
		return fn()
	}
	hooks, err := readTestHooks(g.Getenv)
	if err != nil {
		return err
	}
	g.testEvent("lock-wait " + operation)
	lock, err := m.Lock(ctx, statemgr.LockInfo{Operation: operation, Version: Version}, f.Timeout)
	if err != nil {
		return err
	}
	g.testEvent("lock-held " + operation)
	sweepTemp(g)
	defer func() {
		if uerr := lock.Unlock(context.WithoutCancel(ctx)); uerr != nil {
			err = errors.Join(err, uerr)
		}
	}()
	if err := rememberBackend(g); err != nil {
		return err
	}
	if d := hooks.holdLock; d > 0 {
		// Lets end-to-end tests make two real processes contend for
		// the lock; prints the lock id and when it was taken.
		fmt.Fprintf(g.Stderr, "test hook: holding lock %s since %s for %s\n", lock.Info().ID, time.Now().UTC().Format(time.RFC3339Nano), d)
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return fn()
}

// sweepTemp removes what killed runs left in mlform's temporary root
// (internal/tempdir): every command that takes the lock cleans up after
// the last one. Only directories of processes gone from this host go, so
// it is safe without the lock too. A failure is a warning, not an error.
func sweepTemp(g *Globals) {
	if _, err := tempdir.Sweep(); err != nil {
		fmt.Fprintf(g.Stderr, "Warning: cleaning up temporary files of killed runs: %s\n", termtext.Printable(err.Error()))
	}
}
