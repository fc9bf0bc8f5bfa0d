package planner

import (
	"context"
	"errors"
	"fmt"

	"github.com/mlform/mlform/planner/dataset"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/model"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/retention"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

// CheckFresh refuses a saved plan that no longer describes the world: made
// against another state (lineage), against an older state (serial moved:
// something was applied since, possibly this very plan), or with another
// configuration (digest). A plan made before the first apply (serial 0) is
// accepted by a state that still does not exist and adopts its lineage.
func CheckFresh(p *plans.Plan, st *state.State, configDigest string) error {
	switch {
	case p.Serial == 0 && st.Serial == 0:
		st.Lineage = p.Lineage
	case p.Serial != 0 && p.Lineage != st.Lineage:
		return fmt.Errorf("saved plan was made for another state (lineage %s, this workspace's state is %s): run plan again here", p.Lineage, st.Lineage)
	case st.Serial != p.Serial:
		return staleSavedPlan(p, st)
	}
	if p.ConfigDigest != configDigest {
		return fmt.Errorf("saved plan is stale: the configuration (or a variable value) changed since it was made: run plan again")
	}
	return nil
}

// ApplyOptions tune one apply.
type ApplyOptions struct {
	Parallelism int
	Progress    engine.Progress
	// Runners overrides newRunners (tests).
	Runners map[string]engine.ActionRunner
}

// Apply executes p against st (refused when a storage block names another
// store than the state records: Workspace.CheckStores), persisting through
// w after every action
// and then writing this workspace's root to each store whose references
// changed (planner/engine/storeroots.go). Closing stop stops starting new actions;
// cancelling ctx cancels running ones. Callers hold the state lock, and
// set ws.Locking so stores are written under a shared store lock.
func Apply(ctx context.Context, ws *engine.Workspace, stop <-chan struct{}, p *plans.Plan, st *state.State, w engine.StateWriter, opts ApplyOptions) (*engine.Result, error) {
	runners := opts.Runners
	if runners == nil {
		runners = newRunners()
	}
	e := &engine.Engine{Runners: runners, Parallelism: opts.Parallelism, Progress: opts.Progress}
	// A saved plan was made before the url could change: the stores are
	// checked here again, and their places recorded with the first write.
	if err := ws.CheckStores(st); err != nil {
		return nil, err
	}
	// A state older than what this workspace last recorded in its stores
	// (restored by hand) stops here, before any work.
	if w != nil {
		if err := ws.CheckRoots(ctx, st, engine.RootBackendOf(w)); err != nil {
			return nil, err
		}
	}
	if err := ws.RecordStores(st); err != nil {
		return nil, err
	}
	if err := applyMoves(ctx, st, p.Moves, w); err != nil {
		return nil, err
	}
	if w == nil {
		res, err := e.Run(ctx, stop, ws, p, st, nil)
		if res != nil {
			res.Moved = len(p.Moves)
		}
		return res, err
	}
	// A state Manager records each action through a journal of what it
	// changed (statemgr.JournalWriter), folded into the document at the end:
	// writing the whole document per action made applying N models
	// quadratic.
	var jw *statemgr.JournalWriter
	if m, ok := w.(interface {
		JournalWriter() *statemgr.JournalWriter
	}); ok {
		jw = m.JournalWriter()
		w = jw
	}
	rw := ws.NewRootWriter(w)
	res, err := e.Run(ctx, stop, ws, p, st, rw)
	if res != nil {
		res.Moved = len(p.Moves)
	}
	// Closing the journal writes st whole. After a write the root writer
	// refused (the store lock lost: what it would name may be gone), st
	// holds what must not be recorded; what was recorded stays in the
	// journal, which the next command that writes the state folds.
	if jw != nil && rw.Refused() == nil {
		if cerr := jw.Close(context.WithoutCancel(ctx)); cerr != nil {
			err = errors.Join(err, fmt.Errorf("fold the state journal into the document (every change is recorded in the journal; the next command that writes the state folds it): %w", cerr))
		}
	}
	if rerr := rw.Finish(context.WithoutCancel(ctx), st); rerr != nil {
		err = errors.Join(err, rerr)
	}
	return res, err
}

// newRunners returns the action runners by kind. This is the one place
// runners are listed: model actions (train, evaluate, promote, publish)
// are added here by their files (planner/model).
func newRunners() map[string]engine.ActionRunner {
	runners := map[string]engine.ActionRunner{
		plans.KindSnapshot: engine.RunnerFunc(dataset.RunSnapshot),
		plans.KindForget:   engine.RunnerFunc(retention.RunForget),
	}
	for kind, r := range model.Runners() { // train, promote, publish: planner/model
		runners[kind] = r
	}
	return runners
}
