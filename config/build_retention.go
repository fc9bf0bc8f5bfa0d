package config

import (
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Retention is a dataset's or model's `retention` block: which recorded
// snapshots or versions plan keeps. A snapshot or version is kept when
// either rule keeps it (the newest KeepLast, or those younger than
// KeepWithin); the planner adds what lineage and aliases protect.
type Retention struct {
	KeepLast   int           // 0: no count rule
	KeepWithin time.Duration // 0: no age rule
	Range      hcl.Range
}

// retention reads a retention block b nested in e's block. A block with
// neither rule would keep nothing but what is protected, which is never
// what a user means: it is an error.
func (e *blockEval) retention(b *hclsyntax.Block) *Retention {
	se := e.sub(b, e.Where)
	r := &Retention{Range: b.DefRange()}
	if n, a, ok := se.Integer("keep_last"); ok {
		if n < 1 {
			se.Errorf(a.Expr.Range(), "Invalid keep_last", "keep_last in %s must be at least 1, not %d: the latest snapshot or version is always kept.", se.Where, n)
		}
		r.KeepLast = n
	}
	r.KeepWithin = se.Duration("keep_within", 1)
	if !se.Failed && r.KeepLast == 0 && r.KeepWithin == 0 {
		se.Errorf(b.DefRange(), "Empty retention block", "%s sets neither keep_last nor keep_within: set one or both (e.g. keep_last = 5, keep_within = \"90d\"), or remove the block to keep everything.", se.Where)
	}
	e.Failed = e.Failed || se.Failed
	return r
}
