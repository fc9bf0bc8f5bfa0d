package config

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// checkEnvNames refuses names that become one environment variable of the
// training contract (web-logs and web_logs both become
// MLFORM_DATASET_WEB_LOGS_DIR): the trainer could not tell them apart, and
// found only when the step starts it would cost a failed attempt.
// what is "dataset" or "param"; env is the executor's naming rule.
func (e *blockEval) checkEnvNames(a *hclsyntax.Attribute, what string, names []string, env func(string) string) {
	if a == nil {
		return
	}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	seen := map[string]string{}
	for _, n := range sorted {
		v := env(n)
		if prev, ok := seen[v]; ok {
			e.Errorf(a.Expr.Range(), "Colliding "+what+" names",
				"%s in %s: %s names %q and %q both become the environment variable %s of the training step; rename one.", a.Name, e.Where, what, prev, n, v)
			continue
		}
		seen[v] = n
	}
}

// checkMetricTriggers refuses a metric trigger on a model that declares
// no evaluate step: the trigger reads the metrics that step reports, so it
// could never fire. It runs once every object is read, as a policy may
// name its models by string.
func (l *loader) checkMetricTriggers() {
	for _, name := range slices.Sorted(maps.Keys(l.cfg.RetrainPolicies)) {
		p := l.cfg.RetrainPolicies[name]
		if len(p.Metrics) == 0 {
			continue
		}
		for _, m := range p.Models {
			model, ok := l.cfg.Models[m]
			if !ok || model.Evaluate != nil {
				continue
			}
			var names []string
			for _, mt := range p.Metrics {
				names = append(names, fmt.Sprintf("%q", mt.Name))
			}
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Metric trigger without an evaluate step",
				Detail: fmt.Sprintf("retrain_policy %q has a metric trigger (%s), but model.%s (%s) has no evaluate block: a metric trigger needs the model's evaluate step, whose metrics it reads. Add an evaluate block to the model or remove the metric trigger.",
					p.Name, strings.Join(names, ", "), m, rangeString(model.DeclRange)),
				Subject: p.Metrics[0].Range.Ptr(),
			})
		}
	}
}
