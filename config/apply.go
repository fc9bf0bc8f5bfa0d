package config

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
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
	if d := missingMetric(g, candidate, champion); d != nil {
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

// missingMetric reports the first candidate.metrics.X or champion.metrics.X
// the condition names that the given metrics lack, unless it is guarded by
// try() or can() (then the condition decides).
func missingMetric(g Gate, candidate, champion map[string]float64) *hcl.Diagnostic {
	if guarded(g.Condition) {
		return nil
	}
	for _, t := range g.Condition.Variables() {
		root := t.RootName()
		if (root != "candidate" && root != "champion") || len(t) < 3 {
			continue
		}
		name, ok := MetricStep(t[2])
		if !ok {
			continue
		}
		attr := hcl.TraverseAttr{Name: name}
		m := candidate
		if root == "champion" {
			m = champion
		}
		if _, ok := m[attr.Name]; ok {
			continue
		}
		var detail string
		switch {
		case root == "champion" && champion == nil:
			ref := metricRef("champion", attr.Name)
			detail = fmt.Sprintf("There is no champion yet, so %s has no value; guard it with try(%s, DEFAULT) to allow a first promotion.", ref, ref)
		default:
			detail = fmt.Sprintf("The %s reports no metric %q; it reports: %s.", root, attr.Name, metricNames(m))
		}
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing metric",
			Detail:   detail,
			Subject:  t.SourceRange().Ptr(),
		}
	}
	return nil
}

// MetricStep is the metric a step after candidate.metrics or
// champion.metrics names: .accuracy or ["val/accuracy"].
func MetricStep(step hcl.Traverser) (string, bool) {
	switch st := step.(type) {
	case hcl.TraverseAttr:
		return st.Name, true
	case hcl.TraverseIndex:
		if st.Key.Type() == cty.String && st.Key.IsKnown() && !st.Key.IsNull() {
			return st.Key.AsString(), true
		}
	}
	return "", false
}

// metricRef is the expression that reads metric name of root (candidate
// or champion), for hints users copy into a condition: root.metrics.name
// for a plain identifier, root.metrics["name"] otherwise. HCL would read
// a dash inside an identifier, but f1-score there looks like a
// subtraction, and a name such as val/acc or 1st is no identifier at all.
func metricRef(root, name string) string {
	plain := name != ""
	for i, r := range name {
		letter := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		plain = plain && (letter || (i > 0 && r >= '0' && r <= '9'))
	}
	if plain {
		return root + ".metrics." + name
	}
	return root + ".metrics[" + string(hclwrite.TokensForValue(cty.StringVal(name)).Bytes()) + "]"
}

// guarded reports whether the condition uses try or can, which exist to
// handle missing values.
func guarded(expr hcl.Expression) bool {
	se, ok := expr.(hclsyntax.Expression)
	if !ok {
		return false
	}
	found := false
	hclsyntax.VisitAll(se, func(n hclsyntax.Node) hcl.Diagnostics {
		if call, ok := n.(*hclsyntax.FunctionCallExpr); ok && (call.Name == "try" || call.Name == "can") {
			found = true
		}
		return nil
	})
	return found
}

func metricNames(m map[string]float64) string {
	if len(m) == 0 {
		return "none"
	}
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
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
