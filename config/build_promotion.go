package config

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/mlform/mlform/config/check"
	"github.com/mlform/mlform/internal/bloburl"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// evalPromotion reads a promotion: model, alias, gates (kept as
// expressions), must_beat, pin and publish target.
func (l *loader) evalPromotion(e *blockEval, n, local *node, s *scope) {
	p := &Promotion{Name: n.name, DeclRange: n.block.DefRange()}
	if s, ok := e.ref("model", kindModel); ok {
		p.Model = s
	}
	if s, a, ok := e.Str("alias", false); ok {
		if err := check.Alias(s); err != nil {
			e.Errorf(a.Expr.Range(), "Invalid alias", "alias in %s: %v.", e.Where, err)
		}
		p.Alias = s
	}
	if v, a, ok := e.Integer("version"); ok {
		if v < 1 {
			e.Errorf(a.Expr.Range(), "Invalid version", "version in %s pins the alias to a version number, 1 or more; got %d.", e.Where, v)
		}
		p.Version = v
	}
	e.evalPromotionStage(p)
	for _, b := range n.block.Body.Blocks {
		se := e.sub(b, e.Where)
		switch b.Type {
		case "gate":
			extra := map[string]cty.Value{"candidate": unknownMetrics, "champion": unknownMetrics}
			for k, v := range n.extra {
				extra[k] = v
			}
			gateCtx := s.evalContextFor(local.deps, extra, l.calledFunctions(local))
			g := l.evalGateBlock(se, b, gateCtx)
			g.instance, g.scope = n.extra, s
			p.Gates = append(p.Gates, g)
		case "must_beat":
			p.MustBeat = evalMustBeat(se, b)
		case "publish":
			pub := &Publish{Range: b.DefRange()}
			if u, a, ok := se.Str("url", true); ok {
				se.CheckURL("url", a, u, check.BlobURL)
				pub.URL, pub.URLSensitive, pub.URLRange = u, se.Vals["url"].ContainsMarked(), a.Expr.Range()
				l.checkPublishOwner(se, a, p, u)
			}
			p.Publish = pub
		}
		e.Failed = e.Failed || se.Failed
	}
	l.checkAliasOwner(e, p)
	l.cfg.Promotions[n.name] = p
}

// evalMustBeat reads a must_beat block: the metric, which way is better
// (higher by default) and the margin to win by.
func evalMustBeat(se *blockEval, b *hclsyntax.Block) *MustBeat {
	mb := &MustBeat{Direction: "higher", Range: b.DefRange()}
	if s, a, ok := se.Str("metric", false); ok {
		if strings.TrimSpace(s) == "" {
			se.Errorf(a.Expr.Range(), "Invalid must_beat", "metric in %s must name a metric, like \"accuracy\".", se.Where)
		}
		mb.Metric, mb.MetricRange = s, a.Expr.Range()
	}
	if s, a, ok := se.Str("direction", false); ok {
		if s != "higher" && s != "lower" {
			se.Errorf(a.Expr.Range(), "Invalid direction", "direction in %s must be \"higher\" (bigger is better, the default) or \"lower\" (smaller is better, like a loss), not %q.", se.Where, s)
		}
		mb.Direction = s
	}
	if f, a, ok := se.Number("min_delta"); ok {
		if f < 0 {
			se.Errorf(a.Expr.Range(), "Invalid min_delta", "min_delta in %s must be 0 or more, not %g.", se.Where, f)
		}
		mb.MinDelta = f
	}
	return mb
}

// checkAliasOwner refuses two promotions moving the same alias of the
// same model: they would fight over it.
func (l *loader) checkAliasOwner(e *blockEval, p *Promotion) {
	if p.Model == "" || p.Alias == "" {
		return
	}
	key := p.Model + "@" + p.Alias
	other, taken := l.aliasOwner[key]
	if !taken {
		l.aliasOwner[key] = p.Name
		return
	}
	e.Errorf(e.Body.Attributes["alias"].Expr.Range(), "Alias moved by two promotions",
		"promotion %q (%s) already moves model.%s; one promotion owns each alias.", other, rangeString(l.cfg.Promotions[other].DeclRange), key)
}

// checkPublishOwner refuses a publish URL that another promotion already
// publishes to (the same place however it is spelled): each publish
// replaces the manifest there and deletes the files the previous one
// listed, so two promotions sharing a URL delete each other's published
// files while each believes its own version is published.
func (l *loader) checkPublishOwner(se *blockEval, a *hclsyntax.Attribute, p *Promotion, u string) {
	loc, err := bloburl.Parse(u)
	if err != nil {
		return // CheckURL reported it
	}
	key := loc.Place()
	if loc.Local() {
		key = "file://" + filepath.Clean(loc.LocalDir(l.rootDir()))
		if abs, err := filepath.Abs(key[len("file://"):]); err == nil {
			key = "file://" + abs
		}
	}
	other, taken := l.publishOwner[key]
	if !taken {
		l.publishOwner[key] = p.Name
		return
	}
	where := "the same location"
	if op := l.cfg.Promotions[other]; !se.Vals["url"].ContainsMarked() && op != nil && op.Publish != nil && !op.Publish.URLSensitive {
		where = bloburl.Redact(u)
	}
	se.Errorf(a.Expr.Range(), "Publish URL used by two promotions",
		"promotion %q (%s) already publishes to %s; each publish replaces the mlform-manifest.json there and deletes the files the previous publication listed, so give each promotion its own URL (a prefix or subdirectory).",
		other, rangeString(l.cfg.Promotions[other].DeclRange), where)
}

// checkPlaces refuses the publish URLs, storage places and dataset sources
// that overlap what mlform itself writes (check.Places says which and why),
// at the offending URL or source.
func (l *loader) checkPlaces() {
	var places []check.Place
	var ranges []hcl.Range
	add := func(kind check.PlaceKind, name, u string, r hcl.Range) {
		at := ""
		if r.Filename != "" {
			at = rangeString(r)
		}
		places, ranges = append(places, check.Place{Kind: kind, Name: name, At: at, URL: u}), append(ranges, r)
	}
	add(check.PlaceBackend, "", l.cfg.Backend.URL, l.cfg.Backend.URLRange)
	for _, name := range slices.Sorted(maps.Keys(l.cfg.Storage)) {
		add(check.PlaceStore, name, l.cfg.Storage[name].URL, l.cfg.Storage[name].URLRange)
	}
	for _, name := range slices.Sorted(maps.Keys(l.cfg.Promotions)) {
		if p := l.cfg.Promotions[name]; p.Publish != nil {
			add(check.PlacePublish, name, p.Publish.URL, p.Publish.URLRange)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(l.cfg.Datasets)) {
		add(check.PlaceSource, name, l.cfg.Datasets[name].Source, l.cfg.Datasets[name].SourceRange)
	}
	for _, p := range check.Places(places, l.rootDir()) {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: p.Summary, Detail: p.Detail, Subject: ranges[p.Index].Ptr()})
	}
}

// unknownMetrics stands for candidate and champion while a gate is checked
// at load time: only their metrics, numbers not known until apply (as
// EvalGate gives them), so a condition's type is known without them.
var unknownMetrics = cty.ObjectVal(map[string]cty.Value{"metrics": cty.UnknownVal(cty.Map(cty.Number))})

// evalGateBlock keeps a gate's condition as an expression and checks it
// now with unknown metrics, so type errors surface at validate time.
func (l *loader) evalGateBlock(se *blockEval, b *hclsyntax.Block, ctx *hcl.EvalContext) Gate {
	g := Gate{Range: b.DefRange()}
	a, ok := b.Body.Attributes["condition"]
	if !ok {
		return g
	}
	g.Condition = a.Expr
	v, diags := evalExpr(a.Expr, ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		se.Failed = true
	} else if v.IsKnown() && !v.IsNull() {
		if _, err := convert.Convert(v, cty.Bool); err != nil {
			se.Errorf(a.Expr.Range(), "Invalid gate condition", "condition in %s must be true or false: %s.", se.Where, errText(err))
		}
	} else if ty := v.Type(); ty != cty.DynamicPseudoType && !ty.Equals(cty.Bool) && convert.GetConversionUnsafe(ty, cty.Bool) == nil {
		// Unknown until apply, but of a type that can never be true
		// or false (a bare metric: condition = candidate.metrics.acc).
		se.Errorf(a.Expr.Range(), "Invalid gate condition", "condition in %s must be true or false: it is %s.", se.Where, ty.FriendlyName())
	}
	if s, _, ok := se.Str("error_message", false); ok {
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
	if s, ok := l.vs.StaticString(body, "description"); ok {
		o.Description = s
	}
	if b, ok := l.vs.StaticBool(body, "sensitive"); ok {
		o.Sensitive = b
	}
	a, ok := body.Attributes["value"]
	if !ok {
		return
	}
	o.Expr = a.Expr
	o.each = outputInstanceOf(n)
	l.cfg.Outputs[n.name] = o
	v, diags := o.eval(l.cfg.worldContext(nil))
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
