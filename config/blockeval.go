package config

import (
	"fmt"
	"slices"

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

// checkKnownOnce reports, at the list attribute a named name, each value
// not in known (summary unknown, detail `<name> in <where>: "<v>" <notKnown>.`
// with a suggestion) and each value listed twice.
func (e *blockEval) checkKnownOnce(a *hclsyntax.Attribute, name string, list, known []string, unknown, notKnown string) {
	seen := map[string]bool{}
	for _, v := range list {
		switch {
		case !slices.Contains(known, v):
			detail := fmt.Sprintf("%s in %s: %q %s.", name, e.Where, v, notKnown)
			if s := suggest(v, known); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			}
			e.Errorf(a.Expr.Range(), unknown, "%s", detail)
		case seen[v]:
			e.Errorf(a.Expr.Range(), "Invalid "+name, "%s in %s lists %q twice.", name, e.Where, v)
		}
		seen[v] = true
	}
}

func errText(err error) string { return value.ErrText(err) }
func urlDiag(attr string, err error, rng hcl.Range) *hcl.Diagnostic {
	return value.URLDiag(attr, err, rng)
}
