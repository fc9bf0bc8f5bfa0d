package config

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mlform/mlform/internal/objname"
)

// outputInstance is one instance of an output with for_each or count.
// Outputs are evaluated against the recorded world (a promotion's version
// is known only after apply), so each.value is looked up again in that
// world by the instance's key rather than kept from load time.
type outputInstance struct {
	forEach hcl.Expression // nil for count
	key     string
	index   int
}

func outputInstanceOf(n *node) *outputInstance {
	if n.extra == nil {
		return nil
	}
	_, sfx := objname.Split(n.name)
	key, index, isKey, err := objname.ParseSuffix(sfx)
	if err != nil {
		return nil
	}
	if !isKey {
		return &outputInstance{index: index}
	}
	return &outputInstance{forEach: n.block.Body.Attributes[metaForEach].Expr, key: key}
}

// eval evaluates the output's value in ctx, with its instance's each or
// count.
func (o *Output) eval(ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	if o.each == nil {
		return evalExpr(o.Expr, ctx)
	}
	inst := ctx.NewChild()
	if o.each.forEach == nil {
		inst.Variables = map[string]cty.Value{"count": cty.ObjectVal(map[string]cty.Value{"index": cty.NumberIntVal(int64(o.each.index))})}
		return evalExpr(o.Expr, inst)
	}
	all, diags := evalExpr(o.each.forEach, ctx)
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	value := cty.StringVal(o.each.key) // a set of strings: the value is the key
	if ty := all.Type(); (ty.IsMapType() || ty.IsObjectType()) && all.IsKnown() && !all.IsNull() {
		plain, marks := all.Unmark()
		if ty.IsObjectType() && ty.HasAttribute(o.each.key) {
			value = plain.GetAttr(o.each.key).WithMarks(marks)
		} else if ty.IsMapType() {
			if v := plain.Index(cty.StringVal(o.each.key)); v.IsKnown() {
				value = v.WithMarks(marks)
			}
		}
	}
	inst.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(o.each.key), "value": value})}
	return evalExpr(o.Expr, inst)
}
