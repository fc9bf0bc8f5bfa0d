// Package value reads the arguments of a configuration block into Go
// values: each getter evaluates one argument, converts it, refuses
// sensitive values where they would be recorded or shown, and reports any
// problem at the argument's expression (file:line:col).
package value

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/mlform/mlform/config/check"
	"github.com/mlform/mlform/config/lang"
	"github.com/mlform/mlform/config/syntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Args evaluates the arguments of one block body and converts them to
// Go values, reporting each problem at the argument's expression. Getters
// return ok=false when the argument is absent, null or wrong; failed says
// whether anything was wrong.
type Args struct {
	// Diags is where problems are reported (the loader's diagnostics).
	Diags  *hcl.Diagnostics
	Ctx    *hcl.EvalContext
	Body   *hclsyntax.Body
	Where  string // `model "churn"`, for messages
	Failed bool
	// Vals are the evaluated arguments, for the object other blocks see.
	Vals map[string]cty.Value
}

// New reads the arguments of block b in ctx, reporting to diags.
func New(diags *hcl.Diagnostics, b *hclsyntax.Block, ctx *hcl.EvalContext) *Args {
	return &Args{Diags: diags, Ctx: ctx, Body: b.Body, Where: syntax.BlockTitle(b), Vals: map[string]cty.Value{}}
}

// Sub reads the arguments of b, a block nested in e's; where names it.
func (e *Args) Sub(b *hclsyntax.Block, where string) *Args {
	return &Args{Diags: e.Diags, Ctx: e.Ctx, Body: b.Body, Where: where + " " + syntax.BlockTitle(b), Vals: map[string]cty.Value{}}
}

func (e *Args) Errorf(rng hcl.Range, summary, format string, args ...any) {
	e.Failed = true
	*e.Diags = append(*e.Diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  rng.Ptr(),
	})
}

// Value evaluates argument name. ok is false when it is absent, null or
// failed to evaluate.
func (e *Args) Value(name string) (cty.Value, *hclsyntax.Attribute, bool) {
	a, ok := e.Body.Attributes[name]
	if !ok {
		return cty.NilVal, nil, false
	}
	v, known, diags := lang.EvalExprKnown(a.Expr, e.Ctx)
	*e.Diags = append(*e.Diags, diags...)
	if diags.HasErrors() {
		e.Failed = true
		return cty.NilVal, a, false
	}
	e.Vals[name] = v
	if v.IsNull() {
		return v, a, false
	}
	if !known {
		// Only gate conditions see unknown values, and they are not read
		// through here; anything else unknown is a bug in a function.
		e.Errorf(a.Expr.Range(), "Value not known", "%s in %s cannot be decided before apply.", name, e.Where)
		return v, a, false
	}
	return v, a, true
}

// CheckURL reports a URL argument that check refuses, without quoting it
// when it derives from a sensitive value.
func (e *Args) CheckURL(name string, a *hclsyntax.Attribute, u string, check func(string) error) {
	err := check(u)
	if err == nil {
		return
	}
	e.Failed = true
	what := name + " in " + e.Where
	if e.Vals[name].ContainsMarked() {
		*e.Diags = append(*e.Diags, SensitiveURLDiag(what, a.Expr.Range()))
		return
	}
	*e.Diags = append(*e.Diags, URLDiag(what, err, a.Expr.Range()))
}

// Plain converts v to ty and removes marks, refusing sensitive values
// unless allowed: most arguments end up in state, plans and logs.
func (e *Args) Plain(name string, a *hclsyntax.Attribute, v cty.Value, ty cty.Type, want string, allowSensitive bool) (cty.Value, bool) {
	if v.ContainsMarked() && !allowSensitive {
		e.Errorf(a.Expr.Range(), "Sensitive value not allowed",
			"%s in %s is recorded in state and shown in plans, so it cannot be derived from a sensitive variable.", name, e.Where)
		return cty.NilVal, false
	}
	v, _ = v.UnmarkDeep()
	c, err := convert.Convert(v, ty)
	if err != nil {
		e.Failed = true
		*e.Diags = append(*e.Diags, TypeDiag(name, want, a.Expr, err))
		return cty.NilVal, false
	}
	if c.IsNull() {
		return c, false
	}
	return c, true
}

func (e *Args) Str(name string, allowSensitive bool) (string, *hclsyntax.Attribute, bool) {
	v, a, ok := e.Value(name)
	if !ok {
		return "", a, false
	}
	c, ok := e.Plain(name, a, v, cty.String, "a string", allowSensitive)
	if !ok {
		return "", a, false
	}
	return c.AsString(), a, true
}

func (e *Args) StrList(name string) ([]string, *hclsyntax.Attribute, bool) {
	v, a, ok := e.Value(name)
	if !ok {
		return nil, a, false
	}
	c, ok := e.Plain(name, a, v, cty.List(cty.String), "a list of strings", false)
	if !ok {
		return nil, a, false
	}
	out := make([]string, 0, c.LengthInt())
	for it := c.ElementIterator(); it.Next(); {
		_, el := it.Element()
		if el.IsNull() {
			e.Errorf(a.Expr.Range(), "Invalid value", "%s in %s may not contain null.", name, e.Where)
			return nil, a, false
		}
		out = append(out, el.AsString())
	}
	return out, a, true
}

// globs reads a list of glob patterns and validates each.
func (e *Args) Globs(name string) []string {
	list, a, ok := e.StrList(name)
	if !ok {
		return nil
	}
	for _, p := range list {
		if err := check.Glob(p); err != nil {
			e.Errorf(a.Expr.Range(), "Invalid glob pattern", "%s in %s: %v.", name, e.Where, err)
		}
	}
	return list
}

// StrMap reads a map of strings whose values may be sensitive. secrets
// holds the text of every value derived from a sensitive one (and every
// key, when the map as a whole is), sorted: what such a value is handed to
// (a step's environment) may print it, and that output is redacted.
func (e *Args) StrMap(name string) (m map[string]string, secrets []string) {
	v, a, ok := e.Value(name)
	if !ok {
		return nil, nil
	}
	whole := v.IsMarked()
	marked := map[string]bool{}
	if top, _ := v.Unmark(); !whole && top.IsKnown() && !top.IsNull() && top.CanIterateElements() {
		for it := top.ElementIterator(); it.Next(); {
			k, el := it.Element()
			if k.Type() == cty.String && el.ContainsMarked() {
				marked[k.AsString()] = true
			}
		}
	}
	c, ok := e.Plain(name, a, v, cty.Map(cty.String), "a map of strings", true)
	if !ok {
		return nil, nil
	}
	m = map[string]string{}
	for k, el := range c.AsValueMap() {
		if el.IsNull() {
			e.Errorf(a.Expr.Range(), "Invalid value", "%s in %s: %q is null.", name, e.Where, k)
			continue
		}
		m[k] = el.AsString()
		if whole {
			secrets = append(secrets, k)
		}
		if whole || marked[k] {
			secrets = append(secrets, m[k])
		}
	}
	slices.Sort(secrets)
	return m, slices.Compact(secrets)
}

// bigNumber reads a number argument that may not be sensitive; what names
// the kind of number wanted, for messages.
func (e *Args) BigNumber(name, what string) (*big.Float, *hclsyntax.Attribute, bool) {
	v, a, ok := e.Value(name)
	if !ok {
		return nil, a, false
	}
	c, ok := e.Plain(name, a, v, cty.Number, what, false)
	if !ok {
		return nil, a, false
	}
	return c.AsBigFloat(), a, true
}

func (e *Args) Number(name string) (float64, *hclsyntax.Attribute, bool) {
	bf, a, ok := e.BigNumber(name, "a number")
	if !ok {
		return 0, a, false
	}
	f, _ := bf.Float64()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		e.Errorf(a.Expr.Range(), "Invalid number", "%s in %s must be a finite number.", name, e.Where)
		return 0, a, false
	}
	return f, a, true
}

func (e *Args) Integer(name string) (int, *hclsyntax.Attribute, bool) {
	bf, a, ok := e.BigNumber(name, "a whole number")
	if !ok {
		return 0, a, false
	}
	i, acc := bf.Int64()
	if acc != big.Exact || i > math.MaxInt32 || i < math.MinInt32 {
		e.Errorf(a.Expr.Range(), "Invalid number", "%s in %s must be a whole number, not %s.", name, e.Where, bf.Text('g', 10))
		return 0, a, false
	}
	return int(i), a, true
}

// duration reads a duration string; minimum is the smallest allowed value.
func (e *Args) Duration(name string, minimum time.Duration) time.Duration {
	s, a, ok := e.Str(name, false)
	if !ok {
		return 0
	}
	d, err := check.ParseDuration(s)
	if err != nil {
		e.Errorf(a.Expr.Range(), "Invalid duration", "%s in %s: %v.", name, e.Where, err)
		return 0
	}
	if d < minimum {
		what := "positive"
		if minimum == 0 {
			what = "zero or positive"
		}
		e.Errorf(a.Expr.Range(), "Invalid duration", "%s in %s must be %s, not %q.", name, e.Where, what, s)
		return 0
	}
	return d
}

// Params converts an object to JSON-compatible Go values.
func (e *Args) Params(name string) map[string]any {
	v, a, ok := e.Value(name)
	if !ok {
		return nil
	}
	if v.ContainsMarked() {
		e.Errorf(a.Expr.Range(), "Sensitive value not allowed",
			"%s in %s is recorded in state with every version, so it cannot be derived from a sensitive variable; pass secrets through an environment's env instead.", name, e.Where)
		return nil
	}
	ty := v.Type()
	if !ty.IsObjectType() && !ty.IsMapType() {
		e.Errorf(a.Expr.Range(), "Incorrect attribute value type", "%s in %s must be an object, like { learning_rate = 0.05 }.", name, e.Where)
		return nil
	}
	out, err := lang.GoParams(v)
	if err != nil {
		e.Errorf(a.Expr.Range(), "Invalid params", "%s in %s: %v.", name, e.Where, err)
		return nil
	}
	m, _ := out.(map[string]any)
	return m
}

// TypeDiag reports an argument whose value is not of the type wanted.
func TypeDiag(name, want string, expr hcl.Expression, err error) *hcl.Diagnostic {
	detail := fmt.Sprintf("Inappropriate value for argument %q: %s required", name, want)
	// cty's own wording repeats ours ("list of string required") unless it
	// points inside the value ("element 0: string required").
	if err != nil && strings.Contains(err.Error(), ":") {
		detail += " (" + ErrText(err) + ")"
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Incorrect attribute value type",
		Detail:   detail + ".",
		Subject:  expr.Range().Ptr(),
	}
}

// ErrText is an error message without a trailing period, for embedding.
func ErrText(err error) string {
	return strings.TrimSuffix(err.Error(), ".")
}

// FirstDiagText is the first error's summary and detail.
func FirstDiagText(diags hcl.Diagnostics) string {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			return d.Summary + ": " + d.Detail
		}
	}
	return ""
}
