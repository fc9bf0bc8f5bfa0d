package config

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/mlform/mlform/config/lang"
)

// ParseFile parses one configuration file the way Load does: a file that
// nests deeper than lang.MaxNesting is not parsed at all and comes back as
// an empty body (so snippets still show its text); any other is parsed as
// plain HCL, with mlform's hints on two syntax errors (parseConfig). fmt
// uses it so that it refuses what Load refuses.
func ParseFile(src []byte, filename string) (*hcl.File, hcl.Diagnostics) {
	if diags := lang.CheckNesting(src, filename); diags.HasErrors() {
		return lang.EmptyFile(src, filename), diags
	}
	return parseConfig(src, filename)
}
