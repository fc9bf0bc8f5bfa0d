package lang

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/customdecode"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// tryFunc and canFunc are HCL's try and can, with one difference: which of
// try's expressions succeeds, and whether can's does, says something about
// the values they read, so their result carries the marks of every
// sensitive value those expressions refer to. HCL's own return an unmarked
// value: can(regex("^S3", var.token)) would tell, unmarked, whether the
// secret starts with S3, and try(tonumber(var.token), "x") whether it is a
// number.
var (
	tryFunc = markedByClosures(tryfunc.TryFunc)
	canFunc = markedByClosures(tryfunc.CanFunc)
)

// markedByClosures wraps f, whose arguments are all expression closures,
// so that its result carries the marks of every value the closures'
// expressions refer to.
func markedByClosures(f function.Function) function.Function {
	var params []function.Parameter
	params = append(params, f.Params()...)
	spec := &function.Spec{
		Description: f.Description(),
		Params:      params,
		VarParam:    f.VarParam(),
		Type: func(args []cty.Value) (cty.Type, error) {
			return f.ReturnTypeForValues(args)
		},
		Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
			v, err := f.Call(args)
			if err != nil {
				return v, err
			}
			return v.WithMarks(closureMarks(args)), nil
		},
	}
	return function.New(spec)
}

// closureMarks is the union of the marks of every value the closures in
// args refer to.
func closureMarks(args []cty.Value) cty.ValueMarks {
	marks := make(cty.ValueMarks)
	for _, a := range args {
		if !a.Type().Equals(customdecode.ExpressionClosureType) || !a.IsKnown() || a.IsNull() {
			continue
		}
		c := customdecode.ExpressionClosureFromVal(a)
		for m := range referencedMarks(c.Expression, c.EvalContext) {
			marks[m] = struct{}{}
		}
	}
	return marks
}

// referencedMarks is the union of the marks of (anything inside) the values
// expr refers to in ctx: for each reference, the longest prefix that
// resolves (var.token, or the object a misspelt attribute was looked up in).
func referencedMarks(expr hcl.Expression, ctx *hcl.EvalContext) cty.ValueMarks {
	marks := make(cty.ValueMarks)
	if ctx == nil {
		return marks
	}
	for _, t := range expr.Variables() {
		for i := len(t); i > 0; i-- {
			v, d := t[:i].TraverseAbs(ctx)
			if d.HasErrors() {
				continue
			}
			if v.ContainsMarked() {
				_, pvm := v.UnmarkDeepWithPaths()
				for _, pm := range pvm {
					for m := range pm.Marks {
						marks[m] = struct{}{}
					}
				}
			}
			break
		}
	}
	return marks
}
