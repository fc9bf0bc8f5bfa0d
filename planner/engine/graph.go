package engine

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/mlform/mlform/internal/dag"
	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/plans"
)

// Node is one declared object in the dependency graph.
type Node struct {
	// Addr is "dataset.churn", "model.churn", "promotion.churn_production", ...
	Addr string
	// DependsOn lists the addresses this object reads from.
	DependsOn []string
	// Attrs are shown as DOT labels (e.g. environment, storage); they are
	// attributes, not edges, because they never produce actions.
	Attrs map[string]string
}

// Graph is the dependency graph of declared objects: datasets feed models,
// models feed promotions and retrain policies. It is acyclic by
// construction (NewGraph refuses cycles).
type Graph struct {
	nodes map[string]*Node
	order []string
}

// NewGraph validates nodes (unique addresses, known dependencies, no
// cycle) and computes a deterministic topological order.
func NewGraph(nodes []*Node) (*Graph, error) {
	g := &Graph{nodes: make(map[string]*Node, len(nodes))}
	for _, n := range nodes {
		if _, dup := g.nodes[n.Addr]; dup {
			return nil, fmt.Errorf("graph: %s declared twice", n.Addr)
		}
		g.nodes[n.Addr] = n
	}
	for _, n := range nodes {
		for _, d := range n.DependsOn {
			if _, ok := g.nodes[d]; !ok {
				return nil, fmt.Errorf("graph: %s depends on undeclared %s", n.Addr, d)
			}
		}
	}
	order, err := topoSort(g.nodes)
	if err != nil {
		return nil, err
	}
	g.order = order
	return g, nil
}

// kindRank orders objects of equal depth: data first, then what reads it.
func kindRank(addr string) int {
	switch plans.AddrKind(addr) {
	case "dataset":
		return 0
	case "model":
		return 1
	case "retrain_policy":
		return 2
	case "promotion":
		return 3
	}
	return 4
}

// topoSort orders the nodes with the one topological sort (internal/dag):
// dependencies first, ties by kind (data before what reads it) then address,
// so the same configuration always gives the same order.
func topoSort(nodes map[string]*Node) ([]string, error) {
	addrs := make([]string, 0, len(nodes))
	for addr := range nodes {
		addrs = append(addrs, addr)
	}
	less := func(a, b string) bool {
		if ra, rb := kindRank(a), kindRank(b); ra != rb {
			return ra < rb
		}
		return a < b
	}
	order, err := dag.Sort(addrs, func(addr string) []string { return nodes[addr].DependsOn }, less)
	if cyc := (*dag.CycleError[string])(nil); errors.As(err, &cyc) {
		sort.Strings(cyc.Stuck)
		return nil, fmt.Errorf("graph: dependency cycle between %s", strings.Join(cyc.Stuck, ", "))
	}
	return order, err
}

// Order returns every address, dependencies before dependents.
func (g *Graph) Order() []string { return append([]string(nil), g.order...) }

// Has reports whether addr is declared.
func (g *Graph) Has(addr string) bool { _, ok := g.nodes[addr]; return ok }

// Select returns the set of addresses -target asks for: each target and
// everything it depends on, transitively. No targets selects everything.
// Instances lists the instances (`model.churn["eu"]`, `model.churn[0]`)
// of the block addr names (`model.churn`), in graph order.
func (g *Graph) Instances(addr string) []string {
	var out []string
	for _, a := range g.order {
		if base, sfx := objname.Split(a); sfx != "" && base == addr {
			out = append(out, a)
		}
	}
	return out
}

// An undeclared target is an error naming it.
func (g *Graph) Select(targets []string) (map[string]bool, error) {
	sel := make(map[string]bool, len(g.nodes))
	if len(targets) == 0 {
		for a := range g.nodes {
			sel[a] = true
		}
		return sel, nil
	}
	var visit func(string)
	visit = func(a string) {
		if sel[a] {
			return
		}
		sel[a] = true
		for _, d := range g.nodes[a].DependsOn {
			visit(d)
		}
	}
	for _, t := range targets {
		if _, ok := g.nodes[t]; ok {
			visit(t)
			continue
		}
		// A block with for_each or count: every instance (Terraform's
		// whole-resource target); a module (module.region or
		// module.region["eu"]): every object in it.
		insts := g.Instances(t)
		if len(insts) == 0 && strings.HasPrefix(t, "module.") {
			insts = g.inModule(t)
		}
		if len(insts) == 0 {
			return nil, fmt.Errorf("-target %s: %s", t, g.UnknownMessage(t))
		}
		for _, a := range insts {
			visit(a)
		}
	}
	return sel, nil
}

// inModule lists the objects declared in the module path (with or
// without an instance key) and the modules it calls, in graph order.
func (g *Graph) inModule(path string) []string {
	var out []string
	for _, a := range g.order {
		p, _ := objname.CutModule(plans.AddrName(a))
		if p == path || strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[") {
			out = append(out, a)
		}
	}
	return out
}

// UnknownMessage says why addr names nothing declared, listing what is
// (at most textfmt.MaxNames addresses: a fleet declares thousands).
func (g *Graph) UnknownMessage(addr string) string {
	if err := objname.UnquotedKey(addr); err != nil {
		return err.Error()
	}
	var same []string
	for _, a := range g.order {
		if plans.AddrKind(a) == plans.AddrKind(addr) {
			same = append(same, a)
		}
	}
	if len(same) == 0 {
		// Another kind, or not an address at all: list every address a
		// user could have meant.
		msg := "no such object in the configuration"
		if !strings.Contains(addr, ".") || strings.HasPrefix(addr, ".") {
			msg = "not an address: want KIND.NAME such as dataset.churn or model.churn"
		}
		if len(g.order) == 0 {
			return msg
		}
		return msg + " (declared: " + listed(g.order) + ")"
	}
	return "no such object in the configuration (declared: " + listed(same) + ")"
}

func listed(addrs []string) string {
	s := textfmt.Names(addrs, textfmt.MaxNames)
	if len(addrs) > textfmt.MaxNames {
		s += ": mlform graph lists them all"
	}
	return s
}

// DOT renders the graph for Graphviz: one node per object, an edge from
// each dependency to its user, attributes in the label.
func (g *Graph) DOT() string {
	var b strings.Builder
	b.WriteString("digraph mlform {\n")
	b.WriteString("  rankdir = \"LR\";\n")
	b.WriteString("  node [shape = \"box\"];\n")
	for _, a := range g.order {
		n := g.nodes[a]
		label := a
		keys := slices.Sorted(maps.Keys(n.Attrs))
		for _, k := range keys {
			label += "\\n" + k + " = " + strings.ReplaceAll(n.Attrs[k], `\`, `\\`)
		}
		fmt.Fprintf(&b, "  %s [label = %s];\n", dotQuote(a), dotQuote(label))
	}
	for _, a := range g.order {
		deps := append([]string(nil), Uniq(g.nodes[a].DependsOn)...)
		sort.Strings(deps)
		for _, d := range deps {
			fmt.Fprintf(&b, "  %s -> %s;\n", dotQuote(d), dotQuote(a))
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// dotQuote quotes s as a DOT string; backslash sequences we put in labels
// (\n) are kept, quotes are escaped.
func dotQuote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// Uniq returns ss without repeats, first occurrences in order.
func Uniq(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
