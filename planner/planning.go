package planner

import (
	"context"
	"fmt"
	"sort"

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
	// (deltas), so a long first observation shows progress.
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

// stages lists planning steps in order: datasets first (their new
// snapshot ids feed model inputs), then model stages from model_*.go,
// then retention last (it protects what the earlier actions use).
func stages(ws *Workspace) []Stage {
	return []Stage{planDatasets, planModels, planForgotten, planRetention}
}

// Plan computes what apply must do, reading st (never writing it). The
// plan records st's lineage and serial and the config digest, so a saved
// plan can be refused later if either moved.
func Plan(ctx context.Context, ws *Workspace, st *state.State, opts PlanOptions) (*plans.Plan, error) {
	sel, err := ws.Graph.Select(opts.Targets)
	if err != nil {
		return nil, err
	}
	for _, r := range opts.Replace {
		if plans.AddrKind(r) != "model" || !ws.Graph.Has(r) {
			return nil, fmt.Errorf("-replace %s: %s", r, replaceMessage(ws.Graph, r))
		}
	}
	p := &plans.Plan{
		FormatVersion: plans.PlanFormatVersion,
		CreatedAt:     ws.Now.UTC(),
		MLFormVersion: opts.MLFormVersion,
		Lineage:       st.Lineage,
		Serial:        st.Serial,
		ConfigDigest:  ws.Config.Digest,
		Targets:       sortedCopy(opts.Targets),
		Replace:       sortedCopy(opts.Replace),
		Refreshed:     opts.Refresh,
		Actions:       []*plans.Action{},
	}
	pc := &PlanContext{WS: ws, State: st, Plan: p, Options: opts, Selected: sel, NextSnapshots: map[string]string{}}
	for _, stage := range stages(ws) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := stage(ctx, pc); err != nil {
			return nil, err
		}
	}
	planOutputs(pc)
	if err := plans.ValidatePlan(p); err != nil {
		return nil, fmt.Errorf("internal error: the plan is invalid: %w", err)
	}
	return p, nil
}

func replaceMessage(g *Graph, addr string) string {
	if plans.AddrKind(addr) != "model" {
		return "only models can be replaced (forced to retrain); give model.NAME"
	}
	return g.unknownMessage(addr)
}

func sortedCopy(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	out := append([]string(nil), ss...)
	sort.Strings(out)
	return uniq(out)
}

// planForgotten notes datasets recorded in state but no longer declared:
// their history stays (models' lineage refers to it); `mlform state rm`
// forgets them explicitly.
func planForgotten(ctx context.Context, pc *PlanContext) error {
	if len(pc.Options.Targets) > 0 {
		return nil
	}
	for _, name := range sortedNames(pc.State.Datasets) {
		if _, ok := pc.WS.Datasets[name]; ok {
			continue
		}
		pc.AddNote(&plans.Note{Addr: "dataset." + name, Code: plans.ReasonRemoved,
			Message: "no longer declared; its snapshots stay in state (mlform state rm dataset." + name + " forgets them)"})
	}
	return nil
}
