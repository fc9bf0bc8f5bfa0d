package syntax

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	namesuggest "github.com/mlform/mlform/internal/suggest"
	"github.com/mlform/mlform/internal/textfmt"
)

// CheckBody reports everything in body that schema does not allow: unknown
// arguments and blocks (with a suggestion), missing required arguments and
// blocks, wrong label counts and repeated single blocks. It recurses into
// nested blocks. where names the enclosing block for messages ("" at the
// top level); defRange is where a missing item is reported; src is the
// file's text, quoted when an argument should have been a block.
//
// It reads the syntax tree rather than calling hcl.Body.Content so that
// each message can say more than HCL's: where a misplaced argument belongs,
// which block it is missing from, the block form of a would-be argument.
func CheckBody(body *hclsyntax.Body, schema *Schema, where string, defRange hcl.Range, src []byte) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if !schema.AnyAttrs {
		for _, name := range SortedAttrNames(body) {
			if isAttr, _ := schema.Attr(name); !isAttr {
				diags = append(diags, unknownArgument(body.Attributes[name], schema, where, src))
			}
		}
		for _, a := range slices.SortedFunc(slices.Values(schema.Attributes), func(a, b hcl.AttributeSchema) int { return strings.Compare(a.Name, b.Name) }) {
			if _, ok := body.Attributes[a.Name]; !a.Required || ok {
				continue
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing required argument",
				Detail:   fmt.Sprintf("The argument %q is required in %s, but no definition was found.", a.Name, where),
				Subject:  defRange.Ptr(),
			})
		}
	}
	seen := map[string]*hclsyntax.Block{}
	for _, b := range body.Blocks {
		ns, ok := schema.Nested[b.Type]
		if !ok && schema.SettingsBlocks {
			ns, ok = SettingsBlockSchema(schema, b.Type)
		}
		if !ok {
			diags = append(diags, unknownBlock(b, schema, where))
			continue
		}
		if d := CheckLabels(b, ns); d != nil {
			diags = append(diags, d)
			continue
		}
		if !ns.Multi {
			if prev, dup := seen[b.Type]; dup {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  fmt.Sprintf("Duplicate %s block", b.Type),
					Detail:   fmt.Sprintf("Only one %s block is allowed here; the first is at %s.", b.Type, RangeString(prev.DefRange())),
					Subject:  b.DefRange().Ptr(),
				})
				continue
			}
			seen[b.Type] = b
		}
		diags = append(diags, CheckBody(b.Body, ns.Body, BlockTitle(b), b.DefRange(), src)...)
	}
	for _, typ := range schema.BlockTypes() {
		if schema.Nested[typ].Required && !hasBlock(body, typ) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Missing %s block", typ),
				Detail:   fmt.Sprintf("A %s block is required in %s.", typ, where),
				Subject:  defRange.Ptr(),
			})
		}
	}
	return diags
}

// unknownArgument explains an argument schema does not allow: the block it
// should have been, the argument it was likely meant to be, or the blocks
// where it belongs.
func unknownArgument(attr *hclsyntax.Attribute, schema *Schema, where string, src []byte) *hcl.Diagnostic {
	name := attr.Name
	detail := fmt.Sprintf("An argument named %q is not expected here.", name)
	if ns, isBlock := schema.Nested[name]; isBlock {
		detail += fmt.Sprintf(" Did you mean to define a block of type %q?", name)
		if form, ok := blockForm(attr, ns.Body, src); ok {
			detail += " Write:\n" + form
		}
	} else if s := suggest(name, schema.AttrNames()); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	} else if homes := attrHomes(FileSchema(), name); len(homes) > 0 {
		detail += fmt.Sprintf(" %q belongs in: %s.", name, strings.Join(homes, ", "))
	}
	if where == "" {
		detail = fmt.Sprintf("An argument named %q is not expected at the top level of a file: arguments belong inside a block.", name)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unsupported argument",
		Detail:   detail,
		Subject:  attr.NameRange.Ptr(),
	}
}

// blockForm writes the block a user meant by `name = value`: an object's
// items become the block's arguments (`must_beat = { metric = "loss" }`),
// and any other value becomes the block's one required argument
// (`must_beat = "accuracy"` is `must_beat { metric = "accuracy" }`).
func blockForm(attr *hclsyntax.Attribute, body *Schema, src []byte) (string, bool) {
	text := func(e hclsyntax.Expression) string {
		return strings.TrimSpace(string(e.Range().SliceBytes(src)))
	}
	var items [][2]string
	if obj, ok := attr.Expr.(*hclsyntax.ObjectConsExpr); ok {
		for _, it := range obj.Items {
			key := hcl.ExprAsKeyword(it.KeyExpr)
			if key == "" {
				return "", false
			}
			items = append(items, [2]string{key, text(it.ValueExpr)})
		}
	} else {
		var req []string
		for _, a := range body.Attributes {
			if a.Required {
				req = append(req, a.Name)
			}
		}
		if len(req) != 1 {
			return "", false
		}
		items = [][2]string{{req[0], text(attr.Expr)}}
	}
	if len(items) == 0 || src == nil {
		return "", false
	}
	return layoutBlock(attr.Name, items), true
}

// attrHomes lists the blocks (as "model", "model > train") where an
// argument of that name belongs, for arguments written in the wrong block.
func attrHomes(root *Schema, name string) []string {
	var out []string
	var walk func(s *Schema, path string)
	walk = func(s *Schema, path string) {
		if isAttr, _ := s.Attr(name); isAttr && path != "" {
			out = append(out, path)
		}
		for _, typ := range s.BlockTypes() {
			p := typ
			if path != "" {
				p = path + " > " + typ
			}
			walk(s.Nested[typ].Body, p)
		}
	}
	walk(root, "")
	return out
}

func unknownBlock(b *hclsyntax.Block, schema *Schema, where string) *hcl.Diagnostic {
	detail := fmt.Sprintf("Blocks of type %q are not expected here.", b.Type)
	if isAttr, _ := schema.Attr(b.Type); isAttr {
		detail += fmt.Sprintf(" Did you mean to define argument %q? If so, use the equals sign to assign it a value.", b.Type)
	} else if s := suggest(b.Type, schema.BlockTypes()); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	} else if where == "" {
		detail += " A file may contain " + strings.Join(schema.BlockTypes(), ", ") + " blocks."
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unsupported block type",
		Detail:   detail,
		Subject:  b.TypeRange.Ptr(),
	}
}

// keys lists a map's keys in no particular order (suggest sorts ties).
func keys[V any](m map[string]V) []string { return slices.Collect(maps.Keys(m)) }

func CheckLabels(b *hclsyntax.Block, ns NestedSchema) *hcl.Diagnostic {
	switch {
	case len(b.Labels) < len(ns.Labels):
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Missing %s for %s", ns.Labels[len(b.Labels)], b.Type),
			Detail:   fmt.Sprintf("A %s block needs %s: %s, like %s.", b.Type, textfmt.Count(len(ns.Labels), "label"), strings.Join(ns.Labels, ", "), labelExample(b.Type, ns.Labels)),
			Subject:  b.DefRange().Ptr(),
		}
	case len(b.Labels) > len(ns.Labels):
		detail := fmt.Sprintf("A %s block takes no labels.", b.Type)
		if len(ns.Labels) > 0 {
			detail = fmt.Sprintf("A %s block takes %s: %s, like %s.", b.Type, textfmt.Count(len(ns.Labels), "label"), strings.Join(ns.Labels, ", "), labelExample(b.Type, ns.Labels))
		}
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Extraneous label for " + b.Type,
			Detail:   detail,
			Subject:  b.LabelRanges[len(ns.Labels)].Ptr(),
		}
	}
	for i, l := range b.Labels {
		if ns.Labels[i] != "name" {
			// Metric names come from metrics.json and may hold any
			// character; only names that references spell must be
			// identifiers.
			if strings.TrimSpace(l) == "" {
				return &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Empty " + ns.Labels[i],
					Detail:   fmt.Sprintf("The %s of a %s block cannot be empty.", ns.Labels[i], b.Type),
					Subject:  b.LabelRanges[i].Ptr(),
				}
			}
			continue
		}
		if !hclsyntax.ValidIdentifier(l) {
			return &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid " + ns.Labels[i],
				Detail:   fmt.Sprintf("%q is not a valid %s for a %s block: use letters, digits, underscores and dashes, starting with a letter or underscore.", l, ns.Labels[i], b.Type),
				Subject:  b.LabelRanges[i].Ptr(),
			}
		}
		if why := recordedNameProblem(b.Type, l); why != "" {
			return &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid " + ns.Labels[i],
				Detail:   fmt.Sprintf("%q is not a valid %s for a %s block: %s. The names of datasets, models, policies, promotions, environments, storage, outputs and modules are recorded in state and plans and become directory and environment variable names (MLFORM_DATASET_NAME_DIR).", l, ns.Labels[i], b.Type, why),
				Subject:  b.LabelRanges[i].Ptr(),
			}
		}
	}
	return nil
}

// maxRecordedName bounds the name of a block that state and plans record
// (state.IsIdentifier and the plan validator accept at most 128 bytes).
const maxRecordedName = 128

// recordedNameProblem says why an HCL identifier cannot name a block of
// type typ whose name state and plans record: there names are ASCII (as
// plan files and instance keys are) and at most maxRecordedName bytes.
// HCL identifiers may hold any Unicode letter; before this check such a
// name passed validate and apply stopped with "the plan is invalid".
// Variable and notify names are never recorded and keep HCL's rule.
func recordedNameProblem(typ, name string) string {
	if typ == KindVariable || typ == KindNotify {
		return ""
	}
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			r, _ := utf8.DecodeRuneInString(name[i:])
			return fmt.Sprintf("it holds %q: use ASCII letters, digits, underscores and dashes", r)
		}
	}
	if len(name) > maxRecordedName {
		return fmt.Sprintf("it is %d characters long, at most %d are allowed", len(name), maxRecordedName)
	}
	return ""
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

// BlockTitle is how a block is named in messages: `model "churn"`, `train`.
func BlockTitle(b *hclsyntax.Block) string {
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

// SortedAttrNames lists a body's arguments in source order, so diagnostics
// come out in the order a reader meets them.
func SortedAttrNames(body *hclsyntax.Body) []string {
	return slices.SortedFunc(maps.Keys(body.Attributes), func(a, b string) int {
		return body.Attributes[a].SrcRange.Start.Byte - body.Attributes[b].SrcRange.Start.Byte
	})
}

// RangeString is "file:line:col".
func RangeString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// TraversalString renders a traversal the way it was written: var.x.y[0].
func TraversalString(t hcl.Traversal) string {
	var b strings.Builder
	for i, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			b.WriteString("[...]")
		default:
			if i == 0 {
				b.WriteString("?")
			}
		}
	}
	return b.String()
}
