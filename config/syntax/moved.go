package syntax

import (
	"fmt"
	"math/big"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mlform/mlform/internal/objname"
)

// MovedRef is one side of a moved block, read without evaluating
// anything: the object's Kind, its block name Base (with its module path
// in front, as objname.InModule writes it), its instance Suffix (["eu"],
// [0] or "") and its module Path (module.region["eu"]; "" for an object
// of the module the block is in). A whole module call (module.a or
// module.a["eu"]) has Kind KindModule and only Path.
type MovedRef struct {
	Kind, Base, Suffix, Path string
}

// ParseMovedRef reads expr as a moved block's from or to: a dataset,
// model, retrain_policy or promotion reference (model.churn) with an
// optional ["KEY"] or [INDEX], inside an optional module path
// (module.region["eu"].model.churn), or a module call alone. When expr is
// none of these, problem says why, worded to follow "from in a moved
// block ".
func ParseMovedRef(expr hcl.Expression) (r MovedRef, problem string) {
	fail := func(detail string) (MovedRef, string) { return MovedRef{}, detail }
	t, diags := hcl.AbsTraversalForExpr(expr)
	const usage = `must be a reference like model.churn, model.churn["eu"], dataset.sales[0] or module.region["eu"].model.churn (not a string or another expression).`
	if diags.HasErrors() {
		return fail(usage)
	}
	path, t, ok := movedModulePath(t)
	if !ok {
		return fail(`has an invalid module path: want module.NAME, module.NAME["KEY"] or module.NAME[INDEX] before the object.`)
	}
	if len(t) == 0 && path != "" {
		return MovedRef{Kind: KindModule, Path: path}, ""
	}
	if len(t) < 2 || len(t) > 3 {
		return fail(usage)
	}
	kind := t.RootName()
	switch kind {
	case KindModel, KindDataset, KindPolicy, KindPromotion:
	default:
		return fail(fmt.Sprintf("moves a dataset, a model, a retrain_policy, a promotion (what state records for it) or a module; %s is none of them.", kind))
	}
	attr, ok := t[1].(hcl.TraverseAttr)
	if !ok {
		return fail("must name a block, like model.churn.")
	}
	r = MovedRef{Kind: kind, Base: objname.InModule(path, attr.Name), Path: path}
	if len(t) == 3 {
		idx, ok := t[2].(hcl.TraverseIndex)
		if !ok || idx.Key.IsNull() || !idx.Key.IsKnown() {
			return fail(`must end with an instance key: ["KEY"] or [INDEX].`)
		}
		if s, ok := stringKey(idx); ok {
			if err := objname.CheckKey(s); err != nil {
				return fail(fmt.Sprintf("has an invalid key: %v.", err))
			}
			r.Suffix = objname.KeySuffix(s)
		} else if n, ok := indexKey(idx); ok {
			r.Suffix = objname.IndexSuffix(n)
		} else {
			return fail(fmt.Sprintf(`has an invalid instance key: want ["KEY"] or an index from 0 to %d.`, objname.MaxIndex))
		}
	}
	return r, ""
}

// movedModulePath reads the module steps at the start of a moved address
// and returns them (`module.a["eu"]`) and the rest of the traversal, with
// the object's kind as its root.
func movedModulePath(t hcl.Traversal) (string, hcl.Traversal, bool) {
	path := ""
	for len(t) >= 2 && t.RootName() == "module" {
		attr, ok := t[1].(hcl.TraverseAttr)
		if !ok {
			return "", nil, false
		}
		step, rest := attr.Name, t[2:]
		if len(rest) > 0 {
			if idx, ok := rest[0].(hcl.TraverseIndex); ok {
				if s, ok := stringKey(idx); ok && objname.CheckKey(s) == nil {
					step += objname.KeySuffix(s)
				} else if n, ok := indexKey(idx); ok {
					step += objname.IndexSuffix(n)
				} else {
					return "", nil, false
				}
				rest = rest[1:]
			}
		}
		path = objname.InModule(path, "module."+step)
		if len(rest) == 0 {
			return path, nil, true // a whole module (instance)
		}
		next, ok := rest[0].(hcl.TraverseAttr)
		if !ok {
			return "", nil, false
		}
		t = append(hcl.Traversal{hcl.TraverseRoot{Name: next.Name, SrcRange: next.SrcRange}}, rest[1:]...)
	}
	return path, t, true
}

func stringKey(idx hcl.TraverseIndex) (string, bool) {
	if idx.Key.Type() != cty.String {
		return "", false
	}
	return idx.Key.AsString(), true
}

func indexKey(idx hcl.TraverseIndex) (int, bool) {
	if idx.Key.Type() != cty.Number {
		return 0, false
	}
	bf := idx.Key.AsBigFloat()
	i, acc := bf.Int64()
	if !bf.IsInt() || acc != big.Exact || i < 0 || i > objname.MaxIndex {
		return 0, false
	}
	return int(i), true
}
