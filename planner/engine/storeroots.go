package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/storedoc"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
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
	_, err := ws.writeRoots(ctx, st, st.Serial, backend, newRefIndex(st), nil)
	return err
}

// GuardRoots writes, before a state write that replaces old with next
// wholesale (state push), a root naming what either references, so gc
// elsewhere can take neither while the write lands; WriteRoots after the
// write narrows it to next. Call it under the shared store lock
// (ws.Locking), which the caller keeps until WriteRoots is done.
func (ws *Workspace) GuardRoots(ctx context.Context, old, next *state.State, backend string) error {
	union := newRefIndex(next)
	if old != nil {
		for store, ids := range newRefIndex(old).ids {
			merged := slices.Concat(union.ids[store], ids)
			slices.Sort(merged)
			union.ids[store] = slices.Compact(merged)
		}
	}
	// What the roots name now stays named too: when the stored state is
	// gone or an older copy, they are the only record of what the newest
	// state referenced, and a guard never narrows.
	var rootSerial uint64
	for _, name := range ws.StoreNames() {
		store, err := ws.Store(ctx, name)
		if err != nil {
			continue
		}
		r, err := store.GetRoot(ctx, storedoc.WorkspaceRootName(next.Lineage, backend, name))
		if err != nil {
			continue
		}
		rootSerial = max(rootSerial, r.Serial)
		merged := slices.Concat(union.ids[name], r.IDs)
		slices.Sort(merged)
		union.ids[name] = slices.Compact(merged)
	}
	// The guard root carries the serial of the state in place until the
	// write lands (old's), so a push killed in between leaves no root
	// ahead of the state (storage.RootAhead), and never less than what
	// the roots carry now, which would refuse it (a forced push over an
	// older copy put back by hand is stored above them: cli/state.go).
	serial := next.Serial
	if old != nil {
		serial = old.Serial
	}
	serial = max(serial, rootSerial)
	_, err := ws.writeRoots(ctx, next, serial, backend, union, nil)
	return err
}

// EnsureRoots writes this workspace's root to every declared store whose
// root cannot be read: forgotten by gc -forget-workspace while the
// workspace was still in use, deleted or damaged by hand. A run that
// writes no state writes no root otherwise, and a gc from another
// workspace would then collect what this state references. It costs one
// read per store; call it under the shared store lock (ws.Locking).
//
// A root written from a newer state of this workspace is an error, as in
// CheckRoots.
func (ws *Workspace) EnsureRoots(ctx context.Context, st *state.State, backend string) error {
	roots, err := ws.ownRoots(ctx, st, backend)
	if err != nil {
		return err
	}
	missing := map[string]bool{}
	for _, name := range ws.StoreNames() {
		if roots[name] == nil {
			missing[name] = true
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := ws.writeRoots(ctx, st, st.Serial, backend, newRefIndex(st), missing); err != nil {
		return fmt.Errorf("this workspace's root is missing from a store and could not be written (gc from another workspace could collect what the state references; run apply or gc here again): %w", err)
	}
	return nil
}

// CheckRoots returns a *storage.RootAheadError (wrapped) when a declared
// store holds a root of this workspace written from a newer state than st:
// the state was replaced by an older copy, and a command that writes the
// state or the roots would let gc delete what the newer one recorded.
// Commands that change the state or collect garbage call it first, so
// they stop before doing any work; PutWorkspaceRoot refuses such a write
// in any case.
func (ws *Workspace) CheckRoots(ctx context.Context, st *state.State, backend string) error {
	_, err := ws.ownRoots(ctx, st, backend)
	return err
}

// PeekRoots is CheckRoots for a command that writes nothing and opens no
// store otherwise (plan): it reads each root without opening its store
// (storage.PeekRoot), and passes over a store it cannot read (missing,
// unreachable, no credentials), which apply then checks for certain. A
// plan made from a state put back by hand would propose again what the
// newer state recorded (a second "v2"), which apply would refuse.
func (ws *Workspace) PeekRoots(ctx context.Context, st *state.State, backend string) error {
	for _, name := range ws.StoreNames() {
		rootName := storedoc.WorkspaceRootName(st.Lineage, backend, name)
		root, err := storage.PeekRoot(ctx, ws.StoreURLs[name], ws.BaseDir, rootName)
		if err != nil {
			continue
		}
		if err := storage.RootAhead(rootName, root, st.Serial); err != nil {
			return fmt.Errorf("storage %q: %w", name, err)
		}
	}
	return nil
}

// NewestRootSerial is the highest serial among the roots of the state
// lineage at backend in the declared stores (0: none can be read).
func (ws *Workspace) NewestRootSerial(ctx context.Context, lineage, backend string) uint64 {
	var n uint64
	for _, name := range ws.StoreNames() {
		store, err := ws.Store(ctx, name)
		if err != nil {
			continue
		}
		if r, err := store.GetRoot(ctx, storedoc.WorkspaceRootName(lineage, backend, name)); err == nil {
			n = max(n, r.Serial)
		}
	}
	return n
}

// ownRoots reads this workspace's root in every declared store (no entry
// where it cannot be read), refusing one that is ahead of st.
func (ws *Workspace) ownRoots(ctx context.Context, st *state.State, backend string) (map[string]*storage.Root, error) {
	roots := map[string]*storage.Root{}
	for _, name := range ws.StoreNames() {
		store, err := ws.Store(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("storage %q: %w", name, err)
		}
		rootName := storedoc.WorkspaceRootName(st.Lineage, backend, name)
		root, err := store.GetRoot(ctx, rootName)
		if err != nil {
			continue
		}
		if err := storage.RootAhead(rootName, root, st.Serial); err != nil {
			return nil, fmt.Errorf("storage %q: %w", name, err)
		}
		roots[name] = root
	}
	return roots, nil
}

// writeRoots writes the roots of the declared stores in only (nil: all)
// with the ids refs holds, recording st's lineage at serial, and returns
// the stores whose root it could not write.
func (ws *Workspace) writeRoots(ctx context.Context, st *state.State, serial uint64, backend string, refs *refIndex, only map[string]bool) (map[string]bool, error) {
	host, _ := os.Hostname()
	failed := map[string]bool{}
	var errs []error
	var written []*storage.Store
	var writtenNames []string
	for _, name := range ws.StoreNames() {
		if only != nil && !only[name] {
			continue
		}
		ids := refs.ids[name]
		if ids == nil {
			ids = []string{}
		}
		store, err := ws.Store(ctx, name)
		if err == nil {
			r := &storage.Root{Lineage: st.Lineage, Backend: backend, Host: host, Written: time.Now().UTC(), Serial: serial, IDs: ids}
			if _, err = store.PutWorkspaceRoot(ctx, r, name); err != nil {
				err = fmt.Errorf("storage %q: %w", name, err)
			} else {
				written = append(written, store)
				writtenNames = append(writtenNames, name)
			}
		}
		if err != nil {
			failed[name] = true
			errs = append(errs, err)
		}
	}
	// The roots an older mlform wrote under the lineage alone go once
	// every block's root is written: two blocks may name one store, and
	// the old root protects what the state keeps through either.
	if len(errs) == 0 {
		for _, store := range written {
			if err := store.ForgetLegacyRoot(ctx, st.Lineage, backend); err != nil {
				errs = append(errs, err)
			}
		}
		// A local backend's roots were named by its path alone before
		// they named the host too (statemgr.Manager.RootBackend): the
		// ones this host wrote are replaced now. Another host's stay:
		// they are a copy's at the same path.
		if rhost, path, ok := statemgr.SplitLocalRootBackend(backend); ok && rhost == host {
			for i, store := range written {
				if err := store.ForgetRootOf(ctx, st.Lineage, path, host); err != nil {
					errs = append(errs, err)
				}
				if err := store.ForgetRootOf(ctx, storedoc.WorkspaceRootName(st.Lineage, path, writtenNames[i]), path, host); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	return failed, errors.Join(errs...)
}

// RootWriter is the StateWriter apply uses: it writes the state, then the
// roots whose ids changed. What the state references is kept as an index
// (storeroots_index.go) updated from the entries a write was announced to
// touch (statemgr.Changing*, as the journal uses them), so an action costs
// what it changed; an unannounced write, or one the state shows touched
// more, rebuilds the index from the whole state. A failed root write does
// not fail the state write (the state is recorded); its store stays due
// and is retried at the next write and by Finish, whose error apply
// reports.
type RootWriter struct {
	ws      *Workspace
	w       StateWriter
	backend string
	// refs describes the state as last written (nil before the first
	// write).
	refs *refIndex
	// due are the stores whose root does not match refs yet.
	due map[string]bool
	// serials are the serials of the roots this run wrote, per store.
	serials map[string]uint64
	err     error
	// refused is the first write the guard refused (Refused).
	refused error
	// verify checks every incremental update against a rebuild
	// (storeroots_verify_*.go: test builds).
	verify bool
}

func (ws *Workspace) NewRootWriter(w StateWriter) *RootWriter {
	return &RootWriter{ws: ws, w: w, backend: RootBackendOf(w), due: map[string]bool{}, serials: map[string]uint64{}, verify: verifyRootIndex}
}

// RootBackendOf is the backend w's roots are named for: its RootBackend
// (statemgr.Manager) or its Location; "" for neither.
func RootBackendOf(w StateWriter) string {
	if l, ok := w.(interface{ RootBackend() string }); ok {
		return l.RootBackend()
	}
	if l, ok := w.(interface{ Location() string }); ok {
		return l.Location()
	}
	return ""
}

func (r *RootWriter) Write(ctx context.Context, st *state.State) error {
	guarded, err := r.guard(ctx, st)
	if err != nil {
		if r.refused == nil {
			r.refused = err
		}
		return err // nothing written: the state names nothing that is not durable
	}
	if err := r.w.Write(ctx, st); err != nil {
		return err
	}
	if err := r.index(ctx, st); err != nil {
		return err
	}
	// A guard root that names exactly what the state now references
	// needs no rewrite until Finish, which brings it to the state's
	// serial (it carries the serial of the state it replaced).
	for name, n := range guarded {
		if len(r.refs.ids[name]) == n {
			delete(r.due, name)
		}
	}
	r.writeDue(ctx, st)
	return nil
}

// guard writes, before st is written, the root of every store in which st
// references an id the state as last written does not: the ids the roots
// named so far (the last written state's, r.refs; before the first write,
// the stored root's) and the new ones. So from the moment the state names
// an id, a root names it too, and a run killed between the state write and
// the root write leaves nothing a gc elsewhere could take: the root is a
// superset until the write after (docs/store-format.md, "Write order").
// It returns, per store whose guard root was written, the number of ids it
// names, and an error when a store could not make what it wrote durable
// (the state is then not written). A store whose guard write failed gets its root after the state
// write, as before.
//
// A guard root carries st's serial before the write (the serial of the
// state in place while the write is under way), never the serial the
// write will give it: a run killed before the state write then leaves
// no root ahead of the state, and a root ahead of the state is always a
// state put back from an older copy (storage.RootAhead). Finish brings
// every root to the serial of the last state written.
func (r *RootWriter) guard(ctx context.Context, st *state.State) (map[string]int, error) {
	added := map[string][]string{}
	var base func(store string) []string
	switch announced := statemgr.Announced(ctx); {
	case r.refs == nil:
		for store, ids := range newRefIndex(st).ids {
			added[store] = ids
		}
		base = func(store string) []string {
			s, err := r.ws.Store(ctx, store)
			if err != nil {
				return nil
			}
			old, err := s.GetRoot(ctx, storedoc.WorkspaceRootName(st.Lineage, r.backend, store))
			if err != nil {
				return nil
			}
			return old.IDs
		}
	default:
		isNew := func(id storeID) bool { return r.refs.count[id] == 0 }
		if announced != nil {
			for _, member := range []string{memberDatasets, memberRetained, memberModels} {
				for _, name := range announced[member] {
					for _, id := range entryRefs(st, entryRef{member, name}) {
						if isNew(id) {
							added[id.store] = append(added[id.store], id.id)
						}
					}
				}
			}
		} else {
			for store, ids := range newRefIndex(st).ids {
				for _, id := range ids {
					if isNew(storeID{store, id}) {
						added[store] = append(added[store], id)
					}
				}
			}
		}
		base = func(store string) []string { return r.refs.ids[store] }
	}
	host, _ := os.Hostname()
	out := map[string]int{}
	var syncErr error
	for name, ids := range added {
		if _, declared := r.ws.StoreURLs[name]; !declared || len(ids) == 0 {
			continue
		}
		union := slices.Concat(base(name), ids)
		slices.Sort(union)
		union = slices.Compact(union)
		store, err := r.ws.Store(ctx, name)
		if err != nil {
			continue
		}
		root := &storage.Root{Lineage: st.Lineage, Backend: r.backend, Host: host, Written: time.Now().UTC(), Serial: st.Serial, IDs: union}
		_, err = store.PutWorkspaceRoot(ctx, root, name)
		if ahead := (*storage.RootAheadError)(nil); errors.As(err, &ahead) {
			return nil, fmt.Errorf("storage %q: %w; nothing was recorded", name, err)
		}
		if errors.Is(err, storage.ErrLockLost) {
			// What the state would name may have been collected by a gc
			// elsewhere: record nothing (the next run uploads again).
			return nil, fmt.Errorf("storage %q: %w; nothing more is recorded: run the command again", name, err)
		}
		if err == nil {
			out[name] = len(union)
		}
		// What the state is about to name is on disk before it does (a
		// local store's writes are otherwise only in the page cache:
		// providers/storage/durable.go).
		if err := store.Sync(ctx); err != nil {
			syncErr = errors.Join(syncErr, fmt.Errorf("storage %q: %w", name, err))
		}
	}
	return out, syncErr
}

// index brings r.refs to st and marks the stores whose ids changed due.
func (r *RootWriter) index(ctx context.Context, st *state.State) error {
	if r.refs == nil {
		r.refs = newRefIndex(st)
		for _, name := range r.ws.StoreNames() {
			r.due[name] = true
		}
		return nil
	}
	changed, ok := r.refs.update(st, statemgr.Announced(ctx))
	if !ok {
		full := newRefIndex(st)
		changed, r.refs = r.refs.diff(full), full
	} else if r.verify {
		// Test builds: an announcement that missed a reference would leave
		// it out of the root, collectable by gc elsewhere.
		full := newRefIndex(st)
		if missed := r.refs.diff(full); len(missed) > 0 {
			r.refs = full
			r.markDue(missed)
			return fmt.Errorf("internal error: the store roots' references of storage %v changed, but the change was announced as touching only %v", slices.Sorted(maps.Keys(missed)), statemgr.Announced(ctx))
		}
	}
	r.markDue(changed)
	return nil
}

// markDue marks the declared stores among changed due for a root write.
func (r *RootWriter) markDue(changed map[string]bool) {
	for name := range changed {
		if _, declared := r.ws.StoreURLs[name]; declared {
			r.due[name] = true
		}
	}
}

// writeDue writes the roots that are due; those that fail stay due.
func (r *RootWriter) writeDue(ctx context.Context, st *state.State) {
	if len(r.due) == 0 {
		r.err = nil
		return
	}
	due := r.due
	r.due, r.err = r.ws.writeRoots(ctx, st, st.Serial, r.backend, r.refs, due)
	for name := range due {
		if !r.due[name] {
			r.serials[name] = st.Serial
		}
	}
}

// Refused returns the first error with which a Write refused to write
// the state (a store lock lost, a store that could not make its writes
// durable), nil if none did. The caller's st then holds changes that were
// never recorded and must not be recorded: a writer that would store st
// whole afterwards (statemgr.JournalWriter.Close) must not.
func (r *RootWriter) Refused() error { return r.refused }

// Finish makes sure the roots match st after the last write. It checks
// the index against the whole state once (a change that escaped its
// announcement is caught here at the latest) and writes what is due.
func (r *RootWriter) Finish(ctx context.Context, st *state.State) error {
	if r.refs == nil {
		// Nothing was written: the roots are as the last run left them,
		// unless they were forgotten since.
		return r.ws.EnsureRoots(ctx, st, r.backend)
	}
	full := newRefIndex(st)
	r.markDue(r.refs.diff(full))
	r.refs = full
	// Every root ends at the serial of the state as written last, even
	// one whose ids did not change (or a guard root, which carries the
	// serial before its write): a root carries the serial of the newest
	// state the workspace recorded, so a copy of an older state put back
	// by hand, even one write older, is refused (storage.RootAhead).
	for _, name := range r.ws.StoreNames() {
		if r.serials[name] != st.Serial {
			r.due[name] = true
		}
	}
	r.writeDue(ctx, st)
	if r.err != nil && r.refused != nil {
		return fmt.Errorf("this workspace's root in the store could not be written: %w", r.err)
	}
	if r.err != nil {
		return fmt.Errorf("the state is recorded, but this workspace's root in the store could not be written (gc from another workspace could collect what it references; run apply or gc here again): %w", r.err)
	}
	return nil
}

// Referenced returns, per storage block, every store id the state refers
// to: snapshot manifests and profiles (of dataset histories and of
// retained snapshots, so every snapshot a recorded version used is
// included), version artifacts and logs, and what running attempts' jobs
// read (storeroots_index.go, entryRefs). gc keeps exactly these (and
// whatever they reference). Code is recorded as a hash only, nothing in a
// store. A version input whose snapshot record is gone altogether (a state
// from before retained snapshots) cannot be placed in a store: see
// LineageGaps.
func Referenced(st *state.State) map[string][]string {
	return newRefIndex(st).ids
}

// AddedRefs counts the store ids pushed references that old (nil: no
// readable state) does not: what a push would make this workspace's state
// reference beyond what its roots protect now.
func AddedRefs(old, pushed *state.State) int {
	have := map[string]bool{}
	if old != nil {
		for store, ids := range Referenced(old) {
			for _, id := range ids {
				have[store+"/"+id] = true
			}
		}
	}
	n := 0
	for store, ids := range Referenced(pushed) {
		for _, id := range ids {
			if !have[store+"/"+id] {
				n++
			}
		}
	}
	return n
}
