package config

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/mlform/mlform/config/expand"
)

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
	ctx := s.evalContextFor(n.deps, nil, l.calledFunctions(n))
	if n.kind == kindOutput {
		ctx = l.cfg.worldContext(nil) // outputs may iterate over promotions
	}
	x, ok := expand.Of(n.block, ctx, &l.diags)
	if !ok {
		return false
	}
	s.expand(n.kind, n.name, x)
	if l.instances[n.kind] == nil {
		l.instances[n.kind] = map[string]bool{}
	}
	n.called = l.calledFunctions(n)
	names, extras := x.Instances(n.name)
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
