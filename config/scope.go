package config

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/mlform/mlform/config/expand"
	"github.com/mlform/mlform/config/lang"
	"github.com/mlform/mlform/internal/objname"
)

// scope holds the evaluated value of everything an expression can refer
// to. Objects are filled in dependency order.
type scope struct {
	vars    map[string]cty.Value
	locals  map[string]cty.Value
	objects map[string]map[string]cty.Value // kind -> name -> object (instances by instance name)
	// expanded holds the blocks for_each or count expanded (kind -> block
	// name): references to them see a collection of their instances.
	expanded map[string]map[string]*expand.Expansion
	path     cty.Value
	// funcs builds each evaluation context's functions: every context
	// gets its own work budget (lang.NewFunctions).
	funcs func(called map[string]bool) map[string]function.Function
}

func newScope(funcs func(called map[string]bool) map[string]function.Function, pathObj cty.Value) *scope {
	s := &scope{
		vars:     map[string]cty.Value{},
		locals:   map[string]cty.Value{},
		objects:  map[string]map[string]cty.Value{},
		expanded: map[string]map[string]*expand.Expansion{},
		path:     pathObj,
		funcs:    funcs,
	}
	for _, kind := range []string{kindDataset, kindModel, kindEnvironment, kindStorage, kindModule} {
		s.objects[kind] = map[string]cty.Value{}
	}
	return s
}

func (s *scope) set(kind, name string, v cty.Value) {
	if s.objects[kind] == nil {
		s.objects[kind] = map[string]cty.Value{}
	}
	s.objects[kind][name] = v
	if base, sfx := objname.Split(name); sfx != "" {
		if x := s.expanded[kind][base]; x != nil {
			x.Cache = cty.NilVal // one more instance: build the collection again
		}
	}
}

// expand records that block kind.name expanded into instances.
func (s *scope) expand(kind, name string, x *expand.Expansion) {
	if s.expanded[kind] == nil {
		s.expanded[kind] = map[string]*expand.Expansion{}
	}
	s.expanded[kind][name] = x
}

// lookup is what a reference to kind.name sees: the object, or for an
// expanded block the collection of its instances.
func (s *scope) lookup(kind, name string) (cty.Value, bool) {
	if x := s.expanded[kind][name]; x != nil {
		// Cached: every instance of a fleet refers to the collection of
		// another block, so building it per reference would be quadratic.
		if x.Cache == cty.NilVal {
			x.Cache = x.Group(name, s.objects[kind])
		}
		return x.Cache, true
	}
	v, ok := s.objects[kind][name]
	return v, ok
}

// grouped is every object of a kind as references see them: plain blocks
// by name, expanded blocks as collections of their instances.
func (s *scope) grouped(kind string, flat map[string]cty.Value) map[string]cty.Value {
	out := map[string]cty.Value{}
	for name, v := range flat {
		if _, sfx := objname.Split(name); sfx == "" {
			out[name] = v
		}
	}
	for name, x := range s.expanded[kind] {
		out[name] = x.Group(name, flat)
	}
	return out
}

// evalContext builds the context expressions are evaluated in; extra adds
// or replaces top-level names (candidate, champion, promotion).
func (s *scope) evalContext(extra map[string]cty.Value) *hcl.EvalContext {
	vars := map[string]cty.Value{
		"var":         objectOf(s.vars),
		"local":       objectOf(s.locals),
		"path":        s.path,
		"dataset":     objectOf(s.grouped(kindDataset, s.objects[kindDataset])),
		"model":       objectOf(s.grouped(kindModel, s.objects[kindModel])),
		"environment": objectOf(s.grouped(kindEnvironment, s.objects[kindEnvironment])),
		"storage":     objectOf(s.grouped(kindStorage, s.objects[kindStorage])),
		"module":      objectOf(s.grouped(kindModule, s.objects[kindModule])),
	}
	for k, v := range extra {
		vars[k] = v
	}
	return &hcl.EvalContext{Variables: vars, Functions: s.funcs(nil)}
}

// evalContextOf is evalContextFor what expr refers to and calls: a
// gate's condition, evaluated once per promotion at apply, sees only the
// objects it names (evalContext would build every object of a fleet for
// each, quadratic in its size).
func (s *scope) evalContextOf(expr hcl.Expression, extra map[string]cty.Value) *hcl.EvalContext {
	deps := map[string]hcl.Range{}
	for _, t := range expr.Variables() {
		if _, ok := refKind[t.RootName()]; !ok || len(t) < 2 {
			continue
		}
		if a, ok := t[1].(hcl.TraverseAttr); ok {
			deps[t.RootName()+"."+a.Name] = t.SourceRange()
		}
	}
	var called map[string]bool // nil: every function
	if n, ok := expr.(hclsyntax.Node); ok {
		called = lang.CalledFunctions(n)
	}
	return s.evalContextFor(deps, extra, called)
}

func objectOf(m map[string]cty.Value) cty.Value {
	if len(m) == 0 {
		return cty.EmptyObjectVal
	}
	return cty.ObjectVal(m)
}

// evalContextFor builds a context holding only the objects in deps
// (addresses such as "var.x", "dataset.y"): every reference an expression
// can make is to a named object, so this is exact, and it keeps loading
// linear in the number of references rather than quadratic in the number
// of objects.
//
// called lists the functions the expressions call (nil: all of them):
// building guarded functions is most of a context's cost.
func (s *scope) evalContextFor(deps map[string]hcl.Range, extra map[string]cty.Value, called map[string]bool) *hcl.EvalContext {
	byRoot := map[string]map[string]cty.Value{}
	for addr := range deps {
		root, name, ok := strings.Cut(addr, ".")
		if !ok {
			continue
		}
		var v cty.Value
		var found bool
		switch root {
		case "var":
			v, found = s.vars[name]
		case "local":
			v, found = s.locals[name]
		default:
			v, found = s.lookup(refKind[root], name)
		}
		if !found {
			continue // promotions: only outputs use them, through worldContext
		}
		if byRoot[root] == nil {
			byRoot[root] = map[string]cty.Value{}
		}
		byRoot[root][name] = v
	}
	vars := map[string]cty.Value{"path": s.path}
	for _, root := range []string{"var", "local", "dataset", "model", "environment", "storage", "module"} {
		vars[root] = objectOf(byRoot[root])
	}
	for k, v := range extra {
		vars[k] = v
	}
	funcs := s.funcs(called)
	return &hcl.EvalContext{Variables: vars, Functions: funcs}
}
