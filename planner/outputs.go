package planner

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/hcl/v2"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/state"
)

// worldOf builds what output expressions may refer to from the state: each
// dataset's current snapshot, each model's latest successful version and
// aliases, and where each promotion's alias points.
func worldOf(ws *engine.Workspace, st *state.State) config.World {
	w := config.World{
		Promotions: map[string]config.PromotionWorld{},
		Models:     map[string]config.ModelWorld{},
		Datasets:   map[string]config.DatasetWorld{},
	}
	for name, ds := range st.Datasets {
		if n := len(ds.Snapshots); n > 0 {
			w.Datasets[name] = config.DatasetWorld{SnapshotID: ds.Snapshots[n-1].ID}
		}
	}
	for name, m := range st.Models {
		mw := config.ModelWorld{Aliases: map[string]int{}}
		for _, v := range m.Versions {
			if v.Status == state.StatusSucceeded && v.Version > mw.LatestVersion {
				mw.LatestVersion = v.Version
			}
		}
		for a, al := range m.Aliases {
			mw.Aliases[a] = al.Version
		}
		w.Models[name] = mw
	}
	for name, p := range ws.Config.Promotions {
		pw := config.PromotionWorld{Alias: p.Alias, Model: p.Model}
		if m := st.Models[p.Model]; m != nil {
			if al := m.Aliases[p.Alias]; al != nil {
				pw.Version = al.Version
			}
		}
		w.Promotions[name] = pw
	}
	return w
}

// OutputResult is one evaluated output, ready to print.
type OutputResult struct {
	Name      string
	Sensitive bool
	// Value is the JSON-compatible value (nil for null).
	Value any
	// JSON is the value's JSON encoding.
	JSON json.RawMessage
}

// Outputs evaluates every output against the recorded world, sorted by
// name.
func Outputs(ws *engine.Workspace, st *state.State) ([]*OutputResult, hcl.Diagnostics) {
	vals, diags := ws.Config.EvalOutputs(worldOf(ws, st))
	if diags.HasErrors() {
		return nil, diags
	}
	names := slices.Sorted(maps.Keys(vals))
	out := make([]*OutputResult, 0, len(names))
	for _, n := range names {
		r, err := outputResult(n, vals[n])
		if err != nil {
			d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid output value", Detail: err.Error()}
			if o := ws.Config.Outputs[n]; o != nil && o.Expr != nil {
				d.Subject = o.Expr.Range().Ptr()
			}
			return nil, append(diags, d)
		}
		out = append(out, r)
	}
	return out, diags
}

func outputResult(name string, ov config.OutputValue) (*OutputResult, error) {
	v, _ := ov.Value.UnmarkDeep()
	r := &OutputResult{Name: name, Sensitive: ov.Sensitive || ov.Value.ContainsMarked()}
	if !v.IsWhollyKnown() {
		return nil, fmt.Errorf("output %q is not known", name)
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return nil, fmt.Errorf("output %q: %w", name, err)
	}
	r.JSON = b
	if err := json.Unmarshal(b, &r.Value); err != nil {
		// The JSON is cty's own, so only a number beyond float64 fails;
		// the decoder's message would quote it (it may be sensitive).
		return nil, fmt.Errorf("output %q holds a number too large to show (beyond ±1.8e308)", name)
	}
	return r, nil
}

// planOutputs fills the plan's outputs as they will be after apply: an
// output reading an object whose value this plan decides only while it
// runs (a train, a snapshot, a promotion of the version it trains) is
// "known after apply"; a pinned promotion, the move of a recorded version
// and a publication are known at plan time and show their value.
//
// What is decided at apply is unknown in the world the outputs are
// evaluated in, so an output is unknown exactly when its value depends on
// it, whichever way it reaches the object: promotion.p.version, an
// instance promotion.p["eu"].version, each.value.version of an output
// with for_each, or a for expression over promotion.p.
func planOutputs(pc *engine.PlanContext) {
	if len(pc.WS.Config.Outputs) == 0 {
		return
	}
	w := worldOf(pc.WS, pc.State)
	pendingModel := func(name string) {
		mw := w.Models[name]
		mw.Pending = true
		w.Models[name] = mw
	}
	for _, a := range pc.Plan.Actions {
		switch {
		case a.Kind == plans.KindPublish:
			// Copies the alias's version: changes no value an output reads.
		case a.Kind == plans.KindPromote && a.Promote != nil && a.Promote.To > 0 && !a.Promote.KnownAfterApply:
			// A pin, or a recorded candidate that already passed its
			// gates: where the alias goes is known now.
			p := a.Promote
			if pw, ok := w.Promotions[p.Promotion]; ok {
				pw.Version = p.To
				w.Promotions[p.Promotion] = pw
			}
			if mw, ok := w.Models[p.Model]; ok {
				mw.Aliases = maps.Clone(mw.Aliases)
				mw.Aliases[p.Alias] = p.To
				w.Models[p.Model] = mw
			}
		case a.Promote != nil:
			pw := w.Promotions[a.Promote.Promotion]
			pw.Pending = true
			w.Promotions[a.Promote.Promotion] = pw
			pendingModel(a.Promote.Model)
		case a.Train != nil:
			pendingModel(a.Train.Model)
		case a.Evaluate != nil:
			pendingModel(a.Evaluate.Model)
		case a.Forget != nil && a.Forget.Model != "":
			pendingModel(a.Forget.Model)
		}
	}
	for name, id := range pc.NextSnapshots {
		w.Datasets[name] = config.DatasetWorld{SnapshotID: id}
	}
	vals, diags := pc.WS.Config.EvalOutputs(w)
	for _, name := range slices.Sorted(maps.Keys(pc.WS.Config.Outputs)) {
		o := pc.WS.Config.Outputs[name]
		po := &plans.Output{Name: name, Sensitive: o.Sensitive, Known: true}
		ov, ok := vals[name]
		if diags.HasErrors() || !ok {
			po.Known = false
		} else if v, _ := ov.Value.UnmarkDeep(); !v.IsWhollyKnown() {
			po.Known = false // sensitive ones too, though never shown
		}
		if po.Known && !po.Sensitive {
			r, err := outputResult(name, ov)
			switch {
			case err != nil:
				po.Known = false
			case r.Sensitive:
				po.Sensitive = true
			default:
				po.Value = r.Value
			}
		}
		pc.Plan.Outputs = append(pc.Plan.Outputs, po)
	}
}
