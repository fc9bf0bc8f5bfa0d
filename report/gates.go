package report

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/mlform/mlform/config/gate"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/mlform/mlform/config"
)

// threshold is a gate line a chart can draw: candidate.metrics.Metric Op
// Value, where Value is known without any metric.
type threshold struct {
	Metric string
	Op     string // ">=", ">", "<=", "<"
	Value  float64
	Label  string // "promotion.churn_production: accuracy >= 0.82"
}

// gateInfo is what the configuration says about a model's promotions.
type gateInfo struct {
	Thresholds []threshold
	// Described are readable lines for every gate and must_beat, drawn or
	// not (a gate comparing with the champion has no fixed line).
	Described []string
	// Promoted: the configuration declares a promotion of the model, so a
	// version no alias took is held (not yet promoted), not unserved.
	Promoted bool
}

// gatesFor reads the promotions of model in cfg. A gate is drawn when its
// condition is a comparison between candidate.metrics.NAME and an
// expression of literals, variables and locals only; a value that derives
// from a sensitive variable or local is never shown.
func gatesFor(cfg *config.Config, model string) gateInfo {
	var gi gateInfo
	if cfg == nil {
		return gi
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Promotions)) {
		p := cfg.Promotions[name]
		if p == nil || p.Model != model {
			continue
		}
		for _, g := range p.Gates {
			// The threshold is evaluated where apply evaluates the gate:
			// in a module, with that instance's variables, not the root's.
			t, ok := gateThreshold(g.Condition, func(e hclsyntax.Expression) (cty.Value, bool) { return cfg.GateValue(g, e) })
			if ok {
				t.Label = fmt.Sprintf("promotion.%s (alias %s): %s %s %s", name, p.Alias, t.Metric, t.Op, formatFloat(t.Value))
				gi.Thresholds = append(gi.Thresholds, t)
				gi.Described = append(gi.Described, t.Label)
				continue
			}
			msg := g.ErrorMessage
			if msg == "" {
				msg = "a condition on candidate/champion metrics"
			}
			gi.Described = append(gi.Described, fmt.Sprintf("promotion.%s (alias %s): gate not drawn (%s)", name, p.Alias, msg))
		}
		if mb := p.MustBeat; mb != nil {
			dir := mb.Direction
			if dir == "" {
				dir = "higher"
			}
			line := fmt.Sprintf("promotion.%s (alias %s): must beat the champion on %s (%s is better", name, p.Alias, mb.Metric, dir)
			if mb.MinDelta != 0 {
				line += fmt.Sprintf(", by at least %s", formatFloat(mb.MinDelta))
			}
			gi.Described = append(gi.Described, line+")")
		}
		if p.Version > 0 {
			gi.Described = append(gi.Described, fmt.Sprintf("promotion.%s (alias %s): pinned to v%d", name, p.Alias, p.Version))
		}
		if p.Approval {
			gi.Described = append(gi.Described, fmt.Sprintf("promotion.%s (alias %s): each move waits for mlform approve (approval = true)", name, p.Alias))
		}
		gi.Promoted = true
	}
	return gi
}

// gateThreshold recognises `candidate.metrics.M OP rhs` (either order);
// eval gives the value of rhs.
func gateThreshold(expr hcl.Expression, eval func(hclsyntax.Expression) (cty.Value, bool)) (threshold, bool) {
	b, ok := expr.(*hclsyntax.BinaryOpExpr)
	if !ok {
		return threshold{}, false
	}
	ops := map[*hclsyntax.Operation][2]string{
		hclsyntax.OpGreaterThanOrEqual: {">=", "<="},
		hclsyntax.OpGreaterThan:        {">", "<"},
		hclsyntax.OpLessThanOrEqual:    {"<=", ">="},
		hclsyntax.OpLessThan:           {"<", ">"},
	}
	op, ok := ops[b.Op]
	if !ok {
		return threshold{}, false
	}
	if m, ok := candidateMetric(b.LHS); ok {
		if v, ok := constNumber(b.RHS, eval); ok {
			return threshold{Metric: m, Op: op[0], Value: v}, true
		}
	}
	if m, ok := candidateMetric(b.RHS); ok {
		if v, ok := constNumber(b.LHS, eval); ok {
			return threshold{Metric: m, Op: op[1], Value: v}, true
		}
	}
	return threshold{}, false
}

// candidateMetric matches exactly candidate.metrics.NAME (or ["NAME"]).
func candidateMetric(e hclsyntax.Expression) (string, bool) {
	st, ok := e.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(st.Traversal) != 3 || st.Traversal.RootName() != "candidate" {
		return "", false
	}
	if a, ok := st.Traversal[1].(hcl.TraverseAttr); !ok || a.Name != "metrics" {
		return "", false
	}
	return gate.MetricStep(st.Traversal[2])
}

// constNumber evaluates e when it reads only variables and locals; a
// value derived from a sensitive one is not shown.
func constNumber(e hclsyntax.Expression, eval func(hclsyntax.Expression) (cty.Value, bool)) (float64, bool) {
	for _, t := range e.Variables() {
		if r := t.RootName(); r != "var" && r != "local" {
			return 0, false
		}
	}
	v, ok := eval(e)
	if !ok || !v.IsWhollyKnown() || v.IsNull() || v.ContainsMarked() {
		return 0, false
	}
	n, err := convert.Convert(v, cty.Number)
	if err != nil {
		return 0, false
	}
	f, _ := n.AsBigFloat().Float64()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}
