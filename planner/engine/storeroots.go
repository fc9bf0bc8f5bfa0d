package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
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

// RootWriter is the StateWriter apply uses: it writes the state, then the
// roots whose ids changed. A failed root write does not fail the state
// write (the state is recorded); it is retried at the next write and by
// Finish, whose error apply reports.
type RootWriter struct {
	ws      *Workspace
	w       StateWriter
	backend string
	last    map[string][]string
	err     error
}

func (ws *Workspace) NewRootWriter(w StateWriter) *RootWriter {
	backend := ""
	if l, ok := w.(interface{ Location() string }); ok {
		backend = l.Location()
	}
	return &RootWriter{ws: ws, w: w, backend: backend}
}

func (r *RootWriter) Write(ctx context.Context, st *state.State) error {
	if err := r.w.Write(ctx, st); err != nil {
		return err
	}
	r.update(ctx, st)
	return nil
}

func (r *RootWriter) update(ctx context.Context, st *state.State) {
	written, err := r.ws.writeRoots(ctx, st, r.backend, r.last)
	r.err = err
	if err == nil {
		r.last = written
	}
}

// Finish makes sure the roots match st after the last write.
func (r *RootWriter) Finish(ctx context.Context, st *state.State) error {
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

// Referenced returns, per storage block, every store id the state refers
// to: snapshot manifests and profiles (of dataset histories and of
// retained snapshots, so every snapshot a recorded version used is
// included), version artifacts and logs. gc keeps exactly these (and
// whatever they reference). Code is recorded as a hash only, nothing in a
// store. A version input whose snapshot record is gone altogether (a state
// from before retained snapshots) cannot be placed in a store: see
// LineageGaps.
func Referenced(st *state.State) map[string][]string {
	set := map[string]map[string]bool{}
	add := func(store, id string) {
		if id == "" {
			return
		}
		if store == "" {
			store = DefaultStorage
		}
		if set[store] == nil {
			set[store] = map[string]bool{}
		}
		set[store][id] = true
	}
	// Snapshots of every dataset's history, and those that left it while
	// recorded versions still use them (state rm -force): lineage
	// protects the data a recorded version was built from.
	for _, snaps := range []map[string]*state.Dataset{st.Datasets, st.RetainedSnapshots} {
		for _, ds := range snaps {
			for _, s := range ds.Snapshots {
				add(s.Store, s.ID)
				add(s.Store, s.ProfileID)
			}
		}
	}
	for _, m := range st.Models {
		for _, v := range m.Versions {
			add(v.Store, v.ArtifactsID)
			add(v.Store, v.LogsID)
			add(v.Store, v.EnvironmentID)
			add(v.Store, v.CardID)
			add(v.Store, v.CodeID)
		}
		// A running attempt's spec, code archive and provenance: the job reads them
		// from the store, possibly long after the apply that submitted it.
		for _, r := range m.Running {
			add(r.Store, r.SpecID)
			if r.Draft != nil {
				add(r.Draft.Store, r.Draft.CodeID)
				add(r.Draft.Store, r.Draft.EnvironmentID)
				add(r.Draft.Store, r.Draft.CardID)
			}
		}
	}
	out := make(map[string][]string, len(set))
	for store, ids := range set {
		list := make([]string, 0, len(ids))
		for id := range ids {
			list = append(list, id)
		}
		sort.Strings(list)
		out[store] = list
	}
	return out
}
