// Package gate holds what a promotion gate's condition says about
// metrics, read from its syntax alone: which metric a step after
// candidate.metrics or champion.metrics names, the expression a hint
// should suggest for one, whether a condition guards itself with try or
// can, and which metric it reads that a version lacks. config checks gates
// with it at load and at apply; the report reads thresholds with it.
package gate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// MissingMetric reports the first candidate.metrics.X or champion.metrics.X
// condition names that the given metrics lack, unless it is guarded by
// try() or can() (then the condition decides). champion nil means there is
// no champion yet.
func MissingMetric(condition hcl.Expression, candidate, champion map[string]float64) *hcl.Diagnostic {
	if Guarded(condition) {
		return nil
	}
	for _, t := range condition.Variables() {
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
			ref := MetricRef("champion", attr.Name)
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

// MetricRef is the expression that reads metric name of root (candidate
// or champion), for hints users copy into a condition: root.metrics.name
// for a plain identifier, root.metrics["name"] otherwise. HCL would read
// a dash inside an identifier, but f1-score there looks like a
// subtraction, and a name such as val/acc or 1st is no identifier at all.
func MetricRef(root, name string) string {
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

// Guarded reports whether the condition uses try or can, which exist to
// handle missing values.
func Guarded(expr hcl.Expression) bool {
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

// metricNames lists m's metrics for a message.
func metricNames(m map[string]float64) string {
	if len(m) == 0 {
		return "none"
	}
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
}
