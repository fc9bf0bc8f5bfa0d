package ops

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/storedoc"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

// InitStep is one thing init did or checked.
type InitStep struct {
	What   string // "state backend", `storage "default"`, "stat cache"
	Where  string // redacted URL or path
	Result string // "created", "exists (serial 4)", "ready"
}

// Init creates (or checks) the state document, every declared store and
// the stat cache directory, and accepts a store that moved (acceptMoves).
// It is idempotent: a second run changes nothing and reports what exists. The caller holds the state lock, which also
// proves the backend accepts writes.
func Init(ctx context.Context, ws *engine.Workspace, m *statemgr.Manager) ([]InitStep, error) {
	var steps []InitStep
	st, err := m.Read(ctx)
	if err != nil {
		return nil, err
	}
	moved, err := acceptMoves(ctx, ws, st)
	if err != nil {
		return nil, err
	}
	// A state put back by hand stops here, before recording a moved
	// store raises its serial: enough such writes would bring it level
	// with the roots, and gc would then delete what the newer state
	// recorded. (After acceptMoves, which opens a new place without
	// creating it.)
	if err := ws.CheckRoots(ctx, st, m.RootBackend()); err != nil {
		return nil, err
	}
	step := InitStep{What: "state backend", Where: m.Location()}
	if len(moved) > 0 {
		if err := m.Write(ctx, st); err != nil {
			return nil, err
		}
	}
	if st.Serial == 0 {
		if err := m.Write(ctx, st); err != nil {
			return nil, err
		}
		step.Result = fmt.Sprintf("created empty state (lineage %s)", st.Lineage)
	} else {
		step.Result = fmt.Sprintf("state exists (serial %d, lineage %s)", st.Serial, st.Lineage)
	}
	step.Result += ephemeral(m.Location())
	steps = append(append(steps, step), moved...)
	for _, name := range ws.StoreNames() {
		if _, err := ws.Store(ctx, name); err != nil {
			return steps, err
		}
		steps = append(steps, InitStep{What: fmt.Sprintf("storage %q", name), Where: storeWhere(ws, name), Result: "ready" + ephemeral(ws.StoreURLs[name])})
	}
	// Register this workspace with every store it declares (a root that
	// a crash between a state write and its root write left behind is
	// brought up to date here too).
	if err := ws.WriteRoots(ctx, st, m.RootBackend()); err != nil {
		return steps, err
	}
	if ws.CacheDir != "" {
		if err := os.MkdirAll(ws.CacheDir, 0o755); err != nil {
			return steps, fmt.Errorf("stat cache: %w", err)
		}
		steps = append(steps, InitStep{What: "stat cache", Where: ws.CacheDir, Result: "ready"})
	}
	return steps, nil
}

// ephemeral warns about a mem:// location: it lives only as long as one
// mlform process, so with it nothing a command records survives the
// command, which a user who tried it as a quick backend would not expect.
func ephemeral(location string) string {
	if strings.HasPrefix(strings.ToLower(location), "mem://") {
		return "; WARNING: mem:// is in-memory and lasts only for this one mlform process: nothing recorded there is kept after the command (use it in tests only)"
	}
	return ""
}

// StoreCheck is the result of checking one store.
type StoreCheck struct {
	Store  string
	Report *storage.CheckReport
	// Missing lists ids the state references that the store cannot
	// produce intact.
	Missing []string
	// Roots counts the workspace roots in the store; BadRoots lists roots
	// that cannot be decoded (gc refuses to run past them).
	Roots    int
	BadRoots []error
	// Moved is set when the storage block's url names another place than
	// the store the state recorded its objects in: what is missing is
	// most likely at the old place, which the check does not read.
	Moved *engine.StoreMove
}

// OK reports whether the store is sound and holds everything referenced.
func (c *StoreCheck) OK() bool {
	return c.Report.OK() && len(c.Missing) == 0 && len(c.BadRoots) == 0
}

// CheckStores verifies every declared store end to end and that each id
// the state references in it can be read back intact (manifests and
// objects are verified against their ids on read). readData also reads
// every chunk.
func CheckStores(ctx context.Context, ws *engine.Workspace, st *state.State, readData bool) ([]*StoreCheck, error) {
	refs := engine.Referenced(st)
	moves, err := ws.MovedStores(st)
	if err != nil {
		return nil, err
	}
	var out []*StoreCheck
	for _, name := range ws.StoreNames() {
		store, err := ws.Store(ctx, name)
		if err != nil {
			return out, err
		}
		rep, err := store.Check(ctx, storage.CheckOptions{ReadData: readData})
		if err != nil {
			return out, fmt.Errorf("check storage %q: %w", name, err)
		}
		c := &StoreCheck{Store: name, Report: rep}
		for _, mv := range moves {
			if mv.Store == name {
				c.Moved = mv
			}
		}
		roots, err := store.Roots(ctx)
		if err != nil {
			return out, fmt.Errorf("check storage %q: %w", name, err)
		}
		for _, r := range roots {
			c.Roots++
			if r.Err != nil {
				c.BadRoots = append(c.BadRoots, r.Err)
			}
		}
		c.Missing = missingRefs(ctx, store, refs[name])
		out = append(out, c)
	}
	for name, ids := range refs {
		if _, ok := ws.StoreURLs[name]; !ok {
			return out, fmt.Errorf("the state references %d objects in storage %q, which the configuration does not declare%s", len(ids), name, ws.UndeclaredStoreHint(st, name))
		}
	}
	return out, nil
}

// missingRefs lists the ids the store cannot produce intact (manifests
// and objects are verified against their ids on read).
func missingRefs(ctx context.Context, store *storage.Store, ids []string) []string {
	var missing []string
	for _, id := range ids {
		if _, err := store.GetManifest(ctx, id); err == nil {
			continue
		}
		if _, err := store.GetObject(ctx, id); err == nil {
			continue
		}
		missing = append(missing, id)
	}
	return missing
}

// acceptMoves is init's answer to storage blocks whose url names another
// place than the store the state recorded (engine.Workspace.MovedStores):
// when the new place holds every object the state references there and
// the store checks out (what gc -check verifies), it records the new
// places in st, which the caller writes, and says so; otherwise it fails naming what is missing and
// records nothing. The new places are opened without being created.
func acceptMoves(ctx context.Context, ws *engine.Workspace, st *state.State) ([]InitStep, error) {
	moves, err := ws.MovedStores(st)
	if err != nil || len(moves) == 0 {
		return nil, err
	}
	refs := engine.Referenced(st)
	noCreate := ws.NoCreateStores
	ws.NoCreateStores = true
	defer func() { ws.NoCreateStores = noCreate }()
	var steps []InitStep
	var errs []error
	for _, mv := range moves {
		store, err := ws.Store(ctx, mv.Store)
		if err != nil {
			return nil, err
		}
		ids := refs[mv.Store]
		if missing := missingRefs(ctx, store, ids); len(missing) > 0 {
			errs = append(errs, fmt.Errorf("storage %q moved from %s to %s, but the new place lacks %d of the %s this state references there (%s): copy every object of the old store there (or put the url back)",
				mv.Store, mv.Old, mv.New, len(missing), textfmt.Count(len(ids), "object"), firstIDs(missing, 3)))
			continue
		}
		// The manifests are there; their chunks must be too (a copy
		// without data/ or index/).
		rep, err := store.Check(ctx, storage.CheckOptions{})
		if err != nil {
			return nil, fmt.Errorf("check storage %q: %w", mv.Store, err)
		}
		if !rep.OK() {
			shown := make([]string, 0, 3)
			for _, p := range rep.Problems[:min(3, len(rep.Problems))] {
				shown = append(shown, p.String())
			}
			errs = append(errs, fmt.Errorf("storage %q moved from %s to %s, but the copy at the new place is incomplete or damaged (%s: %s): copy every object of the old store there (or put the url back)",
				mv.Store, mv.Old, mv.New, textfmt.Count(len(rep.Problems), "problem"), strings.Join(shown, "; ")))
			continue
		}
		steps = append(steps, InitStep{What: fmt.Sprintf("storage %q", mv.Store), Where: storeWhere(ws, mv.Store),
			Result: fmt.Sprintf("the store moved from %s: the new place holds all %s this state references there; recorded the new place", mv.Old, textfmt.Count(len(ids), "object"))})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w\nNothing was recorded in the state", errors.Join(errs...))
	}
	for _, mv := range moves {
		st.Stores[mv.Store] = mv.Record
	}
	return steps, nil
}

// firstIDs shows up to n ids, shortened, and how many more there are.
func firstIDs(ids []string, n int) string {
	shown := make([]string, 0, n)
	for _, id := range ids[:min(n, len(ids))] {
		shown = append(shown, id[:min(12, len(id))])
	}
	out := strings.Join(shown, ", ")
	if len(ids) > n {
		out += fmt.Sprintf(", and %d more", len(ids)-n)
	}
	return out
}

// StoreGC is what gc did (or would do) in one store.
type StoreGC struct {
	Store string
	// Report is nil for a dry run.
	Report *storage.GCReport
	// Unreferenced lists manifests neither this state nor any other
	// workspace's root reaches (deleted, or to be deleted on a dry run).
	Unreferenced []string
	// UnindexedPacks counts packs left by interrupted writes.
	UnindexedPacks int
	// Workspaces counts the other workspaces (roots) sharing the store.
	Workspaces int
}

// GCOptions tune Workspace.GC.
type GCOptions struct {
	// DryRun only reports (no lock, nothing written).
	DryRun bool
	// LockTimeout bounds the wait for the exclusive store lock while
	// other workspaces write to a store.
	LockTimeout time.Duration
	// Backend is this workspace's redacted state location, recorded in
	// its root.
	Backend string
}

// GC deletes from every declared store what neither this state nor any
// other workspace's root references (manifests and objects not reachable
// from a snapshot or a version, and packs holding none of their chunks).
// It first rewrites this workspace's roots from st in every store (so a
// store two of its storage blocks name holds both blocks' roots before
// either is collected), then per store takes the exclusive store lock
// (waiting up to LockTimeout for writers) and collects. The caller holds
// the state lock.
func GC(ctx context.Context, ws *engine.Workspace, st *state.State, opts GCOptions) ([]*StoreGC, error) {
	if err := ws.CheckStores(st); err != nil {
		return nil, err
	}
	// A state older than what this workspace last recorded (restored by
	// hand) would make gc delete what the newer one recorded; a dry run
	// would list it as garbage.
	if err := ws.CheckRoots(ctx, st, opts.Backend); err != nil {
		return nil, err
	}
	refs := engine.Referenced(st)
	for name, ids := range refs {
		if _, ok := ws.StoreURLs[name]; !ok {
			return nil, fmt.Errorf("the state references %d objects in storage %q, which the configuration does not declare: refusing to collect garbage%s", len(ids), name, ws.UndeclaredStoreHint(st, name))
		}
	}
	if !opts.DryRun {
		if err := ws.WriteRoots(ctx, st, opts.Backend); err != nil {
			return nil, err
		}
	}
	var out []*StoreGC
	for _, name := range ws.StoreNames() {
		store, err := ws.Store(ctx, name)
		if err != nil {
			return out, err
		}
		g := &StoreGC{Store: name}
		if opts.DryRun {
			if err := dryRunGC(ctx, store, name, st, opts.Backend, refs, g); err != nil {
				return out, fmt.Errorf("storage %q: %w", name, err)
			}
			out = append(out, g)
			continue
		}
		err = collectStore(ctx, store, opts.LockTimeout, func() error {
			if g.Report, err = store.GC(ctx, refs[name]); err != nil {
				var mk *storage.MissingKeptError
				if errors.As(err, &mk) {
					what := DescribeRef(st, name, mk.ID)
					if what == "" {
						what = "referenced by the state"
					}
					return fmt.Errorf("%w\n%s is %s; if it is lost, mlform gc -check lists every missing object, and mlform state rm of what uses it lets gc run again", err, mk.ID, what)
				}
				return err
			}
			g.Workspaces = g.Report.Roots - g.Report.OwnRoots(st.Lineage, opts.Backend)
			return nil
		})
		if err != nil {
			return out, fmt.Errorf("storage %q: %w", name, err)
		}
		out = append(out, g)
	}
	return out, nil
}

// collectStore runs fn under the exclusive store lock.
func collectStore(ctx context.Context, store *storage.Store, timeout time.Duration, fn func() error) (err error) {
	l, err := store.Lock(ctx, storage.LockExclusive, storage.LockOptions{Command: "gc", Timeout: timeout})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, l.Unlock(context.WithoutCancel(ctx))) }()
	return fn()
}

// dryRunGC fills g with what GC would delete from the store of block
// name: manifests neither this state's references there nor any other
// root reaches. backend is this workspace's state location: its own roots
// are the ones of its lineage and backend, which gc rewrites from st
// first (one per block; another block naming this store keeps what st
// references through it).
func dryRunGC(ctx context.Context, store *storage.Store, name string, st *state.State, backend string, refs map[string][]string, g *StoreGC) error {
	keep := map[string]bool{}
	for _, id := range refs[name] {
		keep[id] = true
	}
	ownBlock := map[string]string{}
	for b := range refs {
		ownBlock[storedoc.WorkspaceRootName(st.Lineage, backend, b)] = b
	}
	roots, err := store.Roots(ctx)
	if err != nil {
		return err
	}
	for _, r := range roots {
		if r.Err != nil {
			return fmt.Errorf("%w; gc would refuse to collect (if its workspace is gone: mlform gc -forget-workspace %s)", r.Err, r.Name)
		}
		if r.Lineage == st.Lineage && r.Root.Backend == backend {
			// This state replaces its own roots.
			for _, id := range refs[ownBlock[r.Name]] {
				keep[id] = true
			}
			continue
		}
		g.Workspaces++
		for _, id := range r.Root.IDs {
			keep[id] = true
		}
	}
	all, err := store.List(ctx)
	if err != nil {
		return err
	}
	for _, id := range all {
		if !keep[id] {
			g.Unreferenced = append(g.Unreferenced, id)
		}
	}
	rep, err := store.Check(ctx, storage.CheckOptions{})
	if err != nil {
		return err
	}
	g.UnindexedPacks = rep.UnindexedPacks
	return nil
}

// StoreRebuild is what gc -rebuild-index did to one store.
type StoreRebuild struct {
	Store string
	Packs int
}

// RebuildIndexes rebuilds every declared store's index from its packs'
// own trailers (the recovery for a damaged or lost index). The workspace
// must have been opened with Repair set; callers hold the state lock, and
// each store is rebuilt under its exclusive store lock, so no apply of any
// workspace writes meanwhile.
func RebuildIndexes(ctx context.Context, ws *engine.Workspace, timeout time.Duration) ([]*StoreRebuild, error) {
	var out []*StoreRebuild
	for _, name := range ws.StoreNames() {
		store, err := ws.Store(ctx, name)
		if err != nil {
			return out, err
		}
		var n int
		err = collectStore(ctx, store, timeout, func() (err error) {
			n, err = store.RebuildIndex(ctx)
			return err
		})
		if err != nil {
			return out, fmt.Errorf("storage %q: %w", name, err)
		}
		out = append(out, &StoreRebuild{Store: name, Packs: n})
	}
	return out, nil
}

// storeWhere is how init shows a storage's URL.
func storeWhere(ws *engine.Workspace, name string) string {
	if ws.StoreSecrets[name] != nil {
		return config.SensitivePlaceholder
	}
	return bloburl.Redact(ws.StoreURLs[name])
}
