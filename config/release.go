package config

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// ReleaseSyntax drops the syntax trees of the configuration's files once
// it is evaluated, keeping their text (diagnostics quote it) and the
// expressions evaluated later (gate conditions, outputs), which hold
// their own pieces of the tree. For a 1,000-model workspace the trees are
// two thirds of the Config's memory (12 of 17 MB), and plan and apply
// keep the Config to the end. Afterwards a file's Body is empty and its
// Nav is nil: call it only when no diagnostic needs a block's context
// (validate -json does).
func (c *Config) ReleaseSyntax() {
	for name, f := range c.Files {
		if f == nil {
			continue
		}
		rng := hcl.Range{Filename: name, Start: hcl.InitialPos, End: hcl.InitialPos}
		c.Files[name] = &hcl.File{Body: &hclsyntax.Body{SrcRange: rng, EndRange: rng}, Bytes: f.Bytes}
	}
}
