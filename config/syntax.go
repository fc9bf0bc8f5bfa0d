package config

import (
	"maps"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/mlform/mlform/config/syntax"
	namesuggest "github.com/mlform/mlform/internal/suggest"
)

// The block kinds and meta-arguments of config/syntax, by the names the
// loader uses.
const (
	kindMLForm      = syntax.KindMLForm
	kindVariable    = syntax.KindVariable
	kindLocals      = syntax.KindLocals
	kindOutput      = syntax.KindOutput
	kindStorage     = syntax.KindStorage
	kindEnvironment = syntax.KindEnvironment
	kindDataset     = syntax.KindDataset
	kindModel       = syntax.KindModel
	kindPolicy      = syntax.KindPolicy
	kindPromotion   = syntax.KindPromotion
	kindMoved       = syntax.KindMoved
	kindNotify      = syntax.KindNotify
	kindModule      = syntax.KindModule
	metaForEach     = syntax.MetaForEach
	metaCount       = syntax.MetaCount
)

// ParseFile parses one configuration file as Load does (syntax.ParseFile).
func ParseFile(src []byte, filename string) (*hcl.File, hcl.Diagnostics) {
	return syntax.ParseFile(src, filename)
}

func blockTitle(b *hclsyntax.Block) string             { return syntax.BlockTitle(b) }
func sortedAttrNames(body *hclsyntax.Body) []string    { return syntax.SortedAttrNames(body) }
func rangeString(r hcl.Range) string                   { return syntax.RangeString(r) }
func suggest(given string, candidates []string) string { return namesuggest.Closest(given, candidates) }
func keys[V any](m map[string]V) []string              { return slices.Collect(maps.Keys(m)) }
