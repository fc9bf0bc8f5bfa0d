package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/mlform/mlform/config/syntax"
	"github.com/mlform/mlform/internal/objname"
)

// Moved is one moved block: what state recorded at From now belongs to
// To, so renaming a model or a dataset (or giving it for_each, or
// renaming an instance key) keeps its versions, aliases and snapshots
// instead of starting over. The planner applies it to state
// (planner/moves.go).
type Moved struct {
	// From and To are addresses: "model.churn", `model.churn["eu"]`,
	// "dataset.sales[0]". Both are of one kind: dataset, model,
	// retrain_policy or promotion. A whole
	// block (no key) moves with all its instances when both sides are
	// whole blocks.
	From, To  string
	DeclRange hcl.Range
}

// decodeMoved reads the moved blocks: static references (nothing is
// evaluated) to a dataset or a model, From no longer declared and To
// declared, each From moved once. A To that a later moved block moves on
// (a chain: a -> b, later b -> c) need not be declared: the chain's end
// must be.
func (l *loader) decodeMoved() {
	type movedBlock struct {
		b        *hclsyntax.Block
		fa, ta   *hclsyntax.Attribute
		f, t     movedRef
		parsedOK bool
	}
	blocks := make([]movedBlock, len(l.moved))
	for i, b := range l.moved {
		fa, okf := b.Body.Attributes["from"]
		ta, okt := b.Body.Attributes["to"]
		if !okf || !okt {
			continue // reported by checkBody
		}
		f, fok := l.movedAddr(fa)
		t, tok := l.movedAddr(ta)
		blocks[i] = movedBlock{b: b, fa: fa, ta: ta, f: f, t: t, parsedOK: fok && tok}
	}
	// movedOn is the later block that moves what block i moved to r on.
	movedOn := func(i int, r movedRef) (movedBlock, bool) {
		for _, n := range blocks[i+1:] {
			if n.parsedOK && n.f.kind == r.kind && n.f.addr == r.addr {
				return n, true
			}
		}
		return movedBlock{}, false
	}
	// chainEnd is where a chain from block i ends: its last To.
	chainEnd := func(i int) movedRef {
		end := blocks[i].t
		for j := i; ; {
			n, ok := movedOn(j, end)
			if !ok {
				return end
			}
			j = slices.IndexFunc(blocks, func(m movedBlock) bool { return m.b == n.b })
			end = n.t
		}
	}
	// What the modules called from here moved is in l.cfg.Moved already
	// (their moved blocks are read as they load); this module's moves go
	// before them, as Terraform moves a module call before what is in it:
	// a renamed call (module.a -> module.b) first, then a model renamed
	// inside it (module.b.model.x -> module.b.model.y).
	inner := l.cfg.Moved
	l.cfg.Moved = nil
	defer func() { l.cfg.Moved = append(l.cfg.Moved, inner...) }()
	from := map[string]hcl.Range{}
	// out[i] are the moves block i makes; calls[i] says block i moves a
	// module call (with its f and t).
	out := make([][]Moved, len(blocks))
	calls := make([]*movedBlock, len(blocks))
	defer func() {
		l.cfg.Moved = append(l.cfg.Moved, slices.Concat(out...)...)
	}()
	for i, mb := range blocks {
		if !mb.parsedOK {
			continue
		}
		b, fa, ta, f, t := mb.b, mb.fa, mb.ta, mb.f, mb.t
		bad := func(rng hcl.Range, summary, format string, args ...any) {
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()})
		}
		switch {
		case f.kind != t.kind:
			bad(ta.Expr.Range(), "Invalid moved block", "A moved block moves a %s to a %s; from and to must be of one kind.", f.kind, t.kind)
			continue
		case f.addr == t.addr:
			bad(ta.Expr.Range(), "Invalid moved block", "from and to are both %s; a moved block must change the address.", f.shown())
			continue
		}
		if prev, dup := from[f.addr]; dup {
			bad(fa.Expr.Range(), "Ambiguous move statements", "%s is already moved by the moved block at %s; an object can move only once.", f.shown(), rangeString(prev))
			continue
		}
		from[f.addr] = fa.Expr.Range()
		if l.movedDeclared(f, false) {
			bad(fa.Expr.Range(), "Moved object still exists", "%s is still declared, so the moved block cannot move what state recorded for it to %s. Remove or rename the declaration, or remove the moved block.", f.shown(), t.shown())
			continue
		}
		_, chained := movedOn(i, t)
		if !chained && !l.movedDeclared(t, true) {
			detail := fmt.Sprintf("%s is not declared in the configuration; a moved block must move to an object that is.", t.shown())
			if s := suggest(t.base, l.declaredNames(t.kind)); t.path == "" && s != "" && s != t.base {
				detail += fmt.Sprintf(" Did you mean %s.%s?", t.kind, s)
			}
			bad(ta.Expr.Range(), "Moved to an undeclared object", "%s", detail)
			continue
		}
		if f.kind == kindModule {
			// A renamed module call (or one that gained for_each): every
			// object it declares moves, as Terraform moves a module, and
			// every address the moved blocks inside it move from (state
			// may still record an object under a name the module has
			// since moved). In a chain, those are the objects of the
			// chain's end, named under this block's To (the later blocks
			// move them on).
			end := chainEnd(i)
			addrs := l.objectsIn(end.addr, true)
			for _, m := range inner {
				for _, a := range []string{m.From, m.To} {
					if _, name, _ := strings.Cut(a, "."); inModulePath(name, end.addr, true) {
						addrs = append(addrs, a)
					}
				}
			}
			slices.Sort(addrs)
			for _, to := range slices.Compact(addrs) {
				kind, name, _ := strings.Cut(to, ".")
				rest := strings.TrimPrefix(name, end.addr)
				out[i] = append(out[i], Moved{From: kind + "." + f.addr + rest, To: kind + "." + t.addr + rest, DeclRange: b.DefRange()})
			}
			calls[i] = &blocks[i]
			continue
		}
		out[i] = append(out[i], Moved{From: f.addr, To: t.addr, DeclRange: b.DefRange()})
	}
	// A later block may move on what is under a moved call's To without
	// naming that To itself: module.a -> module.b, then
	// module.b["eu"] -> module.b["europe"] or
	// module.b.model.x -> module.b.model.y. The call's move must then
	// bring those objects (module.a["eu"]..., module.a.model.x) to where
	// the later block moves them from, or the chain breaks and they
	// stay behind. Last block first, so a chain of such blocks composes.
	for i := len(blocks) - 1; i >= 0; i-- {
		c := calls[i]
		if c == nil {
			continue
		}
		have := map[string]bool{}
		for _, m := range out[i] {
			have[m.From] = true
		}
		for _, later := range out[i+1:] {
			for _, m := range later {
				kind, name, _ := strings.Cut(m.From, ".")
				if !inModulePath(name, c.t.addr, true) {
					continue
				}
				src := kind + "." + c.f.addr + strings.TrimPrefix(name, c.t.addr)
				if have[src] {
					continue
				}
				have[src] = true
				out[i] = append(out[i], Moved{From: src, To: m.From, DeclRange: c.b.DefRange()})
			}
		}
	}
}

// objectsIn lists, sorted, the addresses (KIND.NAME) of the datasets,
// models, retrain policies and promotions declared in the module path
// (absolute) and the modules it calls; with instances, also in the
// instances of a module path without a key (module.region["eu"] for
// module.region).
func (l *loader) objectsIn(path string, instances bool) []string {
	var out []string
	for _, kind := range []string{kindDataset, kindModel, kindPolicy, kindPromotion} {
		for _, names := range []map[string]bool{l.reg.blocks[kind], l.reg.inst[kind]} {
			for name := range names {
				if l.reg.expanded[kind][name] || !inModulePath(name, path, instances) {
					continue
				}
				out = append(out, kind+"."+name)
			}
		}
	}
	slices.Sort(out)
	return out
}

// inModulePath reports whether the object name (absolute) is declared in
// the module path or a module it calls; with instances, also in an
// instance of a module path without a key.
func inModulePath(name, path string, instances bool) bool {
	p, _ := objname.CutModule(name)
	return p == path || strings.HasPrefix(p, path+".") || (instances && strings.HasPrefix(p, path+"["))
}

// movedRef is one side of a moved block. addr is the address as mlform
// keeps it (KIND.NAME, the name absolute: config/module.go), shown as
// users write it (internal/objname.Display).
type movedRef struct {
	kind, base, suffix, addr, path string
}

// shown is the address as users write it.
func (r movedRef) shown() string { return objname.Display(r.addr) }

// movedAddr reads a moved block's from or to (syntax.ParseMovedRef),
// relative to this loader's module.
func (l *loader) movedAddr(a *hclsyntax.Attribute) (movedRef, bool) {
	sr, problem := syntax.ParseMovedRef(a.Expr)
	if problem != "" {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid moved address",
			Detail: fmt.Sprintf("%s in a moved block %s", a.Name, problem), Subject: a.Expr.Range().Ptr()})
		return movedRef{}, false
	}
	r := movedRef{kind: sr.Kind, base: sr.Base, suffix: sr.Suffix, path: sr.Path}
	if r.kind == kindModule {
		r.addr = l.prefix + r.path
	} else {
		r.addr = r.kind + "." + l.prefix + r.base + r.suffix
	}
	return r, true
}

// movedDeclared reports whether the configuration declares r: a block
// without for_each or count (no key; a whole expanded block counts for
// a moved "to"), or the instance (with one). A block that gained for_each
// no longer declares its key-less object, so `moved { from = model.a,
// to = model.a["eu"] }` is how it keeps its history.
func (l *loader) movedDeclared(r movedRef, isTo bool) bool {
	if r.kind == kindModule {
		return len(l.objectsIn(r.addr, isTo)) > 0
	}
	if r.path != "" {
		name := l.prefix + r.base + r.suffix
		if r.suffix == "" {
			return l.reg.blocks[r.kind][name] && (isTo || !l.reg.expanded[r.kind][name])
		}
		return l.reg.inst[r.kind][name]
	}
	if r.suffix == "" {
		_, ok := l.decls[r.kind][r.base]
		return ok && (isTo || !l.isExpanded(r.kind, r.base))
	}
	return l.instanceDeclared(r.kind, r.base+r.suffix)
}
