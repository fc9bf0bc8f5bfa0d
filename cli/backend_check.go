package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/state/statemgr"
)

// checkBackend refuses a backend other than the one the workspace in wd
// remembers (statemgr.BackendRecordPath), with the message naming
// `init -migrate-state` and `init -reconfigure`. A workspace that
// remembers none keeps working; the first command that writes under the
// state lock records it (rememberBackend), so a read-only command (plan,
// which locks but writes nothing: writesNothing) leaves no trace.
func checkBackend(g *Globals, url, wd string) error {
	rec, err := statemgr.ReadBackendRecord(wd)
	if err != nil {
		return err
	}
	if rec == nil {
		g.unrecordedBackend, g.unrecordedDir = url, wd
		return nil
	}
	if !rec.Matches(url, wd) {
		id, _, err := bloburl.Identity(url)
		if err != nil {
			return err
		}
		return &statemgr.BackendChangedError{Old: rec.URL, New: id}
	}
	return nil
}

// rememberBackend records the backend checkBackend found unrecorded. The
// commands that take the state lock call it once they hold the lock.
func rememberBackend(g *Globals) error {
	if g.unrecordedBackend == "" {
		return nil
	}
	rec, err := statemgr.NewBackendRecord(g.unrecordedBackend)
	if err != nil {
		return err
	}
	if err := statemgr.WriteBackendRecord(g.unrecordedDir, rec); err != nil {
		return err
	}
	g.unrecordedBackend = ""
	return nil
}

// writesNothing makes a command that takes the state lock but writes
// nothing (plan) leave the backend unrecorded, as a read-only command does.
func writesNothing(g *Globals) {
	g.unrecordedBackend, g.unrecordedDir = "", ""
}

// initBackendFlags are init's backend-change flags.
type initBackendFlags struct {
	migrate, reconfigure, force bool
	from                        string
}

func (f initBackendFlags) validate() error {
	switch {
	case f.migrate && f.reconfigure:
		return &ExitError{Code: 1, Message: "-migrate-state and -reconfigure exclude each other: -migrate-state copies the state to the new backend, -reconfigure uses the new backend without copying"}
	case f.from != "" && !f.migrate:
		return &ExitError{Code: 1, Message: "-from-backend is only used with -migrate-state"}
	case f.force && !f.migrate:
		return &ExitError{Code: 1, Message: "-force is only used with -migrate-state (replace a state of another lineage at the new backend)"}
	}
	return nil
}

// prepareBackend is init's backend step before the usual init: it
// compares the configured backend url with the remembered one, migrates
// or adopts it as the flags say, and records it. Lines describing what
// happened go to g.Stdout.
func prepareBackend(ctx context.Context, g *Globals, f initBackendFlags, lf LockFlags, url, wd string) error {
	if err := f.validate(); err != nil {
		return err
	}
	newID, _, err := bloburl.Identity(url)
	if err != nil {
		return err
	}
	rec, err := statemgr.ReadBackendRecord(wd)
	if err != nil && !f.reconfigure {
		return err
	}
	oldURL, oldID := "", ""
	switch {
	case f.from != "":
		if oldID, _, err = bloburl.Identity(f.from); err != nil {
			return fmt.Errorf("-from-backend: %w", err)
		}
		if rec != nil && !rec.Matches(f.from, wd) {
			return &ExitError{Code: 1, Message: fmt.Sprintf("-from-backend names %s, but this workspace was initialized with %s", oldID, rec.URL)}
		}
		oldURL = f.from
	case rec != nil:
		oldURL, oldID = rec.URL, rec.URL
	}
	changed := oldURL != "" && !sameBackend(oldURL, url, wd)
	switch {
	case !changed && f.migrate && oldURL == "":
		fmt.Fprintf(g.Stdout, "- state backend: no earlier backend is remembered, so nothing to migrate (give the old one with -from-backend=URL)\n")
	case !changed && f.migrate:
		fmt.Fprintf(g.Stdout, "- state backend: unchanged since the last init, nothing to migrate\n")
	case !changed:
	case f.reconfigure:
		fmt.Fprintf(g.Stdout, "- state backend: now %s (was %s); the state was not copied (-reconfigure)\n", newID, oldID)
	case !f.migrate:
		return &statemgr.BackendChangedError{Old: oldID, New: newID}
	default:
		if f.from == "" && rec.Redacted {
			return &ExitError{Code: 1, Message: fmt.Sprintf("the old backend %s had credentials in its URL, which mlform does not keep: give the old URL with -from-backend=URL", oldID)}
		}
		if err := migrateState(ctx, g, f, lf, oldURL, url, wd); err != nil {
			return err
		}
	}
	if oldURL == "" {
		// A first init: the backend is recorded once init holds its lock,
		// as by any command (rememberBackend), so an init that cannot reach
		// it records nothing.
		if _, err := statemgr.NewBackendRecord(url); err != nil {
			return err
		}
		g.unrecordedBackend, g.unrecordedDir = url, wd
		return nil
	}
	rec, err = statemgr.NewBackendRecord(url)
	if err != nil {
		return err
	}
	return statemgr.WriteBackendRecord(wd, rec)
}

// sameBackend reports whether URLs a and b name one backend.
func sameBackend(a, b, wd string) bool {
	rec, err := statemgr.NewBackendRecord(a)
	return err == nil && rec.Matches(b, wd)
}

// migrateState copies the state from the backend at oldURL to the one at
// newURL, both locked.
func migrateState(ctx context.Context, g *Globals, f initBackendFlags, lf LockFlags, oldURL, newURL, wd string) error {
	if lf.Timeout < 0 {
		return fmt.Errorf("-lock-timeout=%s: must not be negative (0 fails at once if the state is locked)", lf.Timeout)
	}
	from, err := openStateAt(ctx, oldURL, wd)
	if err != nil {
		return fmt.Errorf("old backend: %w", err)
	}
	defer from.Close()
	to, err := openStateAt(ctx, newURL, wd)
	if err != nil {
		return err
	}
	defer to.Close()
	res, err := statemgr.Migrate(ctx, from, to, statemgr.MigrateOptions{
		Lock: lf.Enabled, Info: statemgr.LockInfo{Operation: "init -migrate-state", Version: Version},
		Timeout: lf.Timeout, Force: f.force,
	})
	var lc *statemgr.LineageConflictError
	switch {
	case errors.As(err, &lc):
		return &ExitError{Code: 1, Message: lc.Error()}
	case err != nil:
		return err
	case res.SourceEmpty:
		fmt.Fprintf(g.Stdout, "- state backend: the old backend %s holds no state, nothing to copy\n", from.Location())
	case res.Unchanged:
		fmt.Fprintf(g.Stdout, "- state backend: %s already holds this state (lineage %s, serial %d), nothing to copy\n", to.Location(), res.Lineage, res.Serial)
	default:
		fmt.Fprintf(g.Stdout, "- state backend: copied the state (lineage %s, serial %d) from %s to %s; the old copy is left as it was\n", res.Lineage, res.Serial, from.Location(), to.Location())
	}
	return nil
}
