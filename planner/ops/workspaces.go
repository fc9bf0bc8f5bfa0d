package ops

import (
	"context"
	"errors"
	"fmt"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/storedoc"
	"github.com/mlform/mlform/state"
)

// StoreRoots is what one store knows of its users.
type StoreRoots struct {
	Store string
	Roots []storage.RootEntry
	Locks []storage.LockEntry
}

// ListRoots lists every declared store's roots and locks (gc -workspaces).
func ListRoots(ctx context.Context, ws *engine.Workspace) ([]*StoreRoots, error) {
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

// ForgetWorkspace removes roots from every declared store, so gc stops
// protecting what only they referenced: the root named arg (a name gc
// -workspaces lists), or every root of the lineage arg (one workspace may
// have several: one per backend its state was kept in). It refuses this
// workspace's own root, whose name comes from its lineage and backend (gc
// rewrites it from the state), and its own lineage: a root of that lineage
// at another backend (a copy of this state, or this state before it moved)
// is forgotten by its name. It returns the stores that had such a root;
// none is an error.
func ForgetWorkspace(ctx context.Context, ws *engine.Workspace, st *state.State, backend, arg string) ([]string, error) {
	own := map[string]bool{}
	for _, name := range ws.StoreNames() {
		own[storedoc.WorkspaceRootName(st.Lineage, backend, name)] = true
	}
	if arg == st.Lineage || own[arg] {
		return nil, fmt.Errorf("-forget-workspace %s: that is this workspace's own lineage; its root is rewritten from its state (remove state entries with mlform state rm instead; a root of this lineage at another backend, listed by mlform gc -workspaces, is forgotten by its name)", arg)
	}
	if !storedoc.ValidLineage(arg) {
		return nil, fmt.Errorf("-forget-workspace %q: not a lineage (letters, digits and dashes; mlform gc -workspaces lists them)", arg)
	}
	var forgot []string
	for _, name := range ws.StoreNames() {
		store, err := ws.Store(ctx, name)
		if err != nil {
			return forgot, err
		}
		roots, err := store.Roots(ctx)
		if err != nil {
			return forgot, fmt.Errorf("storage %q: %w", name, err)
		}
		n := 0
		for _, e := range roots {
			if e.Name == "" || own[e.Name] || (e.Name != arg && (e.Root == nil || e.Lineage != arg)) {
				continue
			}
			err = store.ForgetRoot(ctx, e.Name)
			if errors.Is(err, storage.ErrNotFound) {
				continue
			}
			if err != nil {
				return forgot, fmt.Errorf("storage %q: %w", name, err)
			}
			n++
		}
		if n > 0 {
			forgot = append(forgot, name)
		}
	}
	if len(forgot) == 0 {
		return nil, fmt.Errorf("-forget-workspace %s: no declared store has a root for that lineage (mlform gc -workspaces lists them)", arg)
	}
	return forgot, nil
}
