package cli

import (
	"context"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/state"
)

// readWorkspace is openWorkspaceState for the commands that only read the
// state (output, pull): the workspace, its state read once, and the closer
// of both. The state lock is not taken: nothing is written.
func readWorkspace(ctx context.Context, g *Globals, vf *varFlags) (*engine.Workspace, *state.State, func(), error) {
	ws, m, closeAll, err := openWorkspaceState(ctx, g, vf)
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := m.Read(ctx)
	if err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	return ws, st, closeAll, nil
}
