package statemgr

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mlform/mlform/state"
)

// MigrateOptions tune Migrate.
type MigrateOptions struct {
	// Lock takes both backends' locks (source first) for the copy; false
	// only for -lock=false.
	Lock bool
	// Info describes the locks; Timeout is how long to wait for each.
	Info    LockInfo
	Timeout time.Duration
	// Force replaces a destination state of another lineage (or a newer
	// one of the same lineage); the replaced document stays as the
	// destination's backup.
	Force bool
}

// MigrateResult says what Migrate did.
type MigrateResult struct {
	// SourceEmpty: the old backend held no state; nothing was copied.
	SourceEmpty bool
	// Unchanged: the destination already held exactly this state.
	Unchanged bool
	Lineage   string
	Serial    uint64
}

// LineageConflictError refuses a migration onto a backend that already
// holds another workspace's state.
type LineageConflictError struct {
	Location        string // destination state document, redacted
	Source, Present string // lineages
}

func (e *LineageConflictError) Error() string {
	return fmt.Sprintf("the new backend already holds a state of another lineage (%s, not %s) at %s: it belongs to another workspace; "+
		"pick an empty location, or pass -force to replace it (it is kept as that backend's backup)", e.Present, e.Source, e.Location)
}

// Migrate copies the state document from one backend to another, as
// stored: same lineage, serial and content. Both backends are locked for
// the copy (unless opts.Lock is false). The source is left as it was.
// A destination that holds another lineage is refused with a
// *LineageConflictError unless opts.Force; one holding a newer serial of
// the same lineage is refused likewise (see Push).
func Migrate(ctx context.Context, from, to *Manager, opts MigrateOptions) (res *MigrateResult, err error) {
	if opts.Lock {
		for _, m := range []*Manager{from, to} {
			l, lerr := m.Lock(ctx, opts.Info, opts.Timeout)
			if lerr != nil {
				return nil, lerr
			}
			defer func() {
				if uerr := l.Unlock(context.WithoutCancel(ctx)); uerr != nil {
					err = errors.Join(err, uerr)
				}
			}()
		}
	}
	raw, err := from.ReadRaw(ctx)
	if errors.Is(err, ErrNoState) {
		return &MigrateResult{SourceEmpty: true}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("old backend: %w", err)
	}
	src, err := state.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("old backend: %w", err)
	}
	if !opts.Force {
		_, cur, err := to.current(ctx)
		if err != nil {
			return nil, fmt.Errorf("new backend: %w", err)
		}
		if cur != nil && cur.Lineage != src.Lineage {
			return nil, &LineageConflictError{Location: to.Location(), Source: src.Lineage, Present: cur.Lineage}
		}
	}
	pr, err := to.Push(ctx, raw, opts.Force)
	if err != nil {
		return nil, fmt.Errorf("copy the state to the new backend: %w", err)
	}
	return &MigrateResult{Unchanged: pr.Unchanged, Lineage: pr.Lineage, Serial: pr.Serial}, nil
}
