package config

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/mlform/mlform/config/lang"
)

// evalExpr is how config evaluates every expression: lang.EvalExpr, under
// the language's limits and with sensitive values kept out of diagnostics.
func evalExpr(expr hcl.Expression, ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	return lang.EvalExpr(expr, ctx)
}

// calledFunctions lists the functions n's syntax calls: its context gets
// only those, guarded (lang.FunctionsFor).
func calledFunctions(n *node) map[string]bool {
	if n.called != nil {
		return n.called
	}
	var root hclsyntax.Node
	switch {
	case n.block != nil:
		root = n.block
	case n.attr != nil:
		root = n.attr
	}
	return lang.CalledFunctions(root)
}
