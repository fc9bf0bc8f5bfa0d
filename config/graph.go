package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/mlform/mlform/config/expand"
	"github.com/mlform/mlform/internal/dag"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/zclconf/go-cty/cty"
)

// node is one evaluable object: a variable (its validations), a local, a
// named block or an output. Its address is how references spell it.
type node struct {
	addr  string // "model.churn", "local.x", "var.y"
	kind  string
	name  string
	block *hclsyntax.Block     // nil for locals
	attr  *hclsyntax.Attribute // locals only
	// deps maps each address this node refers to onto the first place it
	// does so.
	deps map[string]hcl.Range
	// bad is set when a reference in the node is wrong: the node is not
	// evaluated (its error is already reported).
	bad bool
	// extra holds each or count for one instance of an expanded block
	// (config/expand.go), whose name is then the instance's.
	extra map[string]cty.Value
	// called caches calledFunctions for the instances of an expanded
	// block, which share its syntax (a long for_each is walked once).
	called map[string]bool
}

// graph is every node and its references.
type graph struct {
	nodes map[string]*node
}

// refKind is the address prefix of each kind that can be referred to.
var refKind = map[string]string{ // constant table
	"var":         kindVariable,
	"local":       kindLocals,
	"dataset":     kindDataset,
	"model":       kindModel,
	"environment": kindEnvironment,
	"storage":     kindStorage,
	"promotion":   kindPromotion,
	"module":      kindModule,
}

// refContext says which special names an expression may use.
type refContext struct {
	gate   bool // candidate.metrics / champion.metrics
	output bool // promotion.X and world attributes
	each   bool // each.key / each.value (the block sets for_each)
	count  bool // count.index (the block sets count)
}

func addrOf(kind, name string) string {
	switch kind {
	case kindVariable:
		return "var." + name
	case kindLocals:
		return "local." + name
	}
	return kind + "." + name
}

// buildGraph creates a node per object and checks every reference.
func (l *loader) buildGraph() *graph {
	g := &graph{nodes: map[string]*node{}}
	for kind, byName := range l.decls {
		for name, b := range byName {
			n := &node{addr: addrOf(kind, name), kind: kind, name: name, block: b, deps: map[string]hcl.Range{}}
			g.nodes[n.addr] = n
		}
	}
	for name, a := range l.localDefs {
		n := &node{addr: addrOf(kindLocals, name), kind: kindLocals, name: name, attr: a, deps: map[string]hcl.Range{}}
		g.nodes[n.addr] = n
	}
	for _, addr := range slices.Sorted(maps.Keys(g.nodes)) {
		n := g.nodes[addr]
		switch {
		case n.attr != nil:
			l.refs(n, n.attr.Expr, refContext{})
		case n.kind == kindVariable:
			for _, vb := range n.block.Body.Blocks {
				for _, a := range vb.Body.Attributes {
					l.refs(n, a.Expr, refContext{})
				}
			}
		default:
			_, each := n.block.Body.Attributes[metaForEach]
			_, count := n.block.Body.Attributes[metaCount]
			// A module's outputs are evaluated when it loads, before
			// any promotion is recorded.
			l.bodyRefs(n, n.block.Body, refContext{output: n.kind == kindOutput && l.mod == nil, each: each, count: count}, n.kind == kindPromotion)
		}
	}
	return g
}

func (l *loader) bodyRefs(n *node, body *hclsyntax.Body, ctx refContext, promotion bool) {
	for _, name := range sortedAttrNames(body) {
		l.refs(n, body.Attributes[name].Expr, ctx)
	}
	for _, b := range body.Blocks {
		inner := ctx
		if promotion && b.Type == "gate" {
			if a, ok := b.Body.Attributes["condition"]; ok {
				l.refs(n, a.Expr, refContext{gate: true, each: ctx.each, count: ctx.count})
			}
			if a, ok := b.Body.Attributes["error_message"]; ok {
				l.refs(n, a.Expr, ctx)
			}
			continue
		}
		l.bodyRefs(n, b.Body, inner, false)
	}
}

// refs checks every reference in expr and records the dependencies.
func (l *loader) refs(n *node, expr hcl.Expression, ctx refContext) {
	for _, t := range expr.Variables() {
		dep, d := l.checkRef(t, ctx)
		if d != nil {
			l.diags = append(l.diags, d)
			n.bad = true
			continue
		}
		if dep == "" || (dep == n.addr && n.kind == kindVariable) {
			continue // a variable's validation reads its own, already known, value
		}
		if _, seen := n.deps[dep]; !seen {
			n.deps[dep] = t.SourceRange()
		}
	}
}

// checkRef validates one traversal and returns the address of the node it
// depends on ("" for names that are not nodes, such as path.module).
func (l *loader) checkRef(t hcl.Traversal, ctx refContext) (string, *hcl.Diagnostic) {
	root := t.RootName()
	rng := t.SourceRange()
	second := func() (string, bool) {
		if len(t) < 2 {
			return "", false
		}
		if a, ok := t[1].(hcl.TraverseAttr); ok {
			return a.Name, true
		}
		return "", false
	}
	invalid := func(detail string) *hcl.Diagnostic {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid reference", Detail: detail, Subject: rng.Ptr()}
	}
	switch root {
	case "path":
		attr, ok := second()
		if !ok || (attr != "module" && attr != "cwd" && attr != "root") {
			return "", invalid("The path object has the attributes module, root and cwd, like path.module.")
		}
		return "", nil
	case "candidate", "champion":
		if !ctx.gate {
			return "", invalid(fmt.Sprintf("%s.metrics is only available in the condition of a promotion's gate block.", root))
		}
		if attr, ok := second(); !ok || attr != "metrics" {
			return "", invalid(fmt.Sprintf("%s has one attribute, metrics: use %s.metrics.NAME.", root, root))
		}
		return "", nil
	case "each", "count":
		return "", expand.Ref(t, ctx.each, ctx.count)
	case "retrain_policy", "output":
		return "", invalid(fmt.Sprintf("%s blocks cannot be referred to.", root))
	}
	kind, ok := refKind[root]
	if !ok {
		detail := fmt.Sprintf("There is no variable named %q.", root)
		if s := suggest(root, append(keys(refKind), "path")); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		} else {
			detail += " References start with var., local., dataset., model., environment., storage. or path."
		}
		return "", &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown variable", Detail: detail, Subject: rng.Ptr()}
	}
	name, ok := second()
	if !ok {
		return "", invalid(fmt.Sprintf("A reference to %s must be followed by a name, like %s.example.", root, root))
	}
	if kind == kindPromotion && !ctx.output {
		if l.mod != nil {
			return "", invalid(fmt.Sprintf("promotion.%s cannot be used in a module: a promotion's version is known only after apply, and a module's outputs are evaluated when it loads. Read it in an output of the root module, as promotion.%s there.", name, name))
		}
		return "", invalid(fmt.Sprintf("promotion.%s can only be used in an output: a promotion's version is known only after apply.", name))
	}
	if l.declared(kind, name) {
		// Outputs read promotions from the recorded world, but still come
		// after them: a broken promotion skips the outputs that name it.
		return addrOf(kind, name), nil
	}
	what := map[string]string{kindVariable: "input variable", kindLocals: "local value"}[kind]
	if what == "" {
		what = kind
	}
	detail := fmt.Sprintf("No %s named %q is declared.", what, name)
	if s := suggest(name, l.declaredNames(kind)); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	}
	return "", &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Reference to undeclared " + what,
		Detail:   detail,
		Subject:  rng.Ptr(),
	}
}

func (l *loader) declared(kind, name string) bool {
	if kind == kindLocals {
		_, ok := l.localDefs[name]
		return ok
	}
	if kind == kindStorage && name == DefaultStorageName {
		return true
	}
	if l.instanceDeclared(kind, name) {
		return true
	}
	_, ok := l.decls[kind][name]
	return ok
}

func (l *loader) declaredNames(kind string) []string {
	if kind == kindLocals {
		return keys(l.localDefs)
	}
	return keys(l.decls[kind])
}

// sort returns the nodes in dependency order (dependencies first, ties by
// address: dag.Sort) or, when there is a cycle, the cycle's addresses in
// order. Implicit objects (storage.default) have no node and are no
// dependency.
func (g *graph) sort() (order []*node, cycle []string) {
	deps := func(addr string) []string {
		var out []string
		for dep := range g.nodes[addr].deps {
			// Variables' values are all known first: validations that read
			// each other (min < max on both) need no order.
			if d, ok := g.nodes[dep]; ok && (d.kind != kindVariable || g.nodes[addr].kind != kindVariable) {
				out = append(out, dep)
			}
		}
		return out
	}
	addrs, err := dag.Sort(slices.Sorted(maps.Keys(g.nodes)), deps, func(a, b string) bool { return a < b })
	var ce *dag.CycleError[string]
	if errors.As(err, &ce) {
		return nil, ce.Cycle
	}
	order = make([]*node, len(addrs))
	for i, addr := range addrs {
		order[i] = g.nodes[addr]
	}
	return order, nil
}

// cycleDiag reports a cycle at the first reference that closes it.
func (g *graph) cycleDiag(cycle []string) *hcl.Diagnostic {
	first := g.nodes[cycle[0]]
	rng := first.deps[cycle[1]]
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Cycle in references",
		Detail:   fmt.Sprintf("These objects refer to each other, so none can be evaluated first: %s.", textfmt.Chain(cycle, textfmt.MaxNames)),
		Subject:  rng.Ptr(),
	}
}

// markReported marks the nodes that already have an error: a diagnostic
// inside the node's block (or local definition), or a variable without a
// valid value. They and their dependents are not evaluated.
func (g *graph) markReported(diags hcl.Diagnostics, badVars map[string]bool) {
	for _, n := range g.nodes {
		if n.kind == kindVariable && badVars[n.name] {
			n.bad = true
			continue
		}
		var rng hcl.Range
		if n.block != nil {
			rng = n.block.Range()
		} else {
			rng = n.attr.SrcRange
		}
		for _, d := range diags {
			if d.Severity == hcl.DiagError && d.Subject != nil && d.Subject.Filename == rng.Filename &&
				d.Subject.Start.Byte >= rng.Start.Byte && d.Subject.Start.Byte < rng.End.Byte {
				n.bad = true
				break
			}
		}
	}
}
