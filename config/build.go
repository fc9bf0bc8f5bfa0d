package config

import (
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/mlform/mlform/config/lang"
	"github.com/mlform/mlform/config/syntax"

	"github.com/mlform/mlform/internal/objname"
)

// objectAttrs lists the arguments each kind exposes to references, so an
// unset optional argument reads as null instead of failing.
func objectAttrs(schema *syntax.Schema, kind string) []string {
	s, ok := schema.Nested[kind]
	if !ok {
		return nil
	}
	return s.Body.AttrNames()
}

// evaluate evaluates every node in dependency order. A node whose own
// references are wrong, or that depends on a node that failed, is skipped:
// its problem is already reported once.
func (l *loader) evaluate(g *graph, order []*node) {
	cwd, _ := os.Getwd()
	pathObj := cty.ObjectVal(map[string]cty.Value{
		"module": cty.StringVal(l.dir),
		"root":   cty.StringVal(l.rootDir()),
		"cwd":    cty.StringVal(cwd),
	})
	// File functions read relative to the workspace in every module, as
	// source and code paths are (docs/language.md, Modules), so
	// file("${path.module}/p.txt") names the module's file.
	dir := l.rootDir() // not l: the Config keeps the scope, and must not keep the loader
	raw := l.rawFuncs  // built when a block first calls a function
	s := newScope(func(called map[string]bool) map[string]function.Function {
		if called == nil {
			return lang.NewFunctions(dir)
		}
		if len(called) == 0 {
			return map[string]function.Function{}
		}
		return lang.FunctionsFor(dir, raw(), called)
	}, pathObj)
	l.cfg.scope = s
	for name, v := range l.cfg.Variables {
		val := valueOrDynamic(v.Value)
		if v.Sensitive {
			// The mark travels with every value computed from this one.
			val = val.Mark(sensitiveMark)
		}
		s.vars[name] = val
	}
	if _, ok := l.decls[kindStorage][DefaultStorageName]; !ok {
		// The workspace's store: every module sees the root's.
		def := l.cfg.Storage[DefaultStorageName]
		if l.mod == nil {
			def = &Storage{Name: DefaultStorageName, URL: DefaultStorageURL}
			l.cfg.Storage[DefaultStorageName] = def
			l.reg.add(l.reg.blocks, kindStorage, DefaultStorageName)
		}
		if def != nil {
			s.set(kindStorage, DefaultStorageName, cty.ObjectVal(map[string]cty.Value{
				"name": cty.StringVal(DefaultStorageName), "url": cty.StringVal(def.URL),
			}))
		}
	}
	failed := map[string]bool{}
	for _, n := range order {
		skip := n.bad
		for dep := range n.deps {
			// A validation reading another variable needs only its value
			// (bad: none valid), not its validations passed (graph.sort).
			if d := g.nodes[dep]; d != nil && (d.bad || failed[dep] && (d.kind != kindVariable || n.kind != kindVariable)) {
				skip = true
			}
		}
		if skip {
			failed[n.addr] = true
			if n.kind == kindPromotion {
				l.unreadPromotions[l.abs(n.name)] = true
			}
			continue
		}
		if expands(n) {
			if !l.evalInstances(n, s) {
				failed[n.addr] = true
				if n.kind == kindPromotion {
					l.unreadPromotions[l.abs(n.name)] = true
				}
			}
			continue
		}
		before := len(l.diags.Errs())
		obj, ok := l.evalNode(n, s)
		if !ok || len(l.diags.Errs()) > before {
			failed[n.addr] = true
			continue
		}
		switch n.kind {
		case kindLocals:
			s.locals[n.name] = obj
		case kindVariable, kindOutput, kindPolicy, kindPromotion, kindNotify:
		default:
			s.set(n.kind, n.name, obj)
		}
	}
}

// evalNode evaluates one node and returns the object references see.
func (l *loader) evalNode(n *node, s *scope) (cty.Value, bool) {
	deps := n.deps
	if n.kind == kindVariable {
		// A validation reads the variable itself, which the graph leaves
		// out (it is not a dependency: the value is known up front).
		deps = map[string]hcl.Range{n.addr: {}}
		for k, v := range n.deps {
			deps[k] = v
		}
	}
	ctx := s.evalContextFor(deps, n.extra, l.calledFunctions(n))
	if n.kind == kindLocals {
		v, diags := evalExpr(n.attr.Expr, ctx)
		l.diags = append(l.diags, diags...)
		plain, _ := v.UnmarkDeep()
		l.cfg.Locals[n.name] = &Local{Name: n.name, Value: plain, Sensitive: v.ContainsMarked(), DeclRange: n.attr.SrcRange}
		return v, !diags.HasErrors()
	}
	switch n.kind {
	case kindModule:
		return l.evalModule(n, ctx)
	case kindOutput:
		if l.mod != nil {
			return cty.NilVal, l.moduleOutput(n, ctx)
		}
	}
	e := l.newBlockEval(n.block, ctx)
	if _, sfx := objname.Split(n.name); sfx != "" {
		e.Where += " instance " + sfx
	}
	if l.prefix != "" {
		e.Where += " in " + strings.TrimSuffix(l.prefix, ".")
	}
	local := n
	if n.kind != kindOutput && n.kind != kindVariable {
		// Objects are named by absolute name in the Config and in the
		// objects references see (config/module.go).
		an := *n
		an.name = l.abs(n.name)
		n = &an
	}
	switch n.kind {
	case kindVariable:
		l.vs.Validate(n.block, ctx)
		return cty.NilVal, true
	case kindStorage:
		l.evalStorage(e, n)
	case kindEnvironment:
		l.evalEnvironment(e, n)
	case kindDataset:
		l.evalDataset(e, n)
	case kindModel:
		l.evalModel(e, n)
	case kindPolicy:
		l.evalPolicy(e, n)
	case kindPromotion:
		l.evalPromotion(e, n, local, s)
	case kindNotify:
		l.evalNotify(e, n)
	case kindOutput:
		l.evalOutput(n)
		return cty.NilVal, true
	}
	if e.Failed {
		return cty.NilVal, false
	}
	attrs := map[string]cty.Value{"name": cty.StringVal(n.name)}
	for _, a := range objectAttrs(l.schema, n.kind) {
		if a == metaForEach || a == metaCount {
			continue
		}
		attrs[a] = cty.NullVal(cty.DynamicPseudoType)
		if v, ok := e.Vals[a]; ok {
			attrs[a] = v
		}
	}
	return cty.ObjectVal(attrs), true
}
