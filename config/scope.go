package config

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// scope holds the evaluated value of everything an expression can refer
// to. Objects are filled in dependency order.
type scope struct {
	vars    map[string]cty.Value
	locals  map[string]cty.Value
	objects map[string]map[string]cty.Value // kind -> name -> object
	path    cty.Value
	// funcs builds each evaluation context's functions: every context
	// gets its own work budget (lang.NewFunctions).
	funcs func(called map[string]bool) map[string]function.Function
}

func newScope(funcs func(called map[string]bool) map[string]function.Function, pathObj cty.Value) *scope {
	s := &scope{
		vars:    map[string]cty.Value{},
		locals:  map[string]cty.Value{},
		objects: map[string]map[string]cty.Value{},
		path:    pathObj,
		funcs:   funcs,
	}
	for _, kind := range []string{kindDataset, kindModel, kindEnvironment, kindStorage} {
		s.objects[kind] = map[string]cty.Value{}
	}
	return s
}

func (s *scope) set(kind, name string, v cty.Value) {
	if s.objects[kind] == nil {
		s.objects[kind] = map[string]cty.Value{}
	}
	s.objects[kind][name] = v
}

// evalContext builds the context expressions are evaluated in; extra adds
// or replaces top-level names (candidate, champion, promotion).
func (s *scope) evalContext(extra map[string]cty.Value) *hcl.EvalContext {
	vars := map[string]cty.Value{
		"var":         objectOf(s.vars),
		"local":       objectOf(s.locals),
		"path":        s.path,
		"dataset":     objectOf(s.objects[kindDataset]),
		"model":       objectOf(s.objects[kindModel]),
		"environment": objectOf(s.objects[kindEnvironment]),
		"storage":     objectOf(s.objects[kindStorage]),
	}
	for k, v := range extra {
		vars[k] = v
	}
	return &hcl.EvalContext{Variables: vars, Functions: s.funcs(nil)}
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
			v, found = s.objects[refKind[root]][name]
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
	for _, root := range []string{"var", "local", "dataset", "model", "environment", "storage"} {
		vars[root] = objectOf(byRoot[root])
	}
	for k, v := range extra {
		vars[k] = v
	}
	funcs := s.funcs(called)
	return &hcl.EvalContext{Variables: vars, Functions: funcs}
}
