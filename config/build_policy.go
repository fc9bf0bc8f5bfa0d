package config

import (
	"strings"

	"github.com/mlform/mlform/config/check"
)

// onChangeKinds are the input kinds a retrain policy can react to.
var onChangeKinds = []string{"data", "code", "params", "environment"} // constant table

// evalPolicy reads a retrain policy: its models, triggers and timing.
func (l *loader) evalPolicy(e *blockEval, n *node) {
	p := &RetrainPolicy{Name: n.name, DeclRange: n.block.DefRange()}
	if list, ok := e.refList("models", kindModel); ok {
		p.Models = list
		l.checkOnePolicyPerModel(e, p)
	}
	if list, a, ok := e.StrList("on_change"); ok {
		e.checkKnownOnce(a, "on_change", list, onChangeKinds, "Invalid on_change", "is not an input kind; use any of "+strings.Join(onChangeKinds, ", "))
		p.OnChange = list
	}
	if s, a, ok := e.Str("schedule", false); ok {
		if err := check.Cron(s); err != nil {
			e.Errorf(a.Expr.Range(), "Invalid schedule", "schedule in %s: %v.", e.Where, err)
		}
		p.Schedule = strings.TrimSpace(s)
	}
	p.Every = e.Duration("every", 1)
	p.Cooldown = e.Duration("cooldown", 0)
	for _, b := range n.block.Body.Blocks {
		se := e.sub(b, e.Where)
		switch b.Type {
		case "metric":
			mt := MetricTrigger{Name: b.Labels[0], Range: b.DefRange()}
			if f, _, ok := se.Number("below"); ok {
				mt.Below = &f
			}
			if f, _, ok := se.Number("above"); ok {
				mt.Above = &f
			}
			if mt.Below == nil && mt.Above == nil && !se.Failed {
				se.Errorf(b.DefRange(), "Empty metric trigger", "%s needs below, above or both: the bound that triggers a retrain.", se.Where)
			}
			if mt.Below != nil && mt.Above != nil && *mt.Above <= *mt.Below && !se.Failed {
				// Both bounds: the metric must stay within [below, above].
				se.Errorf(b.DefRange(), "Contradictory metric trigger", "%s: below = %g and above = %g fire for every value; below must be less than above (the metric must stay between them).", se.Where, *mt.Below, *mt.Above)
			}
			for _, prev := range p.Metrics {
				if prev.Name == mt.Name {
					se.Errorf(b.DefRange(), "Duplicate metric trigger", "%s already has a metric %q block at %s.", e.Where, mt.Name, rangeString(prev.Range))
				}
			}
			p.Metrics = append(p.Metrics, mt)
		case "drift":
			d := &Drift{Method: "psi", Range: b.DefRange()}
			if s, a, ok := se.Str("method", false); ok {
				if s != "psi" && s != "ks" {
					se.Errorf(a.Expr.Range(), "Invalid drift method", "method in %s must be \"psi\" (population stability index) or \"ks\" (Kolmogorov-Smirnov), not %q.", se.Where, s)
				}
				d.Method = s
			}
			if f, a, ok := se.Number("threshold"); ok {
				if f <= 0 || (d.Method == "ks" && f > 1) {
					se.Errorf(a.Expr.Range(), "Invalid drift threshold", "threshold in %s must be greater than 0%s, not %g.", se.Where, map[bool]string{true: " and at most 1 for ks"}[d.Method == "ks"], f)
				}
				d.Threshold = f
			}
			if cols, _, ok := se.StrList("columns"); ok {
				d.Columns = cols
			}
			p.Drift = d
		}
		e.Failed = e.Failed || se.Failed
	}
	l.cfg.RetrainPolicies[n.name] = p
}

// checkOnePolicyPerModel refuses a model governed by two policies: which
// one decides would otherwise depend on names.
func (l *loader) checkOnePolicyPerModel(e *blockEval, p *RetrainPolicy) {
	a := e.Body.Attributes["models"]
	for _, m := range p.Models {
		other, taken := l.policyOf[m]
		if !taken {
			l.policyOf[m] = p.Name
			continue
		}
		e.Errorf(a.Expr.Range(), "Model governed by two retrain policies",
			"model.%s is already governed by retrain_policy %q (%s); a model may have one retrain policy.", m, other, rangeString(l.cfg.RetrainPolicies[other].DeclRange))
	}
}
