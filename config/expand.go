package config

import (
	"fmt"
	"math/big"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/mlform/mlform/internal/objname"
)

// The meta-arguments that turn one block into several instances, as in
// Terraform: for_each (a map, an object or a set of strings: one instance
// per key, named `NAME["KEY"]`) and count (a whole number: instances
// `NAME[0]` to `NAME[count-1]`). Every instance is an object of its own
// everywhere after Load: in the Config maps, in plans, in state.

// expansion is what for_each or count gave one block.
type expansion struct {
	forEach bool
	keys    []string             // for_each: sorted keys
	values  map[string]cty.Value // for_each: each.value by key
	count   int
	// cache is the collection references see (scope.lookup); NilVal
	// until built, and again whenever an instance is added.
	cache cty.Value
}

// instances lists the instance names of an expanded block named base, in
// order, with the extra names (each or count) its expressions see.
func (x *expansion) instances(base string) (names []string, extra []map[string]cty.Value) {
	if x.forEach {
		for _, k := range x.keys {
			names = append(names, base+objname.KeySuffix(k))
			extra = append(extra, map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{
				"key": cty.StringVal(k), "value": x.values[k],
			})})
		}
		return names, extra
	}
	for i := 0; i < x.count; i++ {
		names = append(names, base+objname.IndexSuffix(i))
		extra = append(extra, map[string]cty.Value{"count": cty.ObjectVal(map[string]cty.Value{
			"index": cty.NumberIntVal(int64(i)),
		})})
	}
	return names, extra
}

// group is the value references to the whole block see: an object by key
// (for_each) or a tuple by index (count) of the instances' objects, taken
// from flat (instance name -> object). Instances missing from flat (they
// failed, or the kind keeps no object) are left out.
func (x *expansion) group(base string, flat map[string]cty.Value) cty.Value {
	names, _ := x.instances(base)
	if x.forEach {
		attrs := map[string]cty.Value{}
		for i, n := range names {
			if v, ok := flat[n]; ok {
				attrs[x.keys[i]] = v
			}
		}
		return objectOf(attrs)
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

// expands reports whether a block has for_each or count.
func expands(n *node) bool {
	if n.block == nil || n.kind == kindVariable {
		return false
	}
	_, fe := n.block.Body.Attributes[metaForEach]
	_, ct := n.block.Body.Attributes[metaCount]
	return fe || ct
}

// evalInstances evaluates an expanded block: its for_each or count, then
// every instance as a block of its own named NAME["KEY"] or NAME[INDEX],
// with each or count in scope. It reports whether all went well.
func (l *loader) evalInstances(n *node, s *scope) bool {
	x, ok := l.expansionOf(n, s)
	if !ok {
		return false
	}
	s.expand(n.kind, n.name, x)
	if l.instances[n.kind] == nil {
		l.instances[n.kind] = map[string]bool{}
	}
	names, extras := x.instances(n.name)
	all := true
	for i, name := range names {
		l.instances[n.kind][name] = true
		l.reg.add(l.reg.inst, n.kind, l.abs(name))
		inst := *n
		inst.name, inst.extra = name, extras[i]
		before := len(l.diags)
		obj, ok := l.evalNode(&inst, s)
		l.diags = append(l.diags[:before], dedupe(l.diags[:before], l.diags[before:])...)
		if !ok || l.diags[before:].HasErrors() {
			all = false
			continue
		}
		switch n.kind {
		case kindDataset, kindModel, kindEnvironment, kindStorage, kindModule:
			s.set(n.kind, name, obj)
		}
	}
	return all
}

// dedupe drops from added the diagnostics already in prev: the same
// mistake in an expression every instance shares is reported once.
func dedupe(prev, added hcl.Diagnostics) hcl.Diagnostics {
	same := func(a, b *hcl.Diagnostic) bool {
		return a.Severity == b.Severity && a.Summary == b.Summary && a.Detail == b.Detail &&
			(a.Subject == nil) == (b.Subject == nil) && (a.Subject == nil || *a.Subject == *b.Subject)
	}
	var out hcl.Diagnostics
	for _, d := range added {
		if !slices.ContainsFunc(prev, func(p *hcl.Diagnostic) bool { return same(p, d) }) &&
			!slices.ContainsFunc(out, func(p *hcl.Diagnostic) bool { return same(p, d) }) {
			out = append(out, d)
		}
	}
	return out
}

// expansionOf evaluates for_each or count with Terraform's rules: not
// both; for_each a map, an object or a set of strings whose keys are known
// and not sensitive (they become names, shown in plans and recorded in
// state); count a whole number from 0. mlform adds one rule: a key is 1
// to 64 ASCII letters, digits, _ and - (internal/objname), because keys
// become directory and environment variable names.
func (l *loader) expansionOf(n *node, s *scope) (*expansion, bool) {
	body := n.block.Body
	fe, hasFE := body.Attributes[metaForEach]
	ct, hasCount := body.Attributes[metaCount]
	where := blockTitle(n.block)
	fail := func(rng hcl.Range, summary, format string, args ...any) (*expansion, bool) {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()})
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
	ctx := s.evalContextFor(n.deps, nil, calledFunctions(n))
	if n.kind == kindOutput {
		ctx = l.cfg.worldContext(nil) // outputs may iterate over promotions
	}
	v, diags := evalExpr(a.Expr, ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
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
		return l.countOf(v, rng, where, fail)
	}
	ty := v.Type()
	if !v.IsKnown() || (ty.IsSetType() && !v.IsWhollyKnown()) {
		return fail(rng, "Invalid for_each argument", "The for_each value in %s cannot be decided before apply; it must be known when the configuration is loaded (variables and locals are).", where)
	}
	x := &expansion{forEach: true, values: map[string]cty.Value{}}
	switch {
	case ty.IsMapType() || ty.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			x.keys = append(x.keys, k.AsString())
			x.values[k.AsString()] = ev
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
			x.keys = append(x.keys, ev.AsString())
			x.values[ev.AsString()] = ev
		}
	default:
		return fail(rng, "Invalid for_each argument",
			"The given for_each argument value in %s is unsuitable: it must be a map, or set of strings, and you have provided a value of type %s. A list can be given as toset(LIST).", where, ty.FriendlyName())
	}
	slices.Sort(x.keys)
	for _, k := range x.keys {
		if err := objname.CheckKey(k); err != nil {
			return fail(rng, "Invalid for_each key", "A for_each key of %s cannot name an instance: %v. Keys become parts of addresses (model.NAME[\"KEY\"]), directory and environment variable names.", where, err)
		}
	}
	return x, true
}

func (l *loader) countOf(v cty.Value, rng hcl.Range, where string, fail func(hcl.Range, string, string, ...any) (*expansion, bool)) (*expansion, bool) {
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
	return &expansion{count: int(i)}, true
}

// eachRef checks a reference to each or count: only in a block with
// for_each (each.key, each.value) or count (count.index).
func eachRef(t hcl.Traversal, ctx refContext) *hcl.Diagnostic {
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
	case root == "each" && !ctx.each:
		return d("each.key and each.value are only available in a block that sets for_each.")
	case root == "each" && attr != "key" && attr != "value":
		return d("each has two attributes: each.key and each.value.")
	case root == "count" && !ctx.count:
		return d("count.index is only available in a block that sets count.")
	case root == "count" && attr != "index":
		return d("count has one attribute: count.index.")
	}
	return nil
}

// isExpanded reports whether the block kind.name has for_each or count:
// it is then a collection, and only its instances name objects.
func (l *loader) isExpanded(kind, name string) bool {
	b := l.decls[kind][name]
	if b == nil {
		return false
	}
	_, fe := b.Body.Attributes[metaForEach]
	_, ct := b.Body.Attributes[metaCount]
	return fe || ct
}

// instanceDeclared reports whether name is an instance (`churn["eu"]`)
// that for_each or count produced.
func (l *loader) instanceDeclared(kind, name string) bool { return l.instances[kind][name] }

// collectionHint explains, for a reference to a whole expanded block where
// one object was wanted, how to pick an instance.
func (l *loader) collectionHint(a *hclsyntax.Attribute, kind string) string {
	for _, t := range a.Expr.Variables() {
		if len(t) != 2 || refKind[t.RootName()] != kind {
			continue
		}
		if at, ok := t[1].(hcl.TraverseAttr); ok && l.isExpanded(kind, at.Name) {
			return fmt.Sprintf(" %s.%s sets for_each or count, so it is a collection: pick one instance, like %s.%s[each.key], %s.%s[\"KEY\"] or %s.%s[0].",
				kind, at.Name, kind, at.Name, kind, at.Name, kind, at.Name)
		}
	}
	return ""
}
