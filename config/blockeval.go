package config

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/mlform/mlform/config/value"
)

// blockEval reads one block's arguments (config/value) for the loader,
// which adds the readers that need the whole configuration: references to
// other objects (values_ref.go) and the kinds' own nested blocks.
type blockEval struct {
	*value.Args
	l *loader
}

func (l *loader) newBlockEval(b *hclsyntax.Block, ctx *hcl.EvalContext) *blockEval {
	return &blockEval{Args: value.New(&l.diags, b, ctx), l: l}
}

// sub reads the arguments of b, nested in e's block; where names it.
func (e *blockEval) sub(b *hclsyntax.Block, where string) *blockEval {
	return &blockEval{Args: e.Args.Sub(b, where), l: e.l}
}

func errText(err error) string { return value.ErrText(err) }
func urlDiag(attr string, err error, rng hcl.Range) *hcl.Diagnostic {
	return value.URLDiag(attr, err, rng)
}
