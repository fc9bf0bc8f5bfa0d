package config

import (
	"fmt"

	"github.com/mlform/mlform/config/syntax"
	"github.com/mlform/mlform/internal/objname"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// ref reads an argument that names another object of kind: a reference
// such as dataset.churn (or an expression giving one), or its name as a
// string. The name is what the Config keeps.
func (e *blockEval) ref(name, kind string) (string, bool) {
	v, a, ok := e.Value(name)
	if !ok {
		return "", false
	}
	if !e.checkRefKinds(a, kind) {
		return "", false
	}
	n, ok := e.refName(a, v, kind)
	if ok {
		e.Vals[name] = cty.StringVal(n)
	}
	return n, ok
}

func (e *blockEval) refList(name, kind string) ([]string, bool) {
	v, a, ok := e.Value(name)
	if !ok {
		return nil, false
	}
	if !e.checkRefKinds(a, kind) {
		return nil, false
	}
	if v.IsMarked() {
		e.sensitiveRef(a)
		return nil, false
	}
	ty := v.Type()
	if !(ty.IsListType() || ty.IsTupleType() || ty.IsSetType()) {
		e.Errorf(a.Expr.Range(), "Incorrect attribute value type", "%s in %s must be a list of %s references, like [%s.example].", name, e.Where, kind, kind)
		return nil, false
	}
	var out []string
	var names []cty.Value
	seen := map[string]bool{}
	for it := v.ElementIterator(); it.Next(); {
		_, el := it.Element()
		n, ok := e.refName(a, el, kind)
		if !ok {
			return nil, false
		}
		if seen[n] {
			e.Errorf(a.Expr.Range(), "Duplicate reference", "%s in %s names %s.%s twice.", name, e.Where, kind, n)
			return nil, false
		}
		seen[n] = true
		out = append(out, n)
		names = append(names, cty.StringVal(n))
	}
	if len(names) == 0 {
		e.Vals[name] = cty.ListValEmpty(cty.String)
	} else {
		e.Vals[name] = cty.ListVal(names)
	}
	return out, true
}

// checkRefKinds refuses references to objects of another kind, such as
// datasets = [model.churn].
func (e *blockEval) checkRefKinds(a *hclsyntax.Attribute, kind string) bool {
	for _, t := range a.Expr.Variables() {
		k, isObject := refKind[t.RootName()]
		if !isObject || k == kind || k == kindVariable || k == kindLocals || k == kindModule {
			continue
		}
		e.Errorf(t.SourceRange(), "Wrong kind of reference",
			"%s in %s refers to %ss, like %s.example; %s is a %s.", a.Name, e.Where, kind, kind, syntax.TraversalString(t), k)
		return false
	}
	return true
}

// refName reads the name a reference gives: a string names an object of
// this module, an object carries its absolute name (it may come from any
// module, through a variable or a module's output). The absolute name is
// what the Config keeps. Only the name is kept, so
// only the name must not derive from a sensitive variable: an object
// whose other attributes hold secrets (an environment's env) may still be
// referenced, while a choice of object made by a secret may not.
func (e *blockEval) refName(a *hclsyntax.Attribute, v cty.Value, kind string) (string, bool) {
	if v.IsMarked() {
		e.sensitiveRef(a)
		return "", false
	}
	var n string
	isString := false
	switch {
	case v.IsNull():
		e.Errorf(a.Expr.Range(), "Invalid reference", "%s in %s may not be null.", a.Name, e.Where)
		return "", false
	case v.Type() == cty.String:
		n, isString = v.AsString(), true
	case v.Type().IsObjectType() && v.Type().HasAttribute("name") && v.GetAttr("name").Type() == cty.String && !v.GetAttr("name").IsNull():
		name := v.GetAttr("name")
		if name.IsMarked() {
			e.sensitiveRef(a)
			return "", false
		}
		n = name.AsString()
	default:
		e.Errorf(a.Expr.Range(), "Incorrect attribute value type",
			"%s in %s must refer to a %s, like %s.example (or give its name as a string).%s", a.Name, e.Where, kind, kind, e.l.collectionHint(a, kind))
		return "", false
	}
	if !isString {
		return e.absRef(a, kind, n)
	}
	if e.l.isExpanded(kind, n) {
		e.Errorf(a.Expr.Range(), "Reference to a collection",
			"%s in %s names %s.%s, which sets for_each or count: name one instance, like %s.%s[each.key] or %s.%s[\"KEY\"].", a.Name, e.Where, kind, n, kind, n, kind, n)
		return "", false
	}
	if !e.l.declared(kind, n) {
		detail := fmt.Sprintf("%s in %s names %s.%s, which is not declared.", a.Name, e.Where, kind, n)
		if s := suggest(n, e.l.declaredNames(kind)); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		e.Errorf(a.Expr.Range(), "Reference to undeclared "+kind, "%s", detail)
		return "", false
	}
	if kind == kindStorage && n == DefaultStorageName && e.l.decls[kindStorage][n] == nil {
		return n, true // the workspace's store, the same in every module
	}
	return e.l.abs(n), true
}

// absRef checks an object's absolute name against the whole
// configuration.
func (e *blockEval) absRef(a *hclsyntax.Attribute, kind, n string) (string, bool) {
	shown := objname.Display(kind + "." + n)
	if e.l.reg.expanded[kind][n] {
		e.Errorf(a.Expr.Range(), "Reference to a collection",
			"%s in %s names %s, which sets for_each or count: name one instance, like %s[each.key] or %s[\"KEY\"].", a.Name, e.Where, shown, shown, shown)
		return "", false
	}
	if !e.l.reg.declared(kind, n) {
		e.Errorf(a.Expr.Range(), "Reference to undeclared "+kind, "%s in %s names %s, which is not declared.", a.Name, e.Where, shown)
		return "", false
	}
	return n, true
}

// sensitiveRef reports a reference whose name derives from a sensitive
// variable: the name is recorded in state and shown by plan.
func (e *blockEval) sensitiveRef(a *hclsyntax.Attribute) {
	e.Errorf(a.Expr.Range(), "Sensitive value not allowed", "%s in %s cannot be derived from a sensitive variable.", a.Name, e.Where)
}
