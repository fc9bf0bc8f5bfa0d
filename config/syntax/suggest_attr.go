package syntax

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// SuggestAttributes adds "Did you mean …?" to HCL's "Unsupported attribute"
// for a typo such as dataset.churn.sorce, by looking at the attributes the
// object really has. Only block objects (dataset, model, ...) get a
// suggestion: the attribute names of a var or local may come from a
// sensitive value.
func SuggestAttributes(diags hcl.Diagnostics) {
	for _, d := range diags {
		if d.Summary != "Unsupported attribute" || d.Subject == nil || d.EvalContext == nil || strings.Contains(d.Detail, "Did you mean") {
			continue
		}
		expr, ok := d.Expression.(*hclsyntax.ScopeTraversalExpr)
		if !ok || len(expr.Traversal) < 2 {
			continue
		}
		switch expr.Traversal.RootName() {
		case "var", "local", "each", "count":
			continue
		}
		for i, step := range expr.Traversal {
			attr, ok := step.(hcl.TraverseAttr)
			if !ok || i == 0 || attr.SrcRange != *d.Subject {
				continue
			}
			obj, od := expr.Traversal[:i].TraverseAbs(d.EvalContext)
			if od.HasErrors() || obj.IsNull() || !obj.Type().IsObjectType() {
				break
			}
			if s := suggest(attr.Name, keys(obj.Type().AttributeTypes())); s != "" {
				d.Detail = fmt.Sprintf("This object does not have an attribute named %q. Did you mean %q?", attr.Name, s)
			}
			break
		}
	}
}
