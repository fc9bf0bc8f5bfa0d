package model

import (
	"context"
	"fmt"
	"strings"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/internal/whoami"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/state"
)

// planPromotion decides where a promotion's alias goes. train is the
// model's train action in this plan (nil: none), which makes the
// candidate known only after apply. A held candidate or an alias already
// in place is a note; a move (or a pending one) is a promote action that
// also publishes when the promotion has a publish URL. Without a move, a
// publish action re-publishes an alias whose last publication differs.
func planPromotion(pc *engine.PlanContext, pr *promotionSpec, spec *modelSpec, train *plans.Action) error {
	addr := "promotion." + pr.Name
	in := promotionInput(pc.State, pr)
	if train != nil {
		in.PlannedVersion = train.Train.Version
	}
	d, err := policy.DecidePromotion(in)
	if err != nil {
		return err
	}
	if (d.Outcome == policy.PromoteMove || d.Outcome == policy.PromoteHeld) && !d.Pinned && d.From > 0 &&
		spec.Evaluate != nil && in.ChampionMetrics == nil {
		// apply evaluates the champion on the candidate's data first
		// (evaluateChampion): the outcome is known only then.
		d.Outcome = policy.PromotePending
		d.Reasons = []policy.Reason{{Code: policy.ReasonCandidate, Message: fmt.Sprintf("alias %s moves to v%d if it passes %s%s, once v%d is evaluated on its data (during apply)",
			pr.Alias, d.To, textfmt.Count(len(pr.Gates), "gate"), beatsText(pr.MustBeat, d.From), d.From)}}
	}
	switch d.Outcome {
	case policy.PromoteMove, policy.PromotePending:
		a := &plans.Action{Addr: addr, Kind: plans.KindPromote, Reasons: convertReasons(d.Reasons),
			Promote: &plans.PromoteChange{Model: pr.Model, Promotion: pr.Name, Alias: pr.Alias, From: d.From, To: d.To,
				Gates: len(pr.Gates), Pinned: d.Pinned, KnownAfterApply: d.Outcome == policy.PromotePending}}
		if pr.MustBeat != nil {
			a.Promote.MustBeat = pr.MustBeat.Metric
		}
		if d.Outcome == policy.PromotePending && d.To == 0 && train != nil {
			a.Promote.To = train.Train.Version // "v5 -> v6 (known after apply)"
		}
		if train != nil && !d.Pinned {
			// The candidate (or the champion evaluation) comes from this
			// train; a pin does not wait for it, nor fail with it.
			a.DependsOn = []string{train.Addr}
		}
		if pr.PublishURL != "" {
			a.Reasons = append(a.Reasons, plans.Reason{Code: ReasonPublish, Message: "then publishes it to " + pr.publishDisplay()})
		}
		pc.AddAction(a)
		return nil
	case policy.PromoteHeld:
		pc.AddNote(&plans.Note{Addr: addr, Code: ReasonHeld, Message: fmt.Sprintf("%s: %s", aliasStays(pr.Alias, d.From), d.Reasons[0].Message)})
	case policy.PromoteNone:
		if d.Note != "" {
			pc.AddNote(&plans.Note{Addr: addr, Message: d.Note})
		}
		if d.Pinned && train != nil {
			// A reviewer must see that the new version will not serve.
			pc.AddNote(&plans.Note{Addr: addr, Message: fmt.Sprintf("%s (pinned by version = %d): v%d, trained by this plan, is not promoted while the pin stays",
				aliasStays(pr.Alias, d.From), pr.Version, train.Train.Version)})
		}
	}
	planRepublish(pc, pr)
	return nil
}

// planRepublish adds a publish action when the alias's version is not
// what was last published to the promotion's URL (a failed publish, a
// new publish block, a changed URL).
func planRepublish(pc *engine.PlanContext, pr *promotionSpec) {
	if pr.PublishURL == "" {
		return
	}
	m := pc.State.Models[pr.Model]
	if m == nil || m.Aliases[pr.Alias] == nil {
		return
	}
	v := m.Aliases[pr.Alias].Version
	last := pc.State.Publications[pr.Name]
	url := pr.publishDisplay()
	if last != nil && last.Version == v && last.URL == url {
		return
	}
	why := fmt.Sprintf("v%d is not published to %s yet", v, url)
	if last != nil && last.URL == url {
		why = fmt.Sprintf("%s has v%d, alias %s points at v%d", url, last.Version, pr.Alias, v)
	}
	pc.AddAction(&plans.Action{Addr: "promotion." + pr.Name, Kind: plans.KindPublish, Reasons: []plans.Reason{{Code: ReasonPublish, Message: why}},
		Publish: &plans.PublishChange{Promotion: pr.Name, Model: pr.Model, URL: url, Version: v}})
}

// promotionInput gathers what DecidePromotion needs from state. Champion
// metrics come from the champion's evaluation on the model's current
// snapshots when one is recorded, so candidate and champion are compared
// on the same data; else from its training.
func promotionInput(st *state.State, pr *promotionSpec) policy.PromotionInput {
	in := policy.PromotionInput{Promotion: pr.Name, Model: pr.Model, Alias: pr.Alias, Pinned: pr.Version,
		Gates: pr.Gates, MustBeat: pr.MustBeat}
	m := st.Models[pr.Model]
	if m == nil {
		return in
	}
	in.Versions = m.Versions
	if al := m.Aliases[pr.Alias]; al != nil {
		in.Current = al.Version
	}
	if cand := policy.LatestSucceeded(m); cand != nil && in.Current > 0 {
		if ev := cachedEvaluation(m, in.Current, cand.Inputs.Snapshots); ev != nil {
			in.ChampionMetrics = ev.Metrics
		}
	}
	return in
}

// Outcomes of a promote action that succeeded, as PromoteOutcome reports
// them: the alias moved, the candidate was held by a gate or must_beat, or
// nothing needed to move.
const (
	PromoteMoved     = "promoted"
	PromoteHeld      = "held"
	PromoteUnchanged = "unchanged"
)

// The summaries runPromote sets start with these, which is how
// PromoteOutcome tells the outcomes apart after the run.
const (
	promotedPrefix = PromoteMoved + ":"
	heldPrefix     = PromoteHeld + ":"
)

// PromoteOutcome says what a succeeded promote action did, so the apply
// summary counts moved aliases and held candidates separately ("" for
// any other action or status).
func PromoteOutcome(r *engine.ActionResult) string {
	if r == nil || r.Action == nil || r.Action.Kind != plans.KindPromote || r.Status != engine.ResultSucceeded {
		return ""
	}
	switch {
	case strings.HasPrefix(r.Summary, promotedPrefix):
		return PromoteMoved
	case strings.HasPrefix(r.Summary, heldPrefix):
		return PromoteHeld
	}
	return PromoteUnchanged
}

// runPromote decides the promotion again on the state as apply left it
// (the candidate trained by this plan now has metrics), then moves the
// alias, or reports it held, and publishes a moved alias.
func runPromote(ctx context.Context, rc *engine.RunContext, a *plans.Action, specs *modelSpecs) error {
	pc := a.Promote
	pr := specs.Promotions[pc.Promotion]
	if pr == nil {
		return fmt.Errorf("promotion.%s is no longer declared; run plan again", pc.Promotion)
	}
	if spec := specs.Models[pr.Model]; spec != nil && spec.Evaluate != nil && pr.Version == 0 {
		evaluateChampion(ctx, rc, a, spec, pr)
	}
	var d policy.PromotionDecision
	var err error
	rc.ReadState(func(st *state.State) { d, err = policy.DecidePromotion(promotionInput(st, pr)) })
	if err != nil {
		return err
	}
	switch d.Outcome {
	case policy.PromoteHeld:
		rc.SetSummary(a, fmt.Sprintf("%s v%d stays out of %s: %s", heldPrefix, d.To, pr.Alias, strings.Join(d.Failures, "; ")))
		return nil
	case policy.PromoteNone:
		msg := d.Note
		if msg == "" {
			msg = aliasStays(pr.Alias, d.From)
		}
		rc.SetSummary(a, msg)
		return nil
	}
	move := &state.AliasMove{From: d.From, To: d.To, At: rc.Workspace.Now.UTC(), By: whoami.UserAtHost(),
		PlanDigest: plans.Digest(rc.Plan), Promotion: pr.Name, Reason: d.Reasons[0].Message}
	err = rc.UpdateState(ctx, func(st *state.State) error {
		m := st.Models[pr.Model]
		if m == nil || m.Version(d.To) == nil {
			return fmt.Errorf("model.%s v%d vanished from state", pr.Model, d.To)
		}
		if m.Aliases == nil {
			m.Aliases = map[string]*state.Alias{}
		}
		al := m.Aliases[pr.Alias]
		if al == nil {
			al = &state.Alias{Name: pr.Alias}
			m.Aliases[pr.Alias] = al
		}
		al.Version = d.To
		al.History = append(al.History, move)
		return nil
	})
	if err != nil {
		return err
	}
	summary := fmt.Sprintf("%s %s %s", promotedPrefix, pr.Alias, moveText(d.From, d.To))
	if pr.PublishURL != "" {
		if err := publish(ctx, rc, pr, d.To); err != nil {
			rc.SetSummary(a, summary)
			return fmt.Errorf("alias moved, but publishing failed (the next plan publishes again): %w", err)
		}
		summary += ", published to " + pr.publishDisplay()
	}
	rc.SetSummary(a, summary)
	return nil
}

// evaluateChampion evaluates the alias's current version on the
// candidate's snapshots, unless state already records that evaluation, so
// gates and must_beat compare the two on the same data. If it cannot run,
// the recorded metrics are compared instead, and the log says so.
func evaluateChampion(ctx context.Context, rc *engine.RunContext, a *plans.Action, spec *modelSpec, pr *promotionSpec) {
	var champ *state.Version
	var snaps, stores map[string]string
	var err error
	rc.ReadState(func(st *state.State) {
		m := st.Models[pr.Model]
		if m == nil || m.Aliases[pr.Alias] == nil {
			return
		}
		cand := policy.LatestSucceeded(m)
		cur := m.Version(m.Aliases[pr.Alias].Version)
		if cand == nil || cur == nil || cur.Status != state.StatusSucceeded || cur.Version == cand.Version ||
			cachedEvaluation(m, cur.Version, cand.Inputs.Snapshots) != nil {
			return
		}
		cp := *cur
		champ, snaps = &cp, cand.Inputs.Snapshots
		stores, err = snapshotStores(st, snaps)
	})
	if champ == nil {
		return
	}
	if err == nil {
		_, err = evaluateVersion(ctx, rc, a, spec, champ, snaps, stores)
	}
	if err != nil {
		rc.Progress.Logf(a, "comparing recorded metrics: could not evaluate champion v%d on the candidate's data: %v", champ.Version, err)
	}
}

// runPublish re-publishes the alias's current version.
func runPublish(ctx context.Context, rc *engine.RunContext, a *plans.Action, specs *modelSpecs) error {
	pr := specs.Promotions[a.Publish.Promotion]
	if pr == nil || pr.PublishURL == "" {
		return fmt.Errorf("promotion.%s no longer publishes; run plan again", a.Publish.Promotion)
	}
	v := 0
	rc.ReadState(func(st *state.State) {
		if m := st.Models[pr.Model]; m != nil && m.Aliases[pr.Alias] != nil {
			v = m.Aliases[pr.Alias].Version
		}
	})
	if v == 0 {
		return fmt.Errorf("alias %s of model.%s does not exist; run plan again", pr.Alias, pr.Model)
	}
	if err := publish(ctx, rc, pr, v); err != nil {
		return err
	}
	rc.SetSummary(a, fmt.Sprintf("published v%d to %s", v, pr.publishDisplay()))
	return nil
}

// beatsText is " and beats vN on METRIC" for a must_beat, else "".
func beatsText(mb *policy.MustBeat, champ int) string {
	if mb == nil {
		return ""
	}
	return fmt.Sprintf(" and beats v%d on %s", champ, mb.Metric)
}

// aliasStays says where an alias that does not move stays: at a version,
// or unset when it never pointed anywhere (not "v0").
func aliasStays(alias string, at int) string {
	if at == 0 {
		return fmt.Sprintf("alias %s stays unset", alias)
	}
	return fmt.Sprintf("alias %s stays at v%d", alias, at)
}

func moveText(from, to int) string {
	if from == 0 {
		return fmt.Sprintf("-> v%d (new alias)", to)
	}
	return fmt.Sprintf("v%d -> v%d", from, to)
}
