package config

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/mlform/mlform/config/check"
	"github.com/mlform/mlform/config/lang"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// blockEval evaluates the arguments of one block body and converts them to
// Go values, reporting each problem at the argument's expression. Getters
// return ok=false when the argument is absent, null or wrong; failed says
// whether anything was wrong.
type blockEval struct {
	l      *loader
	ctx    *hcl.EvalContext
	body   *hclsyntax.Body
	where  string // `model "churn"`, for messages
	failed bool
	// vals are the evaluated arguments, for the object other blocks see.
	vals map[string]cty.Value
}

func (l *loader) newBlockEval(b *hclsyntax.Block, ctx *hcl.EvalContext) *blockEval {
	return &blockEval{l: l, ctx: ctx, body: b.Body, where: blockTitle(b), vals: map[string]cty.Value{}}
}

func (e *blockEval) sub(b *hclsyntax.Block, where string) *blockEval {
	return &blockEval{l: e.l, ctx: e.ctx, body: b.Body, where: where + " " + blockTitle(b), vals: map[string]cty.Value{}}
}

func (e *blockEval) errorf(rng hcl.Range, summary, format string, args ...any) {
	e.failed = true
	e.l.diags = append(e.l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  rng.Ptr(),
	})
}

// value evaluates argument name. ok is false when it is absent, null or
// failed to evaluate.
func (e *blockEval) value(name string) (cty.Value, *hclsyntax.Attribute, bool) {
	a, ok := e.body.Attributes[name]
	if !ok {
		return cty.NilVal, nil, false
	}
	v, diags := evalExpr(a.Expr, e.ctx)
	e.l.diags = append(e.l.diags, diags...)
	if diags.HasErrors() {
		e.failed = true
		return cty.NilVal, a, false
	}
	e.vals[name] = v
	if v.IsNull() {
		return v, a, false
	}
	if !v.IsWhollyKnown() {
		// Only gate conditions see unknown values, and they are not read
		// through here; anything else unknown is a bug in a function.
		e.errorf(a.Expr.Range(), "Value not known", "%s in %s cannot be decided before apply.", name, e.where)
		return v, a, false
	}
	return v, a, true
}

// checkURL reports a URL argument that check refuses, without quoting it
// when it derives from a sensitive value.
func (e *blockEval) checkURL(name string, a *hclsyntax.Attribute, u string, check func(string) error) {
	err := check(u)
	if err == nil {
		return
	}
	e.failed = true
	what := name + " in " + e.where
	if e.vals[name].ContainsMarked() {
		e.l.diags = append(e.l.diags, sensitiveURLDiag(what, a.Expr.Range()))
		return
	}
	e.l.diags = append(e.l.diags, urlDiag(what, err, a.Expr.Range()))
}

// plain converts v to ty and removes marks, refusing sensitive values
// unless allowed: most arguments end up in state, plans and logs.
func (e *blockEval) plain(name string, a *hclsyntax.Attribute, v cty.Value, ty cty.Type, want string, allowSensitive bool) (cty.Value, bool) {
	if v.ContainsMarked() && !allowSensitive {
		e.errorf(a.Expr.Range(), "Sensitive value not allowed",
			"%s in %s is recorded in state and shown in plans, so it cannot be derived from a sensitive variable.", name, e.where)
		return cty.NilVal, false
	}
	v, _ = v.UnmarkDeep()
	c, err := convert.Convert(v, ty)
	if err != nil {
		e.failed = true
		e.l.diags = append(e.l.diags, typeDiag(name, want, a.Expr, err))
		return cty.NilVal, false
	}
	if c.IsNull() {
		return c, false
	}
	return c, true
}

func (e *blockEval) str(name string, allowSensitive bool) (string, *hclsyntax.Attribute, bool) {
	v, a, ok := e.value(name)
	if !ok {
		return "", a, false
	}
	c, ok := e.plain(name, a, v, cty.String, "a string", allowSensitive)
	if !ok {
		return "", a, false
	}
	return c.AsString(), a, true
}

func (e *blockEval) strList(name string) ([]string, *hclsyntax.Attribute, bool) {
	v, a, ok := e.value(name)
	if !ok {
		return nil, a, false
	}
	c, ok := e.plain(name, a, v, cty.List(cty.String), "a list of strings", false)
	if !ok {
		return nil, a, false
	}
	out := make([]string, 0, c.LengthInt())
	for it := c.ElementIterator(); it.Next(); {
		_, el := it.Element()
		if el.IsNull() {
			e.errorf(a.Expr.Range(), "Invalid value", "%s in %s may not contain null.", name, e.where)
			return nil, a, false
		}
		out = append(out, el.AsString())
	}
	return out, a, true
}

// globs reads a list of glob patterns and validates each.
func (e *blockEval) globs(name string) []string {
	list, a, ok := e.strList(name)
	if !ok {
		return nil
	}
	for _, p := range list {
		if err := check.Glob(p); err != nil {
			e.errorf(a.Expr.Range(), "Invalid glob pattern", "%s in %s: %v.", name, e.where, err)
		}
	}
	return list
}

func (e *blockEval) strMap(name string) (m map[string]string, sensitive bool) {
	v, a, ok := e.value(name)
	if !ok {
		return nil, false
	}
	sensitive = v.ContainsMarked()
	c, ok := e.plain(name, a, v, cty.Map(cty.String), "a map of strings", true)
	if !ok {
		return nil, false
	}
	m = map[string]string{}
	for k, el := range c.AsValueMap() {
		if el.IsNull() {
			e.errorf(a.Expr.Range(), "Invalid value", "%s in %s: %q is null.", name, e.where, k)
			continue
		}
		m[k] = el.AsString()
	}
	return m, sensitive
}

// bigNumber reads a number argument that may not be sensitive; what names
// the kind of number wanted, for messages.
func (e *blockEval) bigNumber(name, what string) (*big.Float, *hclsyntax.Attribute, bool) {
	v, a, ok := e.value(name)
	if !ok {
		return nil, a, false
	}
	c, ok := e.plain(name, a, v, cty.Number, what, false)
	if !ok {
		return nil, a, false
	}
	return c.AsBigFloat(), a, true
}

func (e *blockEval) number(name string) (float64, *hclsyntax.Attribute, bool) {
	bf, a, ok := e.bigNumber(name, "a number")
	if !ok {
		return 0, a, false
	}
	f, _ := bf.Float64()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		e.errorf(a.Expr.Range(), "Invalid number", "%s in %s must be a finite number.", name, e.where)
		return 0, a, false
	}
	return f, a, true
}

func (e *blockEval) integer(name string) (int, *hclsyntax.Attribute, bool) {
	bf, a, ok := e.bigNumber(name, "a whole number")
	if !ok {
		return 0, a, false
	}
	i, acc := bf.Int64()
	if acc != big.Exact || i > math.MaxInt32 || i < math.MinInt32 {
		e.errorf(a.Expr.Range(), "Invalid number", "%s in %s must be a whole number, not %s.", name, e.where, bf.Text('g', 10))
		return 0, a, false
	}
	return int(i), a, true
}

// duration reads a duration string; minimum is the smallest allowed value.
func (e *blockEval) duration(name string, minimum time.Duration) time.Duration {
	s, a, ok := e.str(name, false)
	if !ok {
		return 0
	}
	d, err := check.ParseDuration(s)
	if err != nil {
		e.errorf(a.Expr.Range(), "Invalid duration", "%s in %s: %v.", name, e.where, err)
		return 0
	}
	if d < minimum {
		what := "positive"
		if minimum == 0 {
			what = "zero or positive"
		}
		e.errorf(a.Expr.Range(), "Invalid duration", "%s in %s must be %s, not %q.", name, e.where, what, s)
		return 0
	}
	return d
}

// params converts an object to JSON-compatible Go values.
func (e *blockEval) params(name string) map[string]any {
	v, a, ok := e.value(name)
	if !ok {
		return nil
	}
	if v.ContainsMarked() {
		e.errorf(a.Expr.Range(), "Sensitive value not allowed",
			"%s in %s is recorded in state with every version, so it cannot be derived from a sensitive variable; pass secrets through an environment's env instead.", name, e.where)
		return nil
	}
	ty := v.Type()
	if !ty.IsObjectType() && !ty.IsMapType() {
		e.errorf(a.Expr.Range(), "Incorrect attribute value type", "%s in %s must be an object, like { learning_rate = 0.05 }.", name, e.where)
		return nil
	}
	out, err := lang.GoValue(v)
	if err != nil {
		e.errorf(a.Expr.Range(), "Invalid params", "%s in %s: %v.", name, e.where, err)
		return nil
	}
	m, _ := out.(map[string]any)
	return m
}

func typeDiag(name, want string, expr hcl.Expression, err error) *hcl.Diagnostic {
	detail := fmt.Sprintf("Inappropriate value for argument %q: %s required", name, want)
	// cty's own wording repeats ours ("list of string required") unless it
	// points inside the value ("element 0: string required").
	if err != nil && strings.Contains(err.Error(), ":") {
		detail += " (" + errText(err) + ")"
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Incorrect attribute value type",
		Detail:   detail + ".",
		Subject:  expr.Range().Ptr(),
	}
}

// errText is an error message without a trailing period, for embedding.
func errText(err error) string {
	return strings.TrimSuffix(err.Error(), ".")
}

func firstDiagText(diags hcl.Diagnostics) string {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			return d.Summary + ": " + d.Detail
		}
	}
	return ""
}
