package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

// countTrue counts the flags given among mutually exclusive ones.
func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// updateRoots rewrites this workspace's roots in its stores after a state
// command changed what the state references (state rm, state push), so a
// gc from another workspace sharing a store keeps exactly what this state
// references. Callers hold the state lock (an apply's root write cannot
// interleave). Best effort: the state is already recorded, so a failure
// is a warning; the next init, apply or gc writes the roots.
func updateRoots(ctx context.Context, g *Globals, m *statemgr.Manager, st *state.State) {
	if st == nil {
		return
	}
	warn := func(err error) {
		fmt.Fprintf(g.Stderr, "Warning: the workspace's roots in its stores were not updated (the next init, apply or gc updates them): %v\n", err)
	}
	ws, err := rootsWorkspace(g)
	if err != nil {
		warn(err)
		return
	}
	if ws == nil {
		return
	}
	defer ws.Close()
	if err := ws.WriteRoots(ctx, st, m.RootBackend()); err != nil {
		warn(err)
	}
}

// rootsWorkspace opens the workspace in the working directory to write its
// roots: nil when it has no configuration, an error when the
// configuration cannot be loaded (a required variable unset, ...).
func rootsWorkspace(g *Globals) (*engine.Workspace, error) {
	files, _ := filepath.Glob("*" + config.FileSuffix)
	if len(files) == 0 {
		return nil, nil
	}
	cfg, diags := config.Load(".", config.LoadOptions{Getenv: g.Getenv, Version: Version})
	if diags.HasErrors() {
		return nil, diags
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	return engine.NewWorkspace(cfg, wd, time.Now())
}

// refuseRestored refuses s when it is older than what the workspace ws
// describes last recorded in its stores (put back by hand): each write
// of the state raises its serial by one, and enough of them would bring
// it level with the roots, after which gc deletes what the newer state
// recorded. approve and state rm write only the state, so they read the
// roots as plan does (engine.Workspace.PeekRoots): without opening a
// store (no index read, nothing created), passing over one they cannot
// reach, which apply and gc then check for certain.
func refuseRestored(ctx context.Context, ws *engine.Workspace, m *statemgr.Manager, s *state.State) error {
	return ws.PeekRoots(ctx, s, m.RootBackend())
}
