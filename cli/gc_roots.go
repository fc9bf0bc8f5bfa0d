package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/ops"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"

	"github.com/mlform/mlform/providers/storage"
)

// renderRoots prints gc -workspaces: per store, every workspace root (by
// name, as -forget-workspace takes it) and every store lock; own and
// backend are this workspace's lineage and state location.
func renderRoots(g *Globals, stores []*ops.StoreRoots, own, backend string) {
	for _, s := range stores {
		fmt.Fprintf(g.Stdout, "storage %q: %s\n", s.Store, textfmt.Count(len(s.Roots), "workspace"))
		for _, r := range s.Roots {
			if r.Err != nil {
				fmt.Fprintf(g.Stdout, "  DAMAGED %s: %v\n", r.Key, r.Err)
				continue
			}
			mine := ""
			switch {
			case r.Lineage == own && r.Root.Backend == backend:
				mine = " (this workspace)"
			case r.Lineage == own:
				mine = " (this workspace's lineage at another backend: a copy of its state, or its state before it moved)"
			}
			fmt.Fprintf(g.Stdout, "  %s  %s, serial %d, written %s from %s, backend %s%s\n",
				r.Name, textfmt.Count(len(r.Root.IDs), "id"), r.Root.Serial, textfmt.Time(r.Root.Written), r.Root.Host, r.Root.Backend, mine)
		}
		for _, l := range s.Locks {
			if l.Err != nil {
				fmt.Fprintf(g.Stdout, "  lock: unreadable: %v\n", l.Err)
				continue
			}
			stale := ""
			// As a taker judges it, by the lock object's modification
			// time; listing takes no lock, so the store's "now" is
			// this host's clock.
			if ok, why := l.Stale(time.Now(), storage.DefaultLockStale); ok && why != "" {
				stale = " (stale: " + why + ")"
			}
			fmt.Fprintf(g.Stdout, "  lock: %s%s\n", l.Holder, stale)
		}
	}
}

// otherWorkspaces says how many other workspaces' roots a store holds.
func otherWorkspaces(n int) string {
	switch n {
	case 0:
		return "no other workspace uses it"
	case 1:
		return "1 other workspace uses it (what it references is kept)"
	}
	return fmt.Sprintf("%d other workspaces use it (what they reference is kept)", n)
}

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
// recorded (engine.Workspace.CheckRoots). It opens no store that does
// not exist yet: one holds no root to compare.
func refuseRestored(ctx context.Context, ws *engine.Workspace, m *statemgr.Manager, s *state.State) error {
	ws.NoCreateStores = true
	return ws.CheckRoots(ctx, s, m.RootBackend())
}
