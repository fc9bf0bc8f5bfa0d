package config

import (
	"fmt"
	"sort"
	"strings"

	namesuggest "github.com/mlform/mlform/internal/suggest"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// blockSchema is what a block body may contain. It is checked directly on
// hclsyntax bodies so that one name can be both an argument and a block
// (promotion's must_beat) and so every unexpected item gets a suggestion.
type blockSchema struct {
	attrs    map[string]bool // name -> required
	blocks   map[string]*nestedSchema
	anyAttrs bool // locals: every argument is a definition
}

// nestedSchema describes a block type inside a body.
type nestedSchema struct {
	labels   []string // label names, for messages
	multi    bool     // may appear more than once
	required bool
	body     *blockSchema
}

// Block type names at the top level of a file.
const (
	kindMLForm      = "mlform"
	kindVariable    = "variable"
	kindLocals      = "locals"
	kindOutput      = "output"
	kindStorage     = "storage"
	kindEnvironment = "environment"
	kindDataset     = "dataset"
	kindModel       = "model"
	kindPolicy      = "retrain_policy"
	kindPromotion   = "promotion"
)

func stepSchema(required bool) *nestedSchema {
	return &nestedSchema{required: required, body: &blockSchema{attrs: map[string]bool{"command": true, "params": false, "timeout": false}}}
}

// fileSchema returns the schema of a whole *.mlf.hcl file. It is built per
// call (no package state) and is cheap.
func fileSchema() *blockSchema {
	named := func(body *blockSchema) *nestedSchema {
		return &nestedSchema{labels: []string{"name"}, multi: true, body: body}
	}
	return &blockSchema{
		attrs: map[string]bool{},
		blocks: map[string]*nestedSchema{
			kindMLForm: {body: &blockSchema{
				attrs: map[string]bool{"required_version": false},
				blocks: map[string]*nestedSchema{
					"backend": {labels: []string{"type"}, body: &blockSchema{attrs: map[string]bool{"url": true}}},
				},
			}},
			kindVariable: named(&blockSchema{
				attrs: map[string]bool{"type": false, "default": false, "description": false, "sensitive": false, "nullable": false},
				blocks: map[string]*nestedSchema{
					"validation": {multi: true, body: &blockSchema{attrs: map[string]bool{"condition": true, "error_message": true}}},
				},
			}),
			kindLocals:  {multi: true, body: &blockSchema{anyAttrs: true}},
			kindOutput:  named(&blockSchema{attrs: map[string]bool{"value": true, "description": false, "sensitive": false}}),
			kindStorage: named(&blockSchema{attrs: map[string]bool{"url": true}}),
			kindEnvironment: named(&blockSchema{
				attrs: map[string]bool{"executor": false, "files": false, "env": false, "image": false},
			}),
			kindDataset: named(&blockSchema{
				attrs: map[string]bool{"source": true, "include": false, "exclude": false, "storage": false, "description": false},
				blocks: map[string]*nestedSchema{
					"stats":     {body: &blockSchema{attrs: map[string]bool{"columns": true}}},
					"retention": retentionSchema(),
				},
			}),
			kindModel: named(&blockSchema{
				attrs: map[string]bool{"description": false, "datasets": false, "environment": false, "code": false, "storage": false},
				blocks: map[string]*nestedSchema{
					"train":     stepSchema(true),
					"evaluate":  stepSchema(false),
					"retention": retentionSchema(),
				},
			}),
			kindPolicy: named(&blockSchema{
				attrs: map[string]bool{"models": true, "on_change": false, "schedule": false, "every": false, "cooldown": false},
				blocks: map[string]*nestedSchema{
					"metric": {labels: []string{"metric name"}, multi: true, body: &blockSchema{attrs: map[string]bool{"below": false, "above": false}}},
					"drift":  {body: &blockSchema{attrs: map[string]bool{"method": false, "threshold": true, "columns": false}}},
				},
			}),
			kindPromotion: named(&blockSchema{
				attrs: map[string]bool{"model": true, "alias": true, "must_beat": false, "version": false},
				blocks: map[string]*nestedSchema{
					"gate":      {multi: true, body: &blockSchema{attrs: map[string]bool{"condition": true, "error_message": false}}},
					"must_beat": {body: &blockSchema{attrs: map[string]bool{"metric": true, "direction": false, "min_delta": false}}},
					"publish":   {body: &blockSchema{attrs: map[string]bool{"url": true}}},
				},
			}),
		},
	}
}

// checkBody reports everything in body that schema does not allow: unknown
// arguments and blocks (with a suggestion), missing required arguments and
// blocks, wrong label counts and repeated single blocks. It recurses into
// nested blocks. where names the enclosing block for messages ("" at the
// top level); defRange is where a missing item is reported.
func checkBody(body *hclsyntax.Body, schema *blockSchema, where string, defRange hcl.Range) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if !schema.anyAttrs {
		for _, name := range sortedAttrNames(body) {
			attr := body.Attributes[name]
			if _, ok := schema.attrs[name]; ok {
				continue
			}
			detail := fmt.Sprintf("An argument named %q is not expected here.", name)
			if _, isBlock := schema.blocks[name]; isBlock {
				detail += fmt.Sprintf(" Did you mean to define a block of type %q?", name)
			} else if s := suggest(name, keys(schema.attrs)); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			} else if homes := attrHomes(fileSchema(), name); len(homes) > 0 {
				detail += fmt.Sprintf(" %q belongs in: %s.", name, strings.Join(homes, ", "))
			}
			if where == "" {
				detail = fmt.Sprintf("An argument named %q is not expected at the top level of a file: arguments belong inside a block.", name)
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unsupported argument",
				Detail:   detail,
				Subject:  attr.NameRange.Ptr(),
			})
		}
		for _, name := range sortedKeys(schema.attrs) {
			if !schema.attrs[name] {
				continue
			}
			if _, ok := body.Attributes[name]; ok {
				continue
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing required argument",
				Detail:   fmt.Sprintf("The argument %q is required in %s, but no definition was found.", name, where),
				Subject:  defRange.Ptr(),
			})
		}
	}
	seen := map[string]*hclsyntax.Block{}
	for _, b := range body.Blocks {
		ns, ok := schema.blocks[b.Type]
		if !ok {
			diags = append(diags, unknownBlock(b, schema, where))
			continue
		}
		if _, isAttr := body.Attributes[b.Type]; isAttr {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Both a %s argument and a %s block", b.Type, b.Type),
				Detail:   fmt.Sprintf("Give %s either as an argument or as a block, not both.", b.Type),
				Subject:  b.DefRange().Ptr(),
			})
		}
		if d := checkLabels(b, ns); d != nil {
			diags = append(diags, d)
			continue
		}
		if !ns.multi {
			if prev, dup := seen[b.Type]; dup {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  fmt.Sprintf("Duplicate %s block", b.Type),
					Detail:   fmt.Sprintf("Only one %s block is allowed here; the first is at %s.", b.Type, rangeString(prev.DefRange())),
					Subject:  b.DefRange().Ptr(),
				})
				continue
			}
			seen[b.Type] = b
		}
		diags = append(diags, checkBody(b.Body, ns.body, blockTitle(b), b.DefRange())...)
	}
	for _, name := range sortedKeys(schema.blocks) {
		ns := schema.blocks[name]
		if ns.required && !hasBlock(body, name) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Missing %s block", name),
				Detail:   fmt.Sprintf("A %s block is required in %s.", name, where),
				Subject:  defRange.Ptr(),
			})
		}
	}
	return diags
}

// attrHomes lists the blocks (as "model", "model > train") where an
// argument of that name belongs, for arguments written in the wrong block.
func attrHomes(root *blockSchema, name string) []string {
	var out []string
	var walk func(s *blockSchema, path string)
	walk = func(s *blockSchema, path string) {
		if _, ok := s.attrs[name]; ok && path != "" {
			out = append(out, path)
		}
		for _, typ := range sortedKeys(s.blocks) {
			p := typ
			if path != "" {
				p = path + " > " + typ
			}
			walk(s.blocks[typ].body, p)
		}
	}
	walk(root, "")
	return out
}

func unknownBlock(b *hclsyntax.Block, schema *blockSchema, where string) *hcl.Diagnostic {
	detail := fmt.Sprintf("Blocks of type %q are not expected here.", b.Type)
	if _, isAttr := schema.attrs[b.Type]; isAttr {
		detail += fmt.Sprintf(" Did you mean to define argument %q? If so, use the equals sign to assign it a value.", b.Type)
	} else if s := suggest(b.Type, keys(schema.blocks)); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	} else if where == "" {
		detail += " A file may contain " + strings.Join(sortedKeys(schema.blocks), ", ") + " blocks."
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unsupported block type",
		Detail:   detail,
		Subject:  b.TypeRange.Ptr(),
	}
}

func checkLabels(b *hclsyntax.Block, ns *nestedSchema) *hcl.Diagnostic {
	switch {
	case len(b.Labels) < len(ns.labels):
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Missing %s for %s", ns.labels[len(b.Labels)], b.Type),
			Detail:   fmt.Sprintf("A %s block needs %d label(s): %s, like %s.", b.Type, len(ns.labels), strings.Join(ns.labels, ", "), labelExample(b.Type, ns.labels)),
			Subject:  b.DefRange().Ptr(),
		}
	case len(b.Labels) > len(ns.labels):
		detail := fmt.Sprintf("A %s block takes no labels.", b.Type)
		if len(ns.labels) > 0 {
			detail = fmt.Sprintf("A %s block takes %d label(s): %s, like %s.", b.Type, len(ns.labels), strings.Join(ns.labels, ", "), labelExample(b.Type, ns.labels))
		}
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Extraneous label for " + b.Type,
			Detail:   detail,
			Subject:  b.LabelRanges[len(ns.labels)].Ptr(),
		}
	}
	for i, l := range b.Labels {
		if ns.labels[i] != "name" {
			// Metric names come from metrics.json and may hold any
			// character; only names that references spell must be
			// identifiers.
			if strings.TrimSpace(l) == "" {
				return &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Empty " + ns.labels[i],
					Detail:   fmt.Sprintf("The %s of a %s block cannot be empty.", ns.labels[i], b.Type),
					Subject:  b.LabelRanges[i].Ptr(),
				}
			}
			continue
		}
		if !hclsyntax.ValidIdentifier(l) {
			return &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid " + ns.labels[i],
				Detail:   fmt.Sprintf("%q is not a valid %s for a %s block: use letters, digits, underscores and dashes, starting with a letter or underscore.", l, ns.labels[i], b.Type),
				Subject:  b.LabelRanges[i].Ptr(),
			}
		}
	}
	return nil
}

func labelExample(kind string, labels []string) string {
	if kind == "backend" {
		return `backend "blob" { ... }`
	}
	parts := []string{kind}
	for range labels {
		parts = append(parts, `"example"`)
	}
	return strings.Join(parts, " ") + " { ... }"
}

// blockTitle is how a block is named in messages: `model "churn"`, `train`.
func blockTitle(b *hclsyntax.Block) string {
	parts := []string{b.Type}
	for _, l := range b.Labels {
		parts = append(parts, fmt.Sprintf("%q", l))
	}
	return strings.Join(parts, " ")
}

func hasBlock(body *hclsyntax.Body, typ string) bool {
	for _, b := range body.Blocks {
		if b.Type == typ {
			return true
		}
	}
	return false
}

// suggest returns the candidate closest to given, if it is close enough
// to be a likely typo.
func suggest(given string, candidates []string) string { return namesuggest.Closest(given, candidates) }

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := keys(m)
	sort.Strings(out)
	return out
}

// sortedAttrNames lists a body's arguments in source order, so diagnostics
// come out in the order a reader meets them.
func sortedAttrNames(body *hclsyntax.Body) []string {
	names := keys(body.Attributes)
	sort.Slice(names, func(i, j int) bool {
		return body.Attributes[names[i]].SrcRange.Start.Byte < body.Attributes[names[j]].SrcRange.Start.Byte
	})
	return names
}

// rangeString is "file:line:col".
func rangeString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}
