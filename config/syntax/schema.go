package syntax

import (
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
)

// Schema is what a block body may contain, in HCL's own terms: an
// hcl.BodySchema lists the arguments (with Required) and the block types
// (with their LabelNames). nested adds what a BodySchema leaves to the
// decoder: whether a nested block may repeat or must be present, and its
// own body. Every name has one shape: an argument or a block, never both.
type Schema struct {
	hcl.BodySchema
	Nested   map[string]NestedSchema // by block type
	AnyAttrs bool                    // locals: every argument is a definition
	// SettingsBlocks: any other block type, without labels, at most once
	// each, with any arguments (an environment's executor settings, named
	// after the executor; build_executor_settings.go).
	SettingsBlocks bool
}

// NestedSchema describes a block type inside a body.
type NestedSchema struct {
	Labels   []string // the header's LabelNames, for messages
	Multi    bool     // may appear more than once
	Required bool
	Body     *Schema
}

// blockSpec is one block type of a body while a schema is built.
type blockSpec struct {
	typ string
	NestedSchema
}

// args lists a body's arguments; a name ending in "!" is required.
func args(names ...string) []hcl.AttributeSchema {
	out := make([]hcl.AttributeSchema, len(names))
	for i, n := range names {
		name, isRequired := strings.CutSuffix(n, "!")
		out[i] = hcl.AttributeSchema{Name: name, Required: isRequired}
	}
	return out
}

// newSchema builds a body schema from its arguments and block types.
func newSchema(attrs []hcl.AttributeSchema, blocks ...blockSpec) *Schema {
	s := &Schema{BodySchema: hcl.BodySchema{Attributes: attrs}, Nested: map[string]NestedSchema{}}
	for _, b := range blocks {
		s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: b.typ, LabelNames: b.Labels})
		s.Nested[b.typ] = b.NestedSchema
	}
	return s
}

// attr reports whether name is an argument of s, and whether it is required.
func (s *Schema) Attr(name string) (isAttr, isRequired bool) {
	for _, a := range s.Attributes {
		if a.Name == name {
			return true, a.Required
		}
	}
	return false, false
}

func (s *Schema) AttrNames() []string {
	out := make([]string, len(s.Attributes))
	for i, a := range s.Attributes {
		out[i] = a.Name
	}
	return out
}

// blockTypes lists the block types of s, sorted.
func (s *Schema) BlockTypes() []string { return slices.Sorted(maps.Keys(s.Nested)) }

// Block type names at the top level of a file.
const (
	KindMLForm      = "mlform"
	KindVariable    = "variable"
	KindLocals      = "locals"
	KindOutput      = "output"
	KindStorage     = "storage"
	KindEnvironment = "environment"
	KindDataset     = "dataset"
	KindModel       = "model"
	KindPolicy      = "retrain_policy"
	KindPromotion   = "promotion"
	KindMoved       = "moved"
	KindNotify      = "notify"
	KindModule      = "module"
)

// The meta-arguments that turn one block into several instances
// (config/expand.go).
const (
	MetaForEach = "for_each"
	MetaCount   = "count"
)

// environmentSchema is an environment's body: its arguments and any
// executor settings blocks.
func environmentSchema() *Schema {
	s := newSchema(args("executor", "files", "env", "image", "capture"))
	s.SettingsBlocks = true
	return s
}

// SettingsBlockSchema is the schema of a block of type typ in a body that
// takes settings blocks: labels none, once, any arguments, no blocks. A
// type that is one of the body's arguments is not a settings block, so
// `env { ... }` still gets the "use the equals sign" error.
func SettingsBlockSchema(schema *Schema, typ string) (NestedSchema, bool) {
	if isAttr, _ := schema.Attr(typ); isAttr {
		return NestedSchema{}, false
	}
	return NestedSchema{Body: &Schema{AnyAttrs: true}}, true
}

// retentionSchema is the `retention` block inside dataset and model.
func retentionSchema() blockSpec {
	return block("retention", newSchema(args("keep_last", "keep_within")))
}

// block is a block type that appears at most once, optional unless
// marked required.
func block(typ string, body *Schema) blockSpec {
	return blockSpec{typ: typ, NestedSchema: NestedSchema{Body: body}}
}

// repeated is a block type that may appear any number of times.
func repeated(typ string, labels []string, body *Schema) blockSpec {
	return blockSpec{typ: typ, NestedSchema: NestedSchema{Labels: labels, Multi: true, Body: body}}
}

func stepSchema(typ string, isRequired bool) blockSpec {
	b := block(typ, newSchema(args("command!", "params", "timeout", "metrics")))
	b.Required = isRequired
	return b
}

// FileSchema returns the schema of a whole *.mlf.hcl file. It is built
// once and shared: callers only read it.
func FileSchema() *Schema { return fileSchema() }

// fileSchema builds the schema once: building it was a sixth of a Load of
// a small configuration.
var fileSchema = sync.OnceValue(func() *Schema {
	named := func(typ string, body *Schema) blockSpec { return repeated(typ, []string{"name"}, body) }
	// Blocks that for_each or count may expand (config/expand.go).
	expandable := func(typ string, body *Schema) blockSpec {
		body.Attributes = append(body.Attributes, args(MetaForEach, MetaCount)...)
		return named(typ, body)
	}
	backend := block("backend", newSchema(args("url!")))
	backend.Labels = []string{"type"}
	return newSchema(nil,
		block(KindMLForm, newSchema(args("required_version"), backend)),
		named(KindVariable, newSchema(args("type", "default", "description", "sensitive", "nullable"),
			repeated("validation", nil, newSchema(args("condition!", "error_message!"))))),
		blockSpec{typ: KindLocals, NestedSchema: NestedSchema{Multi: true, Body: &Schema{AnyAttrs: true}}},
		expandable(KindOutput, newSchema(args("value!", "description", "sensitive"))),
		expandable(KindStorage, newSchema(args("url!"))),
		expandable(KindEnvironment, environmentSchema()),
		expandable(KindDataset, newSchema(args("source!", "include", "exclude", "storage", "description"),
			block("stats", newSchema(args("columns!"))),
			retentionSchema())),
		expandable(KindModel, newSchema(args("description", "datasets", "environment", "code", "storage", "card"),
			stepSchema("train", true), stepSchema("evaluate", false), retentionSchema())),
		expandable(KindPolicy, newSchema(args("models!", "on_change", "schedule", "every", "cooldown"),
			repeated("metric", []string{"metric name"}, newSchema(args("below", "above"))),
			block("drift", newSchema(args("method", "threshold!", "columns"))))),
		expandable(KindPromotion, newSchema(args("model!", "alias!", "version", "from", "approval", "evaluate_on"),
			repeated("gate", nil, newSchema(args("condition!", "error_message"))),
			// One shape: a block, since direction and min_delta
			// need one; must_beat = "x" is refused with the block
			// form to write (CheckBody).
			block("must_beat", newSchema(args("metric!", "direction", "min_delta"))),
			block("publish", newSchema(args("url!"))))),
		repeated(KindMoved, nil, newSchema(args("from!", "to!"))),
		named(KindNotify, newSchema(args("url!", "events", "models"))),
		// source, for_each, count and the module's variables
		// (config/module.go checks them).
		named(KindModule, &Schema{AnyAttrs: true}),
	)
})
