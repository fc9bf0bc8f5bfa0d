package engine

import (
	"context"

	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/state"
)

// PlanOptions are the knobs of one plan.
type PlanOptions struct {
	// Targets limits the plan to these addresses and their dependencies.
	Targets []string
	// Replace forces these models to retrain.
	Replace []string
	// Refresh observes dataset sources; false trusts the state.
	Refresh bool
	// MLFormVersion is recorded in the plan.
	MLFormVersion string
	// StoreWhileObserving writes new file content to the store in the
	// same pass that hashes it, so an apply that needs no confirmation
	// reads each new file once. Only for apply -auto-approve: a plan
	// that may be refused must not write (unreferenced packs would be
	// garbage until gc).
	StoreWhileObserving bool
	// Observing, when set, is called as a dataset's files are hashed
	// (running totals of this observation: files hashed, bytes read), so
	// a long first observation shows progress.
	Observing func(addr string, files int, bytes int64)
}

// PlanContext is what planning stages share: the workspace, the state
// read at the start (never modified by planning), the plan being built and
// what earlier stages decided.
type PlanContext struct {
	WS       *Workspace
	State    *state.State
	Plan     *plans.Plan
	Options  PlanOptions
	Selected map[string]bool
	// NextSnapshots maps dataset name to the snapshot id it will have
	// once this plan is applied (its current one when unchanged). Model
	// stages compute model inputs from it. Missing: unknown.
	NextSnapshots map[string]string
}

// AddAction appends an action.
func (pc *PlanContext) AddAction(a *plans.Action) { pc.Plan.Actions = append(pc.Plan.Actions, a) }

// AddNote appends a note.
func (pc *PlanContext) AddNote(n *plans.Note) { pc.Plan.Notes = append(pc.Plan.Notes, n) }

// Stage is one step of planning, run in order. Each adds actions and notes
// to pc.Plan.
type Stage func(ctx context.Context, pc *PlanContext) error
