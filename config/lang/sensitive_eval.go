package lang

import (
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// sensitiveDetail replaces the detail of a diagnostic about an expression
// that uses a sensitive value. HCL's and cty's messages quote the values
// involved (a duplicate for-expression key, a failed conversion, an index
// that does not exist), and those values may be the secret or something
// computed from it (upper(var.token), a piece of split("-", var.token)).
const sensitiveDetail = "This expression uses a sensitive value, so the details of this problem are not shown: they could reveal it."

// EvalExpr evaluates expr like expr.Value(ctx), and is how config evaluates
// every expression. When the expression uses a sensitive value, its
// diagnostics keep their summary and position but lose their detail and
// evaluation context. A result beyond the limits (MaxValueSize,
// MaxValueDepth) is an error at the expression.
func EvalExpr(expr hcl.Expression, ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	v, _, diags := EvalExprKnown(expr, ctx)
	return v, diags
}

// EvalExprKnown is EvalExpr that also says whether the value is wholly
// known (cty.Value.IsWhollyKnown, a walk of the value its callers need
// anyway). known is false after an error.
func EvalExprKnown(expr hcl.Expression, ctx *hcl.EvalContext) (v cty.Value, known bool, diags hcl.Diagnostics) {
	v, diags = expr.Value(ctx)
	if len(diags) > 0 && usesSensitive(expr, ctx, v) {
		diags = hideSensitive(diags)
	}
	if diags.HasErrors() {
		return v, false, diags
	}
	if !v.IsWhollyKnown() {
		return v, false, diags
	}
	if err := CheckValue(v); err != nil {
		return cty.DynamicVal, false, append(diags, tooLargeDiag(expr.Range(), err))
	}
	return v, true, diags
}

// tooLargeDiag reports a limit at rng.
func tooLargeDiag(rng hcl.Range, err error) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Value too large", Detail: strings.TrimSuffix(err.Error(), ".") + ".", Subject: rng.Ptr()}
}

// usesSensitive reports whether expr's result or anything it refers to is
// (or contains) a sensitive value.
func usesSensitive(expr hcl.Expression, ctx *hcl.EvalContext, result cty.Value) bool {
	if result.ContainsMarked() {
		return true
	}
	return len(referencedMarks(expr, ctx)) > 0
}

// hideSensitive returns copies of diags with sensitiveDetail as detail and
// nothing that could print a value. Limit errors keep their detail: it
// never quotes a value, nor does a guarded function's (budget.guard).
func hideSensitive(diags hcl.Diagnostics) hcl.Diagnostics {
	out := make(hcl.Diagnostics, len(diags))
	for i, d := range diags {
		c := *d
		if !safeDetail(&c) {
			c.Detail = sensitiveDetail
		}
		c.Expression, c.EvalContext, c.Extra = nil, nil, nil
		out[i] = &c
	}
	return out
}

// missingAttr is HCL's detail for a misspelt attribute, without the
// suggestion it may add (the suggestion is one of the object's keys, which
// for a sensitive object are part of the secret).
func missingAttr() *regexp.Regexp {
	return regexp.MustCompile(`^This object does not have an attribute named "[^"\\]*"\.$`)
}

// safeDetail reports whether d's detail quotes nothing but the
// configuration's own text: the limit errors, a guarded function's
// message, and a misspelt attribute name.
func safeDetail(d *hcl.Diagnostic) bool {
	switch {
	case d.Summary == "Value too large", d.Summary == "Expression does too much work":
		return true
	case strings.Contains(d.Detail, sensitiveArgText), strings.Contains(d.Detail, sensitiveCallText):
		return true
	case d.Summary == "Unsupported attribute" && missingAttr().MatchString(d.Detail):
		return true
	}
	return false
}
