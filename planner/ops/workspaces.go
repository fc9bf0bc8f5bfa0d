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

// ForgetWorkspace removes the root of lineage from every declared store,
// so gc stops protecting what only that workspace referenced. It refuses
// this workspace's own lineage (gc rewrites that root from the state). It
// returns the stores that had a root for it; none is an error.
func ForgetWorkspace(ctx context.Context, ws *engine.Workspace, st *state.State, lineage string) ([]string, error) {
	if lineage == st.Lineage {
		return nil, fmt.Errorf("-forget-workspace %s: that is this workspace's own lineage; its root is rewritten from its state (remove state entries with mlform state rm instead)", lineage)
	}
	if !storedoc.ValidLineage(lineage) {
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
