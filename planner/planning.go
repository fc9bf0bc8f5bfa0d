package planner

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/planner/dataset"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/model"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/retention"
	"github.com/mlform/mlform/state"
)

// stages lists planning steps in order: datasets first (their new
// snapshot ids feed model inputs), then the model stage (planner/model),
// then retention last (it protects what the earlier actions use).
func stages(ws *engine.Workspace) []engine.Stage {
	return []engine.Stage{dataset.Plan, model.Plan, planForgotten, retention.Plan}
}

// Plan computes what apply must do, reading st (never writing it). The
// plan records st's lineage and serial and the config digest, so a saved
// plan can be refused later if either moved.
func Plan(ctx context.Context, ws *engine.Workspace, st *state.State, opts engine.PlanOptions) (*plans.Plan, error) {
	sel, err := ws.Graph.Select(opts.Targets)
	if err != nil {
		return nil, err
	}
	// Before anything is observed (apply -auto-approve stores while
	// observing): a storage block moved elsewhere is refused.
	if err := ws.CheckStores(st); err != nil {
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
		FixedClock:    ws.FixedClock,
		MLFormVersion: opts.MLFormVersion,
		Lineage:       st.Lineage,
		Serial:        st.Serial,
		ConfigDigest:  ws.Config.Digest,
		Targets:       sortedCopy(opts.Targets),
		Replace:       sortedCopy(opts.Replace),
		Refreshed:     opts.Refresh,
		Actions:       []*plans.Action{},
	}
	moves, moveNotes := planMoves(ws.Config.Moved, implicitMoves(ws.Config, ws.Config.Moved), st)
	p.Moves, p.Notes = moves, append(p.Notes, moveNotes...)
	st, err = movedState(st, moves)
	if err != nil {
		return nil, err
	}
	pc := &engine.PlanContext{WS: ws, State: st, Plan: p, Options: opts, Selected: sel, NextSnapshots: map[string]string{}}
	for _, r := range p.Replace {
		if !sel[r] {
			// The plan repeats -replace; it must not look as if the
			// model were retrained.
			pc.AddNote(&plans.Note{Addr: r, Code: plans.ReasonReplace,
				Message: fmt.Sprintf("not retrained: -replace=%s is outside -target (%s); add -target=%s", r, strings.Join(p.Targets, ", "), r)})
		}
	}
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

func replaceMessage(g *engine.Graph, addr string) string {
	if plans.AddrKind(addr) != "model" {
		return "only models can be replaced (forced to retrain); give model.NAME"
	}
	if insts := g.Instances(addr); len(insts) > 0 {
		return fmt.Sprintf("%s sets for_each or count: replace its instances one by one, like -replace='%s'", addr, insts[0])
	}
	return g.UnknownMessage(addr)
}

func sortedCopy(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	out := append([]string(nil), ss...)
	sort.Strings(out)
	return engine.Uniq(out)
}

// planForgotten notes datasets recorded in state but no longer declared:
// their history stays (models' lineage refers to it); `mlform state rm`
// forgets them explicitly.
func planForgotten(ctx context.Context, pc *engine.PlanContext) error {
	if len(pc.Options.Targets) > 0 {
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(pc.State.Datasets)) {
		if _, ok := pc.WS.Datasets[name]; ok {
			continue
		}
		pc.AddNote(&plans.Note{Addr: "dataset." + name, Code: plans.ReasonRemoved,
			Message: plans.RemovedMessage("dataset."+name, "its snapshots", instanceBlockDeclared(pc.WS.Datasets, name))})
	}
	return nil
}

// instanceBlockDeclared reports whether name is an instance (`sales["eu"]`)
// of a block that still declares other instances.
func instanceBlockDeclared[V any](declared map[string]V, name string) bool {
	base, sfx := objname.Split(name)
	if sfx == "" {
		return false
	}
	for n := range declared {
		if b, s := objname.Split(n); s != "" && b == base {
			return true
		}
	}
	return false
}
