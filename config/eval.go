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
// only those, guarded (lang.FunctionsFor). They are looked up in the index
// of n's file made when it was parsed.
func (l *loader) calledFunctions(n *node) map[string]bool {
	if n.called != nil {
		return n.called
	}
	var root hclsyntax.Node
	var rng hcl.Range
	switch {
	case n.block != nil:
		root, rng = n.block, n.block.Range()
	case n.attr != nil:
		root, rng = n.attr, n.attr.SrcRange
	}
	if p, ok := l.parsed[rng.Filename]; ok && p.calls != nil && root != nil {
		return p.calls.In(rng)
	}
	return lang.CalledFunctions(root)
}
