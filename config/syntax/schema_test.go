package syntax

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// The schema is plain HCL: no name is both an argument and a block, and
// the shipped configurations decode with HCL's own Body.Content against it
// (the decoder gohcl and every HCL tool use), with nothing left over.
func TestSchemaIsPlainHCL(t *testing.T) {
	var walk func(s *Schema, path string)
	walk = func(s *Schema, path string) {
		for _, typ := range s.BlockTypes() {
			if isAttr, _ := s.Attr(typ); isAttr {
				t.Errorf("%s: %q is both an argument and a block", path, typ)
			}
			walk(s.Nested[typ].Body, path+" > "+typ)
		}
	}
	walk(FileSchema(), "file")

	files, err := filepath.Glob("../../examples/*/*.mlf.hcl")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../testdata/design/main.mlf.hcl")
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			diags = decodeWithHCL(f.Body, FileSchema())
			if diags.HasErrors() {
				t.Fatal(diags)
			}
		})
	}
}

// decodeWithHCL decodes body with hcl.Body.Content, recursively.
func decodeWithHCL(body hcl.Body, s *Schema) hcl.Diagnostics {
	if s.AnyAttrs {
		_, diags := body.JustAttributes()
		return diags
	}
	content, diags := body.Content(&s.BodySchema)
	for _, b := range content.Blocks {
		diags = append(diags, decodeWithHCL(b.Body, s.Nested[b.Type].Body)...)
	}
	return diags
}
