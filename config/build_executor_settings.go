package config

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/mlform/mlform/config/lang"
	"github.com/zclconf/go-cty/cty"
)

// ExecutorSettings is one executor settings block of an environment, the
// block named after the executor it configures:
//
//	environment "gpu" {
//	  executor = "slurm"
//	  slurm {
//	    partition = "gpu"
//	    cpus      = 8
//	  }
//	}
//
// config knows no executors (it imports no providers), so it reads every
// such block generically: any block type without labels, at most once per
// environment, any arguments, each evaluated to a plain value. Whether the
// executor exists, is the environment's, and has those settings with
// those types is checked against the executors' own declarations by
// planner.CheckExecutors, at the ranges kept here.
type ExecutorSettings struct {
	// Executor is the block's type: the executor the settings are for.
	Executor string
	// Values are the arguments as plain Go values: string, float64, bool,
	// []any, map[string]any, or nil for null (unset).
	Values map[string]any
	// NameRanges and ValueRanges locate each argument's name and value;
	// ElementRanges each element of a value written as a list ([...]).
	NameRanges, ValueRanges map[string]hcl.Range
	ElementRanges           map[string][]hcl.Range
	// Range is the block's type, where a problem with the block as a
	// whole is reported.
	Range hcl.Range
}

// executorSettings evaluates the settings blocks of environment block b.
// Their values may not be sensitive: settings become scheduler flags,
// which the cluster shows to anyone who lists its queue.
func (e *blockEval) executorSettings(b *hclsyntax.Block) map[string]*ExecutorSettings {
	out := map[string]*ExecutorSettings{}
	for _, sb := range b.Body.Blocks {
		if len(sb.Labels) > 0 || out[sb.Type] != nil {
			continue // reported by checkBody
		}
		if isAttr, _ := e.l.schema.Nested[kindEnvironment].Body.Attr(sb.Type); isAttr {
			continue
		}
		se := e.sub(sb, e.Where)
		es := &ExecutorSettings{Executor: sb.Type, Values: map[string]any{},
			NameRanges: map[string]hcl.Range{}, ValueRanges: map[string]hcl.Range{}, ElementRanges: map[string][]hcl.Range{},
			Range: sb.TypeRange}
		for _, name := range sortedAttrNames(sb.Body) {
			a := sb.Body.Attributes[name]
			es.NameRanges[name], es.ValueRanges[name] = a.NameRange, a.Expr.Range()
			if list, ok := a.Expr.(*hclsyntax.TupleConsExpr); ok {
				for _, el := range list.Exprs {
					es.ElementRanges[name] = append(es.ElementRanges[name], el.Range())
				}
			}
			v, _, _ := se.Value(name)
			if v == cty.NilVal {
				continue // did not evaluate: reported
			}
			if v.ContainsMarked() {
				se.Errorf(a.Expr.Range(), "Sensitive value not allowed",
					"%s in %s becomes a scheduler flag, which the cluster shows to anyone who lists its queue, so it cannot be derived from a sensitive variable.", name, se.Where)
				continue
			}
			if !v.IsWhollyKnown() {
				continue // reported by value
			}
			g, err := lang.GoValue(v)
			if err != nil {
				se.Errorf(a.Expr.Range(), "Invalid executor setting", "%s in %s: %v.", name, se.Where, err)
				continue
			}
			es.Values[name] = g
		}
		e.Failed = e.Failed || se.Failed
		out[sb.Type] = es
	}
	return out
}
