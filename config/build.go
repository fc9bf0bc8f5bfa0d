package config

import (
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// objectAttrs lists the arguments each kind exposes to references, so an
// unset optional argument reads as null instead of failing.
func objectAttrs(schema *blockSchema, kind string) []string {
	s := schema.blocks[kind]
	if s == nil {
		return nil
	}
	return keys(s.body.attrs)
}

// evaluate evaluates every node in dependency order. A node whose own
// references are wrong, or that depends on a node that failed, is skipped:
// its problem is already reported once.
func (l *loader) evaluate(g *graph, order []*node) {
	cwd, _ := os.Getwd()
	pathObj := cty.ObjectVal(map[string]cty.Value{
		"module": cty.StringVal(l.dir),
		"root":   cty.StringVal(l.dir),
		"cwd":    cty.StringVal(cwd),
	})
	s := newScope(l.funcs, pathObj)
	l.cfg.scope = s
	for name, v := range l.cfg.Variables {
		s.vars[name] = valueOrDynamic(v.Value)
	}
	if _, ok := l.decls[kindStorage][DefaultStorageName]; !ok {
		l.cfg.Storage[DefaultStorageName] = &Storage{Name: DefaultStorageName, URL: DefaultStorageURL}
		s.set(kindStorage, DefaultStorageName, cty.ObjectVal(map[string]cty.Value{
			"name": cty.StringVal(DefaultStorageName), "url": cty.StringVal(DefaultStorageURL),
		}))
	}
	failed := map[string]bool{}
	for _, n := range order {
		skip := n.bad
		for dep := range n.deps {
			if failed[dep] {
				skip = true
			}
		}
		if skip {
			failed[n.addr] = true
			continue
		}
		before := len(l.diags.Errs())
		obj, ok := l.evalNode(n, s)
		if !ok || len(l.diags.Errs()) > before {
			failed[n.addr] = true
			continue
		}
		switch n.kind {
		case kindLocals:
			s.locals[n.name] = obj
		case kindVariable, kindOutput, kindPolicy, kindPromotion:
		default:
			s.set(n.kind, n.name, obj)
		}
	}
}

// evalNode evaluates one node and returns the object references see.
func (l *loader) evalNode(n *node, s *scope) (cty.Value, bool) {
	deps := n.deps
	if n.kind == kindVariable {
		// A validation reads the variable itself, which the graph leaves
		// out (it is not a dependency: the value is known up front).
		deps = map[string]hcl.Range{n.addr: {}}
		for k, v := range n.deps {
			deps[k] = v
		}
	}
	ctx := s.evalContextFor(deps, nil)
	if n.kind == kindLocals {
		v, diags := n.attr.Expr.Value(ctx)
		l.diags = append(l.diags, diags...)
		l.cfg.Locals[n.name] = &Local{Name: n.name, Value: v, DeclRange: n.attr.SrcRange}
		return v, !diags.HasErrors()
	}
	e := l.newBlockEval(n.block, ctx)
	switch n.kind {
	case kindVariable:
		l.validateVariable(n.block, ctx)
		return cty.NilVal, true
	case kindStorage:
		l.evalStorage(e, n)
	case kindEnvironment:
		l.evalEnvironment(e, n)
	case kindDataset:
		l.evalDataset(e, n)
	case kindModel:
		l.evalModel(e, n)
	case kindPolicy:
		l.evalPolicy(e, n)
	case kindPromotion:
		l.evalPromotion(e, n, s)
	case kindOutput:
		l.evalOutput(n)
		return cty.NilVal, true
	}
	if e.failed {
		return cty.NilVal, false
	}
	attrs := map[string]cty.Value{"name": cty.StringVal(n.name)}
	for _, a := range objectAttrs(l.schema, n.kind) {
		attrs[a] = cty.NullVal(cty.DynamicPseudoType)
		if v, ok := e.vals[a]; ok {
			attrs[a] = v
		}
	}
	return cty.ObjectVal(attrs), true
}

// validateVariable runs a variable's validation blocks against its value.
func (l *loader) validateVariable(b *hclsyntax.Block, ctx *hcl.EvalContext) {
	v := l.cfg.Variables[b.Labels[0]]
	if v == nil || v.Value == cty.NilVal || !v.Value.IsWhollyKnown() {
		return
	}
	for _, vb := range b.Body.Blocks {
		if vb.Type != "validation" {
			continue
		}
		ca, okc := vb.Body.Attributes["condition"]
		ma, okm := vb.Body.Attributes["error_message"]
		if !okc || !okm {
			continue
		}
		cond, diags := ca.Expr.Value(ctx)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			continue
		}
		cond, _ = cond.Unmark()
		c, err := convert.Convert(cond, cty.Bool)
		if err != nil || c.IsNull() || !c.IsKnown() {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid validation condition",
				Detail:   "The condition must be a bool (true or false).",
				Subject:  ca.Expr.Range().Ptr(),
			})
			continue
		}
		if c.True() {
			continue
		}
		msg := "The value is not valid."
		if mv, md := ma.Expr.Value(ctx); !md.HasErrors() {
			if mv.ContainsMarked() {
				msg = "The value is not valid (the error message refers to a sensitive value and is not shown)."
			} else if ms, err := convert.Convert(mv, cty.String); err == nil && !ms.IsNull() {
				msg = ms.AsString()
			}
		}
		subject := l.varRanges[v.Name]
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("%s\n\nvar.%s (from %s) failed the validation rule at %s.", msg, v.Name, v.Source, rangeString(ca.Expr.Range())),
			Subject:  subject.Ptr(),
		})
	}
}

func (l *loader) evalStorage(e *blockEval, n *node) {
	st := &Storage{Name: n.name, DeclRange: n.block.DefRange()}
	if u, a, ok := e.str("url", true); ok {
		if err := checkBlobURL(u); err != nil {
			e.failed = true
			l.diags = append(l.diags, urlDiag("url in "+e.where, err, a.Expr.Range()))
		}
		st.URL = u
	}
	l.cfg.Storage[n.name] = st
}

func (l *loader) evalEnvironment(e *blockEval, n *node) {
	env := &Environment{Name: n.name, Executor: DefaultExecutor, DeclRange: n.block.DefRange()}
	if s, a, ok := e.str("executor", false); ok {
		if !hclsyntax.ValidIdentifier(s) {
			e.errorf(a.Expr.Range(), "Invalid executor", "executor in %s must name an executor, like \"local\"; %q is not a name.", e.where, s)
		}
		env.Executor = s
	}
	env.Files = e.globs("files")
	env.Env, env.Sensitive = e.strMap("env")
	if s, _, ok := e.str("image", false); ok {
		env.Image = s
	}
	l.cfg.Environments[n.name] = env
}

func (l *loader) evalDataset(e *blockEval, n *node) {
	d := &Dataset{Name: n.name, DeclRange: n.block.DefRange()}
	if s, a, ok := e.str("source", true); ok {
		if err := checkSource(s); err != nil {
			e.failed = true
			l.diags = append(l.diags, urlDiag("source in "+e.where, err, a.Expr.Range()))
		}
		d.Source = s
	}
	d.Include = e.globs("include")
	d.Exclude = e.globs("exclude")
	if s, ok := e.ref("storage", kindStorage); ok {
		d.Storage = s
	}
	if s, _, ok := e.str("description", false); ok {
		d.Description = s
	}
	for _, b := range n.block.Body.Blocks {
		if b.Type == "stats" {
			se := e.sub(b, e.where)
			cols, a, ok := se.strList("columns")
			if ok && len(cols) == 0 {
				se.errorf(a.Expr.Range(), "Invalid stats columns", "columns in %s lists no column; remove the stats block to profile nothing.", se.where)
			}
			e.failed = e.failed || se.failed
			d.Stats = &Stats{Columns: cols}
		}
	}
	l.cfg.Datasets[n.name] = d
}

func (l *loader) evalModel(e *blockEval, n *node) {
	m := &Model{Name: n.name, DeclRange: n.block.DefRange()}
	if s, _, ok := e.str("description", false); ok {
		m.Description = s
	}
	if list, ok := e.refList("datasets", kindDataset); ok {
		m.Datasets = list
	}
	if s, ok := e.ref("environment", kindEnvironment); ok {
		m.Environment = s
	}
	m.Code = e.globs("code")
	if s, ok := e.ref("storage", kindStorage); ok {
		m.Storage = s
	}
	for _, b := range n.block.Body.Blocks {
		se := e.sub(b, e.where)
		step := Step{Range: b.DefRange()}
		if cmd, a, ok := se.strList("command"); ok {
			if len(cmd) == 0 || strings.TrimSpace(cmd[0]) == "" {
				se.errorf(a.Expr.Range(), "Invalid command", "command in %s must name a program to run, like [\"python\", \"train.py\"].", se.where)
			}
			step.Command = cmd
		}
		step.Params = se.params("params")
		step.Timeout = se.duration("timeout", 1)
		e.failed = e.failed || se.failed
		switch b.Type {
		case "train":
			m.Train = step
		case "evaluate":
			s := step
			m.Evaluate = &s
		}
	}
	l.cfg.Models[n.name] = m
}

// onChangeKinds are the input kinds a retrain policy can react to.
var onChangeKinds = []string{"data", "code", "params", "environment"} // constant table

func (l *loader) evalPolicy(e *blockEval, n *node) {
	p := &RetrainPolicy{Name: n.name, DeclRange: n.block.DefRange()}
	if list, ok := e.refList("models", kindModel); ok {
		p.Models = list
		l.checkOnePolicyPerModel(e, p)
	}
	if list, a, ok := e.strList("on_change"); ok {
		seen := map[string]bool{}
		for _, k := range list {
			valid := false
			for _, known := range onChangeKinds {
				valid = valid || k == known
			}
			switch {
			case !valid:
				detail := fmt.Sprintf("on_change in %s: %q is not an input kind; use any of %s.", e.where, k, strings.Join(onChangeKinds, ", "))
				if s := suggest(k, onChangeKinds); s != "" {
					detail += fmt.Sprintf(" Did you mean %q?", s)
				}
				e.errorf(a.Expr.Range(), "Invalid on_change", "%s", detail)
			case seen[k]:
				e.errorf(a.Expr.Range(), "Invalid on_change", "on_change in %s lists %q twice.", e.where, k)
			}
			seen[k] = true
		}
		p.OnChange = list
	}
	if s, a, ok := e.str("schedule", false); ok {
		if err := checkCron(s); err != nil {
			e.errorf(a.Expr.Range(), "Invalid schedule", "schedule in %s: %v.", e.where, err)
		}
		p.Schedule = strings.TrimSpace(s)
	}
	p.Every = e.duration("every", 1)
	p.Cooldown = e.duration("cooldown", 0)
	for _, b := range n.block.Body.Blocks {
		se := e.sub(b, e.where)
		switch b.Type {
		case "metric":
			mt := MetricTrigger{Name: b.Labels[0], Range: b.DefRange()}
			if f, _, ok := se.number("below"); ok {
				mt.Below = &f
			}
			if f, _, ok := se.number("above"); ok {
				mt.Above = &f
			}
			if mt.Below == nil && mt.Above == nil && !se.failed {
				se.errorf(b.DefRange(), "Empty metric trigger", "%s needs below, above or both: the bound that triggers a retrain.", se.where)
			}
			if mt.Below != nil && mt.Above != nil && *mt.Above <= *mt.Below && !se.failed {
				// Both bounds: the metric must stay within [below, above].
				se.errorf(b.DefRange(), "Contradictory metric trigger", "%s: below = %g and above = %g fire for every value; below must be less than above (the metric must stay between them).", se.where, *mt.Below, *mt.Above)
			}
			for _, prev := range p.Metrics {
				if prev.Name == mt.Name {
					se.errorf(b.DefRange(), "Duplicate metric trigger", "%s already has a metric %q block at %s.", e.where, mt.Name, rangeString(prev.Range))
				}
			}
			p.Metrics = append(p.Metrics, mt)
		case "drift":
			d := &Drift{Method: "psi", Range: b.DefRange()}
			if s, a, ok := se.str("method", false); ok {
				if s != "psi" && s != "ks" {
					se.errorf(a.Expr.Range(), "Invalid drift method", "method in %s must be \"psi\" (population stability index) or \"ks\" (Kolmogorov-Smirnov), not %q.", se.where, s)
				}
				d.Method = s
			}
			if f, a, ok := se.number("threshold"); ok {
				if f <= 0 || (d.Method == "ks" && f > 1) {
					se.errorf(a.Expr.Range(), "Invalid drift threshold", "threshold in %s must be greater than 0%s, not %g.", se.where, map[bool]string{true: " and at most 1 for ks"}[d.Method == "ks"], f)
				}
				d.Threshold = f
			}
			if cols, _, ok := se.strList("columns"); ok {
				d.Columns = cols
			}
			p.Drift = d
		}
		e.failed = e.failed || se.failed
	}
	l.cfg.RetrainPolicies[n.name] = p
}

// checkOnePolicyPerModel refuses a model governed by two policies: which
// one decides would otherwise depend on names.
func (l *loader) checkOnePolicyPerModel(e *blockEval, p *RetrainPolicy) {
	a := e.body.Attributes["models"]
	for _, other := range sortedKeys(l.cfg.RetrainPolicies) {
		for _, m := range l.cfg.RetrainPolicies[other].Models {
			for _, mine := range p.Models {
				if m == mine {
					e.errorf(a.Expr.Range(), "Model governed by two retrain policies",
						"model.%s is already governed by retrain_policy %q (%s); a model may have one retrain policy.", m, other, rangeString(l.cfg.RetrainPolicies[other].DeclRange))
				}
			}
		}
	}
}

func (l *loader) evalPromotion(e *blockEval, n *node, s *scope) {
	p := &Promotion{Name: n.name, DeclRange: n.block.DefRange()}
	if s, ok := e.ref("model", kindModel); ok {
		p.Model = s
	}
	if s, a, ok := e.str("alias", false); ok {
		if err := checkAlias(s); err != nil {
			e.errorf(a.Expr.Range(), "Invalid alias", "alias in %s: %v.", e.where, err)
		}
		p.Alias = s
	}
	if v, a, ok := e.integer("version"); ok {
		if v < 1 {
			e.errorf(a.Expr.Range(), "Invalid version", "version in %s pins the alias to a version number, 1 or more; got %d.", e.where, v)
		}
		p.Version = v
	}
	if s, a, ok := e.str("must_beat", false); ok {
		if strings.TrimSpace(s) == "" {
			e.errorf(a.Expr.Range(), "Invalid must_beat", "must_beat in %s must name a metric, like \"accuracy\".", e.where)
		}
		p.MustBeat = &MustBeat{Metric: s, Direction: "higher", Range: a.SrcRange}
	}
	for _, b := range n.block.Body.Blocks {
		se := e.sub(b, e.where)
		switch b.Type {
		case "gate":
			gateCtx := s.evalContextFor(n.deps, map[string]cty.Value{"candidate": cty.DynamicVal, "champion": cty.DynamicVal})
			p.Gates = append(p.Gates, l.evalGateBlock(se, b, gateCtx))
		case "must_beat":
			mb := &MustBeat{Direction: "higher", Range: b.DefRange()}
			if s, a, ok := se.str("metric", false); ok {
				if strings.TrimSpace(s) == "" {
					se.errorf(a.Expr.Range(), "Invalid must_beat", "metric in %s must name a metric, like \"accuracy\".", se.where)
				}
				mb.Metric = s
			}
			if s, a, ok := se.str("direction", false); ok {
				if s != "higher" && s != "lower" {
					se.errorf(a.Expr.Range(), "Invalid direction", "direction in %s must be \"higher\" (bigger is better, the default) or \"lower\" (smaller is better, like a loss), not %q.", se.where, s)
				}
				mb.Direction = s
			}
			if f, a, ok := se.number("min_delta"); ok {
				if f < 0 {
					se.errorf(a.Expr.Range(), "Invalid min_delta", "min_delta in %s must be 0 or more, not %g.", se.where, f)
				}
				mb.MinDelta = f
			}
			p.MustBeat = mb
		case "publish":
			pub := &Publish{Range: b.DefRange()}
			if u, a, ok := se.str("url", true); ok {
				if err := checkBlobURL(u); err != nil {
					se.failed = true
					l.diags = append(l.diags, urlDiag("url in "+se.where, err, a.Expr.Range()))
				}
				pub.URL = u
			}
			p.Publish = pub
		}
		e.failed = e.failed || se.failed
	}
	l.checkAliasOwner(e, p)
	l.cfg.Promotions[n.name] = p
}

// checkAliasOwner refuses two promotions moving the same alias of the
// same model: they would fight over it.
func (l *loader) checkAliasOwner(e *blockEval, p *Promotion) {
	if p.Model == "" || p.Alias == "" {
		return
	}
	for _, other := range sortedKeys(l.cfg.Promotions) {
		o := l.cfg.Promotions[other]
		if o.Model == p.Model && o.Alias == p.Alias {
			e.errorf(e.body.Attributes["alias"].Expr.Range(), "Alias moved by two promotions",
				"promotion %q (%s) already moves model.%s@%s; one promotion owns each alias.", other, rangeString(o.DeclRange), p.Model, p.Alias)
		}
	}
}

// evalGateBlock keeps a gate's condition as an expression and checks it
// now with unknown metrics, so type errors surface at validate time.
func (l *loader) evalGateBlock(se *blockEval, b *hclsyntax.Block, ctx *hcl.EvalContext) Gate {
	g := Gate{Range: b.DefRange()}
	a, ok := b.Body.Attributes["condition"]
	if !ok {
		return g
	}
	g.Condition = a.Expr
	v, diags := a.Expr.Value(ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		se.failed = true
	} else if v.IsKnown() && !v.IsNull() {
		if _, err := convert.Convert(v, cty.Bool); err != nil {
			se.errorf(a.Expr.Range(), "Invalid gate condition", "condition in %s must be true or false: %s.", se.where, errText(err))
		}
	}
	if s, _, ok := se.str("error_message", false); ok {
		g.ErrorMessage = s
	} else {
		g.ErrorMessage = fmt.Sprintf("gate condition %s is false", strings.TrimSpace(string(a.Expr.Range().SliceBytes(l.rawFiles[a.SrcRange.Filename]))))
	}
	return g
}

// evalOutput records an output and checks its expression against a world
// where every recorded value is unknown.
func (l *loader) evalOutput(n *node) {
	o := &Output{Name: n.name, DeclRange: n.block.DefRange()}
	body := n.block.Body
	if s, ok := l.staticString(body, "description"); ok {
		o.Description = s
	}
	if b, ok := l.staticBool(body, "sensitive"); ok {
		o.Sensitive = b
	}
	a, ok := body.Attributes["value"]
	if !ok {
		return
	}
	o.Expr = a.Expr
	l.cfg.Outputs[n.name] = o
	v, diags := a.Expr.Value(l.cfg.worldContext(nil))
	l.diags = append(l.diags, diags...)
	if !diags.HasErrors() && v.ContainsMarked() && !o.Sensitive {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Output refers to sensitive values",
			Detail:   fmt.Sprintf("output %q is derived from a sensitive variable; add sensitive = true to the output block so its value is never printed.", n.name),
			Subject:  a.Expr.Range().Ptr(),
		})
	}
}
