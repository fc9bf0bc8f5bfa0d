// Package expand applies Terraform's for_each and count rules to one
// block: for_each (a map, an object or a set of strings: one instance
// per key, named `NAME["KEY"]`) and count (a whole number: instances
// `NAME[0]` to `NAME[count-1]`). Every instance is an object of its own
// everywhere after config.Load: in the Config maps, in plans, in state.
package expand

import (
	"fmt"
	"math/big"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/mlform/mlform/config/lang"
	"github.com/mlform/mlform/config/syntax"
	"github.com/mlform/mlform/internal/objname"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Expansion is what for_each or count gave one block.
type Expansion struct {
	ForEach bool
	Keys    []string             // for_each: sorted keys
	Values  map[string]cty.Value // for_each: each.value by key
	Count   int
	// Cache is the collection references see (config's scope.lookup);
	// NilVal until built, and again whenever an instance is added.
	Cache cty.Value
}

// Instances lists the instance names of an expanded block named base, in
// order, with the extra names (each or count) its expressions see.
func (x *Expansion) Instances(base string) (names []string, extra []map[string]cty.Value) {
	if x.ForEach {
		for _, k := range x.Keys {
			names = append(names, base+objname.KeySuffix(k))
			extra = append(extra, map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{
				"key": cty.StringVal(k), "value": x.Values[k],
			})})
		}
		return names, extra
	}
	for i := 0; i < x.Count; i++ {
		names = append(names, base+objname.IndexSuffix(i))
		extra = append(extra, map[string]cty.Value{"count": cty.ObjectVal(map[string]cty.Value{
			"index": cty.NumberIntVal(int64(i)),
		})})
	}
	return names, extra
}

// Group is the value references to the whole block see: an object by key
// (for_each) or a tuple by index (count) of the instances' objects, taken
// from flat (instance name -> object). Instances missing from flat (they
// failed, or the kind keeps no object) are left out.
func (x *Expansion) Group(base string, flat map[string]cty.Value) cty.Value {
	names, _ := x.Instances(base)
	if x.ForEach {
		attrs := map[string]cty.Value{}
		for i, n := range names {
			if v, ok := flat[n]; ok {
				attrs[x.Keys[i]] = v
			}
		}
		if len(attrs) == 0 {
			return cty.EmptyObjectVal
		}
		return cty.ObjectVal(attrs)
	}
	var elems []cty.Value
	for _, n := range names {
		if v, ok := flat[n]; ok {
			elems = append(elems, v)
		}
	}
	if len(elems) == 0 {
		return cty.EmptyTupleVal
	}
	return cty.TupleVal(elems)
}

// Of evaluates for_each or count with Terraform's rules: not
// both; for_each a map, an object or a set of strings whose keys are known
// and not sensitive (they become names, shown in plans and recorded in
// state); count a whole number from 0. mlform adds one rule: a key is 1
// to 64 ASCII letters, digits, _ and - (internal/objname), because keys
// become directory and environment variable names.
// b's for_each or count is evaluated in ctx, and problems are added to
// diags.
func Of(b *hclsyntax.Block, ctx *hcl.EvalContext, diags *hcl.Diagnostics) (*Expansion, bool) {
	body := b.Body
	fe, hasFE := body.Attributes[syntax.MetaForEach]
	ct, hasCount := body.Attributes[syntax.MetaCount]
	where := syntax.BlockTitle(b)
	fail := func(rng hcl.Range, summary, format string, args ...any) (*Expansion, bool) {
		*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()})
		return nil, false
	}
	if hasFE && hasCount {
		return fail(ct.NameRange, `Invalid combination of "count" and "for_each"`,
			`The "count" and "for_each" meta-arguments are mutually-exclusive, only one should be used in %s.`, where)
	}
	a := fe
	if hasCount {
		a = ct
	}
	for _, t := range a.Expr.Variables() {
		if r := t.RootName(); r == "each" || r == "count" {
			return fail(t.SourceRange(), "Invalid reference", "%s in %s cannot refer to %s: it decides the instances %s describes.", a.Name, where, r, r)
		}
	}
	v, vd := lang.EvalExpr(a.Expr, ctx)
	*diags = append(*diags, vd...)
	if vd.HasErrors() {
		return nil, false
	}
	rng := a.Expr.Range()
	if v.IsMarked() {
		return fail(rng, "Invalid "+a.Name+" argument",
			"Sensitive values, or values derived from sensitive values, cannot be used as %s arguments in %s: the instance keys are shown in plans and recorded in state.", a.Name, where)
	}
	if v.IsNull() {
		return fail(rng, "Invalid "+a.Name+" argument", "The given %q argument value in %s is null.", a.Name, where)
	}
	if hasCount {
		return countOf(v, rng, where, fail)
	}
	ty := v.Type()
	if !v.IsKnown() || (ty.IsSetType() && !v.IsWhollyKnown()) {
		return fail(rng, "Invalid for_each argument", "The for_each value in %s cannot be decided before apply; it must be known when the configuration is loaded (variables and locals are).", where)
	}
	x := &Expansion{ForEach: true, Values: map[string]cty.Value{}}
	switch {
	case ty.IsMapType() || ty.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			x.Keys = append(x.Keys, k.AsString())
			x.Values[k.AsString()] = ev
		}
	case ty.IsSetType():
		if !ty.ElementType().Equals(cty.String) {
			if _, err := convert.Convert(v, cty.Set(cty.String)); err != nil {
				return fail(rng, "Invalid for_each set argument", "The given for_each argument value in %s is unsuitable: a set must hold strings, and you have provided a set of %s.", where, ty.ElementType().FriendlyName())
			}
			v, _ = convert.Convert(v, cty.Set(cty.String))
		}
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			if ev.IsNull() {
				return fail(rng, "Invalid for_each set argument", "The given for_each set in %s holds null; every element must be a string.", where)
			}
			x.Keys = append(x.Keys, ev.AsString())
			x.Values[ev.AsString()] = ev
		}
	default:
		return fail(rng, "Invalid for_each argument",
			"The given for_each argument value in %s is unsuitable: it must be a map, or set of strings, and you have provided a value of type %s. A list can be given as toset(LIST).", where, ty.FriendlyName())
	}
	slices.Sort(x.Keys)
	for _, k := range x.Keys {
		if err := objname.CheckKey(k); err != nil {
			return fail(rng, "Invalid for_each key", "A for_each key of %s cannot name an instance: %v. Keys become parts of addresses (model.NAME[\"KEY\"]), directory and environment variable names.", where, err)
		}
	}
	return x, true
}

func countOf(v cty.Value, rng hcl.Range, where string, fail func(hcl.Range, string, string, ...any) (*Expansion, bool)) (*Expansion, bool) {
	if !v.IsKnown() {
		return fail(rng, "Invalid count argument", "The count value in %s cannot be decided before apply; it must be known when the configuration is loaded.", where)
	}
	num, err := convert.Convert(v, cty.Number)
	if err != nil {
		return fail(rng, "Invalid count argument", "The given count argument value in %s is unsuitable: a number is required, and you have provided a value of type %s.", where, v.Type().FriendlyName())
	}
	bf := num.AsBigFloat()
	if !bf.IsInt() {
		return fail(rng, "Invalid count argument", "The given count argument value in %s is unsuitable: it must be a whole number, not %s.", where, bf.Text('g', -1))
	}
	if bf.Sign() < 0 {
		return fail(rng, "Invalid count argument", "The given count argument value in %s is unsuitable: it must be greater than or equal to zero.", where)
	}
	if bf.Cmp(big.NewFloat(objname.MaxIndex+1)) > 0 {
		return fail(rng, "Invalid count argument", "count in %s is %s; at most %d instances are allowed.", where, bf.Text('f', 0), objname.MaxIndex+1)
	}
	i, _ := bf.Int64()
	return &Expansion{Count: int(i)}, true
}

// Ref checks a reference to each or count: only in a block with
// for_each (each.key, each.value) or count (count.index).
func Ref(t hcl.Traversal, forEach, count bool) *hcl.Diagnostic {
	root := t.RootName()
	attr := ""
	if len(t) > 1 {
		if a, ok := t[1].(hcl.TraverseAttr); ok {
			attr = a.Name
		}
	}
	d := func(detail string) *hcl.Diagnostic {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid reference", Detail: detail, Subject: t.SourceRange().Ptr()}
	}
	switch {
	case root == "each" && !forEach:
		return d("each.key and each.value are only available in a block that sets for_each.")
	case root == "each" && attr != "key" && attr != "value":
		return d("each has two attributes: each.key and each.value.")
	case root == "count" && !count:
		return d("count.index is only available in a block that sets count.")
	case root == "count" && attr != "index":
		return d("count has one attribute: count.index.")
	}
	return nil
}
