package planner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/state"
)

// A store may be shared by many workspaces, each with its own state. Each
// workspace keeps a root in every store it declares (storage.Root: the ids
// its state references there), rewritten after each state write that
// changes them, and writers hold a shared store lock while they upload, so
// that gc, under the exclusive lock, keeps the union of every root.
// docs/store-format.md gives the write order and the crash cases.

// StoreLocking says which shared store lock Workspace.Store takes.
type StoreLocking struct {
	// Command names the holder ("apply").
	Command string
	// Timeout bounds the wait while gc holds the exclusive lock.
	Timeout time.Duration
}

// WriteRoots writes this workspace's root to every declared store: the ids
// st references there (none for a store it no longer uses), its lineage,
// serial and backend (redacted). Call it after the state write: the root
// describes the recorded state, and until it lands the writer's shared
// store lock keeps gc away (docs/store-format.md, "Write order").
func (ws *Workspace) WriteRoots(ctx context.Context, st *state.State, backend string) error {
	_, err := ws.writeRoots(ctx, st, backend, nil)
	return err
}

// writeRoots writes the roots whose ids differ from last (nil: all) and
// returns what it wrote, by store.
func (ws *Workspace) writeRoots(ctx context.Context, st *state.State, backend string, last map[string][]string) (map[string][]string, error) {
	refs := Referenced(st)
	host, _ := os.Hostname()
	written := map[string][]string{}
	var errs []error
	for _, name := range ws.StoreNames() {
		ids := refs[name]
		if ids == nil {
			ids = []string{}
		}
		if prev, ok := last[name]; ok && slices.Equal(prev, ids) {
			written[name] = prev
			continue
		}
		store, err := ws.Store(ctx, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r := &storage.Root{Lineage: st.Lineage, Backend: backend, Host: host, Written: time.Now().UTC(), Serial: st.Serial, IDs: ids}
		if err := store.PutRoot(ctx, r); err != nil {
			errs = append(errs, fmt.Errorf("storage %q: %w", name, err))
			continue
		}
		written[name] = ids
	}
	return written, errors.Join(errs...)
}

// rootWriter is the StateWriter apply uses: it writes the state, then the
// roots whose ids changed. A failed root write does not fail the state
// write (the state is recorded); it is retried at the next write and by
// finish, whose error apply reports.
type rootWriter struct {
	ws      *Workspace
	w       StateWriter
	backend string
	last    map[string][]string
	err     error
}

func (ws *Workspace) newRootWriter(w StateWriter) *rootWriter {
	backend := ""
	if l, ok := w.(interface{ Location() string }); ok {
		backend = l.Location()
	}
	return &rootWriter{ws: ws, w: w, backend: backend}
}

func (r *rootWriter) Write(ctx context.Context, st *state.State) error {
	if err := r.w.Write(ctx, st); err != nil {
		return err
	}
	r.update(ctx, st)
	return nil
}

func (r *rootWriter) update(ctx context.Context, st *state.State) {
	written, err := r.ws.writeRoots(ctx, st, r.backend, r.last)
	r.err = err
	if err == nil {
		r.last = written
	}
}

// finish makes sure the roots match st after the last write.
func (r *rootWriter) finish(ctx context.Context, st *state.State) error {
	if r.last == nil && r.err == nil {
		return nil // nothing was written
	}
	if r.err != nil {
		r.update(ctx, st)
	}
	if r.err != nil {
		return fmt.Errorf("the state is recorded, but this workspace's root in the store could not be written (gc from another workspace could collect what it references; run apply or gc here again): %w", r.err)
	}
	return nil
}

// StoreRoots is what one store knows of its users.
type StoreRoots struct {
	Store string
	Roots []storage.RootEntry
	Locks []storage.LockEntry
}

// ListRoots lists every declared store's roots and locks (gc -workspaces).
func (ws *Workspace) ListRoots(ctx context.Context) ([]*StoreRoots, error) {
	var out []*StoreRoots
	for _, name := range ws.StoreNames() {
		store, err := ws.Store(ctx, name)
		if err != nil {
			return out, err
		}
		roots, err := store.Roots(ctx)
		if err != nil {
			return out, fmt.Errorf("storage %q: %w", name, err)
		}
		locks, err := store.Locks(ctx)
		if err != nil {
			return out, fmt.Errorf("storage %q: %w", name, err)
		}
		out = append(out, &StoreRoots{Store: name, Roots: roots, Locks: locks})
	}
	return out, nil
}

// ForgetWorkspace removes the root of lineage from every declared store,
// so gc stops protecting what only that workspace referenced. It refuses
// this workspace's own lineage (gc rewrites that root from the state). It
// returns the stores that had a root for it; none is an error.
func (ws *Workspace) ForgetWorkspace(ctx context.Context, st *state.State, lineage string) ([]string, error) {
	if lineage == st.Lineage {
		return nil, fmt.Errorf("-forget-workspace %s: that is this workspace's own lineage; its root is rewritten from its state (remove state entries with mlform state rm instead)", lineage)
	}
	if !storage.ValidLineage(lineage) {
		return nil, fmt.Errorf("-forget-workspace %q: not a lineage (letters, digits and dashes; mlform gc -workspaces lists them)", lineage)
	}
	var forgot []string
	for _, name := range ws.StoreNames() {
		store, err := ws.Store(ctx, name)
		if err != nil {
			return forgot, err
		}
		err = store.ForgetRoot(ctx, lineage)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return forgot, fmt.Errorf("storage %q: %w", name, err)
		}
		forgot = append(forgot, name)
	}
	if len(forgot) == 0 {
		return nil, fmt.Errorf("-forget-workspace %s: no declared store has a root for that lineage (mlform gc -workspaces lists them)", lineage)
	}
	return forgot, nil
}
