package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/mlform/mlform/config/gate"

	"github.com/hashicorp/hcl/v2"
)

// A train or evaluate step may declare the metrics it writes to
// metrics.json (`metrics = ["accuracy", "auc"]`). validate then checks
// every metric name a gate, must_beat or metric trigger reads against the
// step that produces it, so a typo (candidate.metrics.acuracy) is an error
// at its position with a suggestion, not a promotion held at apply time.
// A step without the declaration is not checked: the names are only known
// once it runs.

// stepMetrics reads a step's metrics declaration: names, each once.
func (e *blockEval) stepMetrics(step *Step) {
	list, a, ok := e.nonBlankList("metrics", "name")
	if !ok {
		return
	}
	seen := map[string]bool{}
	for _, n := range list {
		if seen[n] {
			e.Errorf(a.Expr.Range(), "Invalid metrics", "metrics in %s lists %q twice.", e.Where, n)
			return
		}
		seen[n] = true
	}
	step.Metrics, step.MetricsRange = list, a.Expr.Range()
}

// yardstickStep is the step whose metrics a model's promotions compare:
// evaluate when declared (candidate and champion are both scored by it),
// else train.
func yardstickStep(m *Model) (*Step, string) {
	if m.Evaluate != nil {
		return m.Evaluate, "evaluate"
	}
	return &m.Train, "train"
}

// checkMetricNames checks gate, must_beat and metric-trigger metric
// names against the declared metrics of the step they read. It runs once
// every object is read.
func (l *loader) checkMetricNames() {
	for _, name := range slices.Sorted(maps.Keys(l.cfg.Promotions)) {
		p := l.cfg.Promotions[name]
		m := l.cfg.Models[p.Model]
		if m == nil {
			continue
		}
		step, which := yardstickStep(m)
		if step.Metrics == nil {
			continue
		}
		for _, g := range p.Gates {
			if g.Condition == nil {
				continue
			}
			for _, t := range g.Condition.Variables() {
				root := t.RootName()
				if (root != "candidate" && root != "champion") || len(t) < 3 {
					continue
				}
				if a, ok := t[1].(hcl.TraverseAttr); !ok || a.Name != "metrics" {
					continue
				}
				metric, ok := gate.MetricStep(t[2])
				if !ok {
					continue
				}
				l.checkMetricName(metric, hcl.RangeBetween(t[0].SourceRange(), t[2].SourceRange()), fmt.Sprintf("%s in promotion %q", gate.MetricRef(root, metric), name), m, step, which)
			}
		}
		if mb := p.MustBeat; mb != nil && mb.Metric != "" {
			l.checkMetricName(mb.Metric, mb.MetricRange, fmt.Sprintf("must_beat in promotion %q", name), m, step, which)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(l.cfg.RetrainPolicies)) {
		p := l.cfg.RetrainPolicies[name]
		for _, mn := range p.Models {
			m := l.cfg.Models[mn]
			if m == nil || m.Evaluate == nil || m.Evaluate.Metrics == nil {
				continue
			}
			for _, t := range p.Metrics {
				l.checkMetricName(t.Name, t.Range, fmt.Sprintf("metric trigger %q in retrain_policy %q", t.Name, name), m, m.Evaluate, "evaluate")
			}
		}
	}
}

// checkMetricName reports metric when step does not declare it.
func (l *loader) checkMetricName(metric string, at hcl.Range, what string, m *Model, step *Step, which string) {
	if slices.Contains(step.Metrics, metric) {
		return
	}
	detail := fmt.Sprintf("%s reads the metric %q, but the %s step of model.%s declares only %s (metrics at %s).",
		what, metric, which, m.Name, quoteList(step.Metrics), rangeString(step.MetricsRange))
	if s := suggest(metric, step.Metrics); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	} else {
		detail += fmt.Sprintf(" Add it to the %s step's metrics if the command writes it.", which)
	}
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Undeclared metric",
		Detail:   detail,
		Subject:  at.Ptr(),
	})
}

// quoteList renders names as `"a", "b"`, or "no metric" for none.
func quoteList(names []string) string {
	if len(names) == 0 {
		return "no metric"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
