package config

import (
	"maps"
	"math"
	"slices"

	"github.com/mlform/mlform/config/gate"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// EvalGate evaluates a promotion gate's condition with the candidate's and
// the champion's metrics. champion nil means there is no champion yet:
// champion.metrics is then an empty object. A condition that cannot be
// evaluated (a metric missing on either side, a non-bool result) is an
// error diagnostic, and the gate is false: promotion fails safe.
func (c *Config) EvalGate(g Gate, candidate, champion map[string]float64) (bool, hcl.Diagnostics) {
	if g.Condition == nil {
		return false, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Gate without condition", Detail: "The gate has no condition to evaluate."}}
	}
	if c.scope == nil {
		return false, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Configuration not evaluated", Detail: "EvalGate needs a Config returned by Load without errors."}}
	}
	if d := gate.MissingMetric(g.Condition, candidate, champion); d != nil {
		return false, hcl.Diagnostics{d}
	}
	extra := map[string]cty.Value{
		"candidate": metricsObject(candidate),
		"champion":  metricsObject(champion),
	}
	for k, v := range g.instance {
		extra[k] = v
	}
	s := c.scope
	if g.scope != nil {
		s = g.scope
	}
	v, diags := evalExpr(g.Condition, s.evalContextOf(g.Condition, extra))
	diags = redactDiagnostics(diags, c.Variables)
	if diags.HasErrors() {
		return false, diags
	}
	v, _ = v.UnmarkDeep()
	b, err := convert.Convert(v, cty.Bool)
	if err != nil || b.IsNull() || !b.IsKnown() {
		return false, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid gate condition",
			Detail:   "The gate condition did not evaluate to true or false.",
			Subject:  g.Condition.Range().Ptr(),
		}}
	}
	return b.True(), nil
}

// GateValue evaluates expr, a part of gate g's condition that reads no
// candidate or champion metric, where EvalGate evaluates the condition:
// in the gate's module and instance (that module's variables and locals,
// each, count). A value derived from a sensitive variable keeps its mark.
// ok is false when expr reads a metric or cannot be evaluated. The report
// draws a gate's threshold with it (report/gates.go).
func (c *Config) GateValue(g Gate, expr hcl.Expression) (cty.Value, bool) {
	if c.scope == nil || expr == nil {
		return cty.NilVal, false
	}
	for _, t := range expr.Variables() {
		if r := t.RootName(); r == "candidate" || r == "champion" {
			return cty.NilVal, false
		}
	}
	extra := map[string]cty.Value{}
	for k, v := range g.instance {
		extra[k] = v
	}
	s := c.scope
	if g.scope != nil {
		s = g.scope
	}
	v, diags := evalExpr(expr, s.evalContextOf(expr, extra))
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	return v, true
}

func metricsObject(m map[string]float64) cty.Value {
	attrs := map[string]cty.Value{}
	for k, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue // metrics are finite by contract; never panic on one that is not
		}
		attrs[k] = cty.NumberFloatVal(v)
	}
	return cty.ObjectVal(map[string]cty.Value{"metrics": objectOf(attrs)})
}

// EvalOutputs evaluates every output against the recorded world.
func (c *Config) EvalOutputs(w World) (map[string]OutputValue, hcl.Diagnostics) {
	if c.scope == nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Configuration not evaluated", Detail: "EvalOutputs needs a Config returned by Load without errors."}}
	}
	out := map[string]OutputValue{}
	var diags hcl.Diagnostics
	ctx := c.worldContext(&w)
	for _, name := range slices.Sorted(maps.Keys(c.Outputs)) {
		o := c.Outputs[name]
		v, d := o.eval(ctx)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		sensitive := o.Sensitive || v.ContainsMarked()
		v, _ = v.UnmarkDeep()
		out[name] = OutputValue{Value: v, Sensitive: sensitive}
	}
	return out, redactDiagnostics(diags, c.Variables)
}

// worldContext is the evaluation context of outputs: the configuration's
// objects plus what state knows. w nil means "nothing is known yet" (the
// check at load time): recorded values are unknown.
func (c *Config) worldContext(w *World) *hcl.EvalContext {
	s := c.scope
	unknownNum := cty.UnknownVal(cty.Number)
	proms := map[string]cty.Value{}
	for name, p := range c.Promotions {
		version := unknownNum
		if w != nil {
			version = cty.NullVal(cty.Number)
			if pw, ok := w.Promotions[name]; ok && pw.Pending {
				version = unknownNum
			} else if ok && pw.Version > 0 {
				version = cty.NumberIntVal(int64(pw.Version))
			}
		}
		proms[name] = cty.ObjectVal(map[string]cty.Value{
			"name": cty.StringVal(name), "model": cty.StringVal(p.Model),
			"alias": cty.StringVal(p.Alias), "version": version,
		})
	}
	models := map[string]cty.Value{}
	for name, obj := range s.objects[kindModel] {
		latest, aliases := unknownNum, cty.UnknownVal(cty.Map(cty.Number))
		if w != nil && !w.Models[name].Pending {
			mw := w.Models[name]
			latest = cty.NullVal(cty.Number)
			if mw.LatestVersion > 0 {
				latest = cty.NumberIntVal(int64(mw.LatestVersion))
			}
			am := map[string]cty.Value{}
			for a, v := range mw.Aliases {
				am[a] = cty.NumberIntVal(int64(v))
			}
			aliases = cty.MapValEmpty(cty.Number)
			if len(am) > 0 {
				aliases = cty.MapVal(am)
			}
		}
		models[name] = withAttrs(obj, map[string]cty.Value{"latest_version": latest, "aliases": aliases})
	}
	datasets := map[string]cty.Value{}
	for name, obj := range s.objects[kindDataset] {
		snap := cty.UnknownVal(cty.String)
		if w != nil {
			snap = cty.NullVal(cty.String)
			if dw, ok := w.Datasets[name]; ok && dw.SnapshotID != "" {
				snap = cty.StringVal(dw.SnapshotID)
			}
		}
		datasets[name] = withAttrs(obj, map[string]cty.Value{"snapshot_id": snap})
	}
	return s.evalContext(map[string]cty.Value{
		"promotion": objectOf(s.grouped(kindPromotion, proms)),
		"model":     objectOf(s.grouped(kindModel, models)),
		"dataset":   objectOf(s.grouped(kindDataset, datasets)),
	})
}

func withAttrs(obj cty.Value, extra map[string]cty.Value) cty.Value {
	attrs := obj.AsValueMap()
	if attrs == nil {
		attrs = map[string]cty.Value{}
	}
	for k, v := range extra {
		attrs[k] = v
	}
	return cty.ObjectVal(attrs)
}
