package config

import (
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// blockSchema is what a block body may contain, in HCL's own terms: an
// hcl.BodySchema lists the arguments (with Required) and the block types
// (with their LabelNames). nested adds what a BodySchema leaves to the
// decoder: whether a nested block may repeat or must be present, and its
// own body. Every name has one shape: an argument or a block, never both.
type blockSchema struct {
	hcl.BodySchema
	nested   map[string]nestedSchema // by block type
	anyAttrs bool                    // locals: every argument is a definition
	// settingsBlocks: any other block type, without labels, at most once
	// each, with any arguments (an environment's executor settings, named
	// after the executor; build_executor_settings.go).
	settingsBlocks bool
}

// nestedSchema describes a block type inside a body.
type nestedSchema struct {
	labels   []string // the header's LabelNames, for messages
	multi    bool     // may appear more than once
	required bool
	body     *blockSchema
}

// blockSpec is one block type of a body while a schema is built.
type blockSpec struct {
	typ string
	nestedSchema
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
func newSchema(attrs []hcl.AttributeSchema, blocks ...blockSpec) *blockSchema {
	s := &blockSchema{BodySchema: hcl.BodySchema{Attributes: attrs}, nested: map[string]nestedSchema{}}
	for _, b := range blocks {
		s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: b.typ, LabelNames: b.labels})
		s.nested[b.typ] = b.nestedSchema
	}
	return s
}

// attr reports whether name is an argument of s, and whether it is required.
func (s *blockSchema) attr(name string) (isAttr, isRequired bool) {
	for _, a := range s.Attributes {
		if a.Name == name {
			return true, a.Required
		}
	}
	return false, false
}

func (s *blockSchema) attrNames() []string {
	out := make([]string, len(s.Attributes))
	for i, a := range s.Attributes {
		out[i] = a.Name
	}
	return out
}

// blockTypes lists the block types of s, sorted.
func (s *blockSchema) blockTypes() []string { return slices.Sorted(maps.Keys(s.nested)) }

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
	kindMoved       = "moved"
	kindNotify      = "notify"
	kindModule      = "module"
)

// block is a block type that appears at most once, optional unless
// marked required.
func block(typ string, body *blockSchema) blockSpec {
	return blockSpec{typ: typ, nestedSchema: nestedSchema{body: body}}
}

// repeated is a block type that may appear any number of times.
func repeated(typ string, labels []string, body *blockSchema) blockSpec {
	return blockSpec{typ: typ, nestedSchema: nestedSchema{labels: labels, multi: true, body: body}}
}

func stepSchema(typ string, isRequired bool) blockSpec {
	b := block(typ, newSchema(args("command!", "params", "timeout", "metrics")))
	b.required = isRequired
	return b
}

// fileSchema returns the schema of a whole *.mlf.hcl file. It is built per
// call (no package state) and is cheap.
func fileSchema() *blockSchema {
	named := func(typ string, body *blockSchema) blockSpec { return repeated(typ, []string{"name"}, body) }
	// Blocks that for_each or count may expand (config/expand.go).
	expandable := func(typ string, body *blockSchema) blockSpec {
		body.Attributes = append(body.Attributes, args(metaForEach, metaCount)...)
		return named(typ, body)
	}
	backend := block("backend", newSchema(args("url!")))
	backend.labels = []string{"type"}
	return newSchema(nil,
		block(kindMLForm, newSchema(args("required_version"), backend)),
		named(kindVariable, newSchema(args("type", "default", "description", "sensitive", "nullable"),
			repeated("validation", nil, newSchema(args("condition!", "error_message!"))))),
		blockSpec{typ: kindLocals, nestedSchema: nestedSchema{multi: true, body: &blockSchema{anyAttrs: true}}},
		expandable(kindOutput, newSchema(args("value!", "description", "sensitive"))),
		expandable(kindStorage, newSchema(args("url!"))),
		expandable(kindEnvironment, environmentSchema()),
		expandable(kindDataset, newSchema(args("source!", "include", "exclude", "storage", "description"),
			block("stats", newSchema(args("columns!"))),
			retentionSchema())),
		expandable(kindModel, newSchema(args("description", "datasets", "environment", "code", "storage", "card"),
			stepSchema("train", true), stepSchema("evaluate", false), retentionSchema())),
		expandable(kindPolicy, newSchema(args("models!", "on_change", "schedule", "every", "cooldown"),
			repeated("metric", []string{"metric name"}, newSchema(args("below", "above"))),
			block("drift", newSchema(args("method", "threshold!", "columns"))))),
		expandable(kindPromotion, newSchema(args("model!", "alias!", "version", "from", "approval", "evaluate_on"),
			repeated("gate", nil, newSchema(args("condition!", "error_message"))),
			// One shape: a block, since direction and min_delta
			// need one; must_beat = "x" is refused with the block
			// form to write (checkBody).
			block("must_beat", newSchema(args("metric!", "direction", "min_delta"))),
			block("publish", newSchema(args("url!"))))),
		repeated(kindMoved, nil, newSchema(args("from!", "to!"))),
		named(kindNotify, newSchema(args("url!", "events", "models"))),
		// source, for_each, count and the module's variables
		// (config/module.go checks them).
		named(kindModule, &blockSchema{anyAttrs: true}),
	)
}
