package config

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/mlform/mlform/config/check"
	"github.com/mlform/mlform/config/syntax"
	"github.com/mlform/mlform/config/vars"
	"github.com/mlform/mlform/internal/objname"
)

// Local modules, as Terraform has them: a module block loads the
// *.mlf.hcl files of a directory inside the workspace as a configuration
// of its own (a child loader), whose variables are the block's arguments
// and whose outputs are what `module.NAME.OUTPUT` reads. Every object the
// module declares lands in the one Config under its module path
// (`module.region["eu"].churn`, internal/objname), so plans, state and
// every command see ordinary objects; only their names are longer.
//
// Inside a module, references resolve in the module: dataset.sales is the
// module's own. Nothing of the calling module is visible except what its
// arguments pass in, with one exception: storage.default, the workspace's
// store, is visible everywhere. An object passed in (storage =
// storage.shared) keeps its own name, so a module can train into the
// root's storage or use the root's environment.

// Module block arguments that are not inputs.
const metaSource = "source"

// modLoader is what a child loader knows of the module block that called
// it.
type modLoader struct {
	parent *loader
	block  *hclsyntax.Block
	where  string               // the module block and instance, for messages
	inputs map[string]cty.Value // argument values, marked when sensitive
	ranges map[string]hcl.Range // where each argument is written
	chain  []string             // module directories from the root, for cycles
	// outputs holds the evaluated outputs (marked when sensitive).
	outputs map[string]cty.Value
}

// registry knows every object of the whole configuration by its absolute
// name: a reference that arrives as an object (passed through a variable
// or a module output) carries the absolute name of an object of any
// module.
type registry struct {
	blocks   map[string]map[string]bool // kind -> absolute block name
	expanded map[string]map[string]bool // kind -> absolute block name with for_each/count
	inst     map[string]map[string]bool // kind -> absolute instance name
}

func newRegistry() *registry {
	return &registry{blocks: map[string]map[string]bool{}, expanded: map[string]map[string]bool{}, inst: map[string]map[string]bool{}}
}

func (r *registry) add(m map[string]map[string]bool, kind, name string) {
	if m[kind] == nil {
		m[kind] = map[string]bool{}
	}
	m[kind][name] = true
}

// declared reports whether an absolute name is a declared object: a block
// without for_each or count, or an instance of one with.
func (r *registry) declared(kind, name string) bool {
	return (r.blocks[kind][name] && !r.expanded[kind][name]) || r.inst[kind][name]
}

// register records the blocks this loader declares.
func (l *loader) register() {
	for kind, byName := range l.decls {
		for name := range byName {
			l.reg.add(l.reg.blocks, kind, l.abs(name))
			if l.isExpanded(kind, name) {
				l.reg.add(l.reg.expanded, kind, l.abs(name))
			}
		}
	}
}

// abs is the absolute name of an object this loader declares.
func (l *loader) abs(name string) string { return l.prefix + name }

// evalModule loads one module instance: checks its source, evaluates its
// arguments and loads the module directory with them as variables. The
// object references see is the module's outputs.
func (l *loader) evalModule(n *node, ctx *hcl.EvalContext) (cty.Value, bool) {
	where := blockTitle(n.block)
	if _, sfx := objname.Split(n.name); sfx != "" {
		where += " instance " + sfx
	}
	dir, ok := l.moduleDir(n.block, where)
	if !ok {
		return cty.NilVal, false
	}
	inputs, ranges := map[string]cty.Value{}, map[string]hcl.Range{}
	failed := false
	for _, name := range sortedAttrNames(n.block.Body) {
		if name == metaSource || name == metaForEach || name == metaCount {
			continue
		}
		a := n.block.Body.Attributes[name]
		v, diags := evalExpr(a.Expr, ctx)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			failed = true
			continue
		}
		inputs[name], ranges[name] = v, a.Expr.Range()
	}
	if failed {
		return cty.NilVal, false
	}
	child := l.child(dir, n, inputs, ranges)
	child.mod.where = where
	child.loadModule()
	l.diags = append(l.diags, child.diags...)
	l.cfg.Moved = append(l.cfg.Moved, child.cfg.Moved...)
	if child.diags.HasErrors() {
		return cty.NilVal, false
	}
	return objectOf(child.mod.outputs), true
}

// moduleDir checks a module block's source: a literal relative path,
// "./" or "../", naming a directory inside the workspace (the root
// module's directory) that is not already being loaded.
func (l *loader) moduleDir(b *hclsyntax.Block, where string) (string, bool) {
	a, ok := b.Body.Attributes[metaSource]
	fail := func(rng hcl.Range, summary, format string, args ...any) (string, bool) {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()})
		return "", false
	}
	if !ok {
		for _, name := range sortedAttrNames(b.Body) {
			// A misspelt source: say so where it is written, as for
			// any other block's argument.
			if name != metaForEach && name != metaCount && suggest(name, []string{metaSource}) == metaSource {
				l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument",
					Detail:  fmt.Sprintf("An argument named %q is not expected in %s. Did you mean %q?", name, where, metaSource),
					Subject: b.Body.Attributes[name].NameRange.Ptr()})
			}
		}
		return fail(b.DefRange(), "Missing required argument", `The argument "source" is required in %s, but no definition was found: it names the module's directory, like source = "./modules/regional".`, where)
	}
	v, diags := vars.LiteralValue(a.Expr, "a module source")
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return "", false
	}
	rng := a.Expr.Range()
	if v.IsNull() || v.Type() != cty.String {
		return fail(rng, "Invalid module source", "source in %s must be a string, like \"./modules/regional\".", where)
	}
	src := v.AsString()
	dir, err := check.ModuleDir(l.rootDir(), l.dir, src)
	if err != nil {
		summary := "Invalid module source"
		if e := (*check.ModuleSourceError)(nil); errors.As(err, &e) {
			summary = e.Summary
		}
		return fail(rng, summary, "source %q in %s %s.", src, where, err)
	}
	abs, _ := filepath.Abs(dir)
	chain := l.moduleChain()
	if slices.Contains(chain, abs) {
		return fail(rng, "Module calls itself", "%s loads %s, which is already being loaded by a module that calls this one: modules may not call themselves.", where, dir)
	}
	if len(chain) > objname.MaxModuleDepth {
		return fail(rng, "Modules nest too deeply", "%s is nested more than %d modules deep.", where, objname.MaxModuleDepth)
	}
	return dir, true
}

// rootDir is the root module's directory.
func (l *loader) rootDir() string {
	for l.mod != nil {
		l = l.mod.parent
	}
	return l.dir
}

// moduleChain lists the directories of this loader and the modules that
// called it, absolute.
func (l *loader) moduleChain() []string {
	if l.mod != nil {
		return l.mod.chain
	}
	abs, _ := filepath.Abs(l.dir)
	return []string{abs}
}

// child makes the loader of one module instance. It shares with its
// parent what is one for the whole configuration: the object maps of the
// Config, the files (for snippets and the digest), the registry and the
// one-policy-per-model and one-promotion-per-alias checks.
func (l *loader) child(dir string, n *node, inputs map[string]cty.Value, ranges map[string]hcl.Range) *loader {
	cfg := newConfig(dir)
	cfg.Files = l.cfg.Files
	cfg.Storage, cfg.Environments = l.cfg.Storage, l.cfg.Environments
	cfg.Datasets, cfg.Models = l.cfg.Datasets, l.cfg.Models
	cfg.RetrainPolicies, cfg.Promotions = l.cfg.RetrainPolicies, l.cfg.Promotions
	cfg.Notifications = l.cfg.Notifications
	abs, _ := filepath.Abs(dir)
	c := &loader{
		dir:              dir,
		opts:             LoadOptions{Version: l.opts.Version},
		cfg:              cfg,
		schema:           l.schema,
		rawFiles:         l.rawFiles,
		broken:           map[string]bool{},
		decls:            map[string]map[string]*hclsyntax.Block{},
		localDefs:        map[string]*hclsyntax.Attribute{},
		policyOf:         l.policyOf,
		aliasOwner:       l.aliasOwner,
		unreadPromotions: l.unreadPromotions,
		publishOwner:     l.publishOwner,
		instances:        map[string]map[string]bool{},
		reg:              l.reg,
		parsed:           l.parsed,
		rawFuncs:         l.rawFuncs,
		prefix:           l.prefix + "module." + n.name + ".",
		mod: &modLoader{parent: l, block: n.block, inputs: inputs, ranges: ranges,
			chain: append(slices.Clone(l.moduleChain()), abs), outputs: map[string]cty.Value{}},
	}
	c.vs = vars.NewSet(dir, &c.diags, cfg.Files)
	cfg.Variables = c.vs.Vars
	return c
}

// loadModule is load for a module: the same files and blocks, except
// that variables come from the module block and there is no mlform block.
func (l *loader) loadModule() {
	if !l.parseAndCollect() {
		return
	}
	if l.mlform != nil {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "mlform block in a module",
			Detail:  "The mlform block (required_version, backend) belongs in the root module, the workspace's own directory; remove it from the module.",
			Subject: l.mlform.DefRange().Ptr()})
		return
	}
	for _, name := range slices.Sorted(maps.Keys(l.decls[kindOutput])) {
		b := l.decls[kindOutput][name]
		for _, meta := range []string{metaForEach, metaCount} {
			if a, ok := b.Body.Attributes[meta]; ok {
				l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid output in a module",
					Detail:  fmt.Sprintf("%s in a module's output %q is not supported: give the output a for expression as its value instead.", meta, name),
					Subject: a.NameRange.Ptr()})
			}
		}
	}
	if !l.declareAndEvaluate(l.assignInputs) {
		return
	}
	l.decodeMoved()
	syntax.SuggestAttributes(l.diags)
	l.diags = redactDiagnostics(l.diags, l.cfg.Variables)
}

// assignInputs gives each variable of a module the value of the module
// block's argument of its name, or its default; an argument no variable
// declares, or a variable without default and argument, is an error at
// the module block.
func (l *loader) assignInputs() {
	m := l.mod
	where := m.where
	for _, name := range slices.Sorted(maps.Keys(m.inputs)) {
		if _, ok := l.cfg.Variables[name]; ok {
			continue
		}
		detail := fmt.Sprintf("An argument named %q is not expected in %s: the module at %s declares no variable %q.", name, where, l.dir, name)
		// The meta-arguments are candidates too: for_eahc means for_each.
		if s := suggest(name, append(keys(l.cfg.Variables), metaSource, metaForEach, metaCount)); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument", Detail: detail,
			Subject: m.block.Body.Attributes[name].NameRange.Ptr()})
	}
	for _, name := range slices.Sorted(maps.Keys(l.cfg.Variables)) {
		v := l.cfg.Variables[name]
		val, given := m.inputs[name]
		if !given {
			if !v.HasDefault && !l.vs.Bad[name] {
				l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing required argument",
					Detail:  fmt.Sprintf("The argument %q is required in %s, but no definition was found: the module's variable %q (%s) has no default.", name, where, name, rangeString(v.DeclRange)),
					Subject: m.block.DefRange().Ptr()})
				l.vs.Bad[name] = true
			}
			l.vs.Assign(v, vars.RawValue{})
			continue
		}
		if val.ContainsMarked() {
			v.Sensitive = true // the mark travels on: evaluate marks it again
		}
		plain, _ := val.UnmarkDeep()
		l.vs.Assign(v, vars.RawValue{Val: plain, Source: "the argument of " + where, Rng: m.ranges[name], HasRng: true})
	}
}

// moduleOutput evaluates one output of a module when the module loads:
// module outputs feed the calling module's expressions, so they cannot
// wait for apply as the root module's outputs do.
func (l *loader) moduleOutput(n *node, ctx *hcl.EvalContext) bool {
	a := n.block.Body.Attributes["value"]
	if a == nil {
		return false
	}
	v, diags := evalExpr(a.Expr, ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return false
	}
	if sens, ok := l.vs.StaticBool(n.block.Body, "sensitive"); ok && sens {
		v = v.Mark(sensitiveMark)
	}
	l.mod.outputs[n.name] = v
	return true
}
