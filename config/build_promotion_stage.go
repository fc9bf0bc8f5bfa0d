package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mlform/mlform/config/check"
)

// Staged promotions: `from = "staging"` takes a promotion's candidate from
// another alias of the same model (the version that alias points at)
// instead of the latest succeeded version, so staging -> production is two
// promotions; `approval = true` holds a candidate that passes until a
// person runs `mlform approve promotion.NAME vN`; `evaluate_on` names the
// datasets candidate and champion are both evaluated on (their current
// snapshots) instead of the candidate's training data.

// evalPromotionStage reads from, approval and evaluate_on.
func (e *blockEval) evalPromotionStage(p *Promotion) {
	if s, a, ok := e.Str("from", false); ok {
		if err := check.Alias(s); err != nil {
			e.Errorf(a.Expr.Range(), "Invalid from", "from in %s names the alias the candidate comes from: %v.", e.Where, err)
		} else if s == p.Alias && p.Alias != "" {
			e.Errorf(a.Expr.Range(), "Invalid from", "from in %s names the alias the promotion moves (%q); name another alias of the model, like \"staging\".", e.Where, s)
		}
		p.From, p.FromRange = s, a.Expr.Range()
	}
	if v, a, ok := e.Value("approval"); ok {
		if c, ok := e.Plain("approval", a, v, cty.Bool, "true or false", false); ok {
			p.Approval = c.True()
		}
	}
	if list, ok := e.refList("evaluate_on", kindDataset); ok {
		p.EvaluateOn, p.EvaluateOnRange = list, e.Body.Attributes["evaluate_on"].Expr.Range()
		if len(list) == 0 {
			e.Errorf(e.Body.Attributes["evaluate_on"].Expr.Range(), "Invalid evaluate_on",
				"evaluate_on in %s lists no dataset; remove it to evaluate on the candidate's training data.", e.Where)
		}
	}
}

// checkPromotionSources checks that every `from` names an alias another
// promotion of the same model moves (an alias nothing moves would never
// give a candidate), and that no chain of them is a cycle. It runs once
// every promotion is read.
func (l *loader) checkPromotionSources() {
	owners := map[string]*Promotion{} // model@alias -> promotion
	for _, p := range l.cfg.Promotions {
		owners[p.Model+"@"+p.Alias] = p
	}
	for _, name := range slices.Sorted(maps.Keys(l.cfg.Promotions)) {
		p := l.cfg.Promotions[name]
		if m := l.cfg.Models[p.Model]; m != nil && m.Evaluate == nil && len(p.EvaluateOn) > 0 {
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "evaluate_on without an evaluate step",
				Detail: fmt.Sprintf("promotion %q scores candidate and champion on %s with the evaluate step of model.%s, which declares none (%s). Add an evaluate block to the model or remove evaluate_on.",
					name, strings.Join(p.EvaluateOn, ", "), p.Model, rangeString(m.DeclRange)),
				Subject: p.EvaluateOnRange.Ptr()})
		}
		if p.From == "" || p.From == p.Alias {
			continue
		}
		if owners[p.Model+"@"+p.From] == nil {
			if len(l.unreadPromotions) > 0 {
				// The promotion moving that alias may be one whose
				// block has an error of its own, reported already.
				continue
			}
			var aliases []string
			for _, o := range l.cfg.Promotions {
				if o.Model == p.Model && o.Alias != p.Alias {
					aliases = append(aliases, o.Alias)
				}
			}
			slices.Sort(aliases)
			aliases = slices.Compact(aliases) // two promotions may move one alias (a duplicate is reported apart)
			detail := fmt.Sprintf("promotion %q takes its candidate from alias %q of model.%s, but no promotion moves that alias, so it would never point at a version.", name, p.From, p.Model)
			if s := suggest(p.From, aliases); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			} else if len(aliases) > 0 {
				detail += fmt.Sprintf(" Promotions of model.%s move: %s.", p.Model, strings.Join(aliases, ", "))
			} else {
				detail += fmt.Sprintf(" Declare a promotion that moves %q (for example a staging promotion without approval).", p.From)
			}
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown source alias", Detail: detail, Subject: p.FromRange.Ptr()})
			continue
		}
		// Follow the chain; coming back to p is a cycle.
		seen := map[string]bool{name: true}
		chain := []string{p.Alias}
		for cur := owners[p.Model+"@"+p.From]; cur != nil; cur = owners[p.Model+"@"+cur.From] {
			chain = append(chain, cur.Alias)
			if seen[cur.Name] {
				if cur.Name == name {
					l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Promotion cycle",
						Detail:  fmt.Sprintf("promotion %q takes its candidate from a chain of aliases that leads back to its own: %s. One promotion of the chain must take the latest version (no from).", name, strings.Join(chain, " <- ")),
						Subject: p.FromRange.Ptr()})
				}
				break
			}
			seen[cur.Name] = true
			if cur.From == "" {
				break
			}
		}
	}
}
