package config

import (
	"fmt"
	"math/big"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

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
// declared, each From moved once.
func (l *loader) decodeMoved() {
	from := map[string]hcl.Range{}
	for _, b := range l.moved {
		fa, okf := b.Body.Attributes["from"]
		ta, okt := b.Body.Attributes["to"]
		if !okf || !okt {
			continue // reported by checkBody
		}
		f, fok := l.movedAddr(fa)
		t, tok := l.movedAddr(ta)
		if !fok || !tok {
			continue
		}
		bad := func(rng hcl.Range, summary, format string, args ...any) {
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()})
		}
		switch {
		case f.kind != t.kind:
			bad(ta.Expr.Range(), "Invalid moved block", "A moved block moves a %s to a %s; from and to must be of one kind.", f.kind, t.kind)
			continue
		case f.addr == t.addr:
			bad(ta.Expr.Range(), "Invalid moved block", "from and to are both %s; a moved block must change the address.", f.addr)
			continue
		}
		if prev, dup := from[f.addr]; dup {
			bad(fa.Expr.Range(), "Ambiguous move statements", "%s is already moved by the moved block at %s; an object can move only once.", f.addr, rangeString(prev))
			continue
		}
		from[f.addr] = fa.Expr.Range()
		if l.movedDeclared(f, false) {
			bad(fa.Expr.Range(), "Moved object still exists", "%s is still declared, so the moved block cannot move what state recorded for it to %s. Remove or rename the declaration, or remove the moved block.", f.addr, t.addr)
			continue
		}
		if !l.movedDeclared(t, true) {
			detail := fmt.Sprintf("%s is not declared in the configuration; a moved block must move to an object that is.", t.addr)
			if s := suggest(t.base, l.declaredNames(t.kind)); s != "" && s != t.base {
				detail += fmt.Sprintf(" Did you mean %s.%s?", t.kind, s)
			}
			bad(ta.Expr.Range(), "Moved to an undeclared object", "%s", detail)
			continue
		}
		l.cfg.Moved = append(l.cfg.Moved, Moved{From: f.addr, To: t.addr, DeclRange: b.DefRange()})
	}
}

// movedRef is one side of a moved block.
type movedRef struct {
	kind, base, suffix, addr string
}

// movedAddr reads a static reference: dataset.NAME or model.NAME, with an
// optional ["KEY"] or [INDEX].
func (l *loader) movedAddr(a *hclsyntax.Attribute) (movedRef, bool) {
	fail := func(detail string) (movedRef, bool) {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid moved address",
			Detail: fmt.Sprintf("%s in a moved block %s", a.Name, detail), Subject: a.Expr.Range().Ptr()})
		return movedRef{}, false
	}
	t, diags := hcl.AbsTraversalForExpr(a.Expr)
	if diags.HasErrors() || len(t) < 2 || len(t) > 3 {
		return fail(`must be a reference like model.churn, model.churn["eu"] or dataset.sales[0] (not a string or another expression).`)
	}
	kind := t.RootName()
	switch kind {
	case kindModel, kindDataset, kindPolicy, kindPromotion:
	default:
		return fail(fmt.Sprintf("moves a dataset, a model, a retrain_policy or a promotion (what state records for it); %s is none of them.", kind))
	}
	attr, ok := t[1].(hcl.TraverseAttr)
	if !ok {
		return fail("must name a block, like model.churn.")
	}
	r := movedRef{kind: kind, base: attr.Name}
	if len(t) == 3 {
		idx, ok := t[2].(hcl.TraverseIndex)
		if !ok || idx.Key.IsNull() || !idx.Key.IsKnown() {
			return fail(`must end with an instance key: ["KEY"] or [INDEX].`)
		}
		if s, ok := stringKey(idx); ok {
			if err := objname.CheckKey(s); err != nil {
				return fail(fmt.Sprintf("has an invalid key: %v.", err))
			}
			r.suffix = objname.KeySuffix(s)
		} else if n, ok := indexKey(idx); ok {
			r.suffix = objname.IndexSuffix(n)
		} else {
			return fail(fmt.Sprintf(`has an invalid instance key: want ["KEY"] or an index from 0 to %d.`, objname.MaxIndex))
		}
	}
	r.addr = r.kind + "." + r.base + r.suffix
	return r, true
}

// movedDeclared reports whether the configuration declares r: a block
// without for_each or count (no key; a whole expanded block counts for
// a moved "to"), or the instance (with one). A block that gained for_each
// no longer declares its key-less object, so `moved { from = model.a,
// to = model.a["eu"] }` is how it keeps its history.
func (l *loader) movedDeclared(r movedRef, isTo bool) bool {
	if r.suffix == "" {
		_, ok := l.decls[r.kind][r.base]
		return ok && (isTo || !l.isExpanded(r.kind, r.base))
	}
	return l.instanceDeclared(r.kind, r.base+r.suffix)
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
