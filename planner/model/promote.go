package model

import (
	"context"
	"fmt"
	"strings"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/internal/whoami"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/notify"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/planner/publish"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

// planPromotion decides where a promotion's alias goes. train is the
// model's train action in this plan (nil: none), which makes the
// candidate known only after apply; so does a move of the alias a
// promotion with `from` takes its candidate from (moves: the promote
// actions planned so far, by alias). A held candidate, one awaiting
// approval or an alias already in place is a note; a move (or a pending
// one) is a promote action that also publishes when the promotion has a
// publish URL. Without a move, a publish action re-publishes an alias
// whose last publication differs. With announce (a notify block wants
// awaiting_approval events of the model), a candidate awaiting approval
// that apply has not announced since the alias last left it (state
// Model.Announced: after a rollback's pin is removed, say) is a promote
// action, which sends the event.
func planPromotion(pc *engine.PlanContext, pr *promotionSpec, spec *modelSpec, train *plans.Action, env promotionEnv, moves map[string]*plans.Action, announce bool) error {
	addr := "promotion." + pr.Name
	c := comparePromotion(pc.State, pr, spec, env)
	in := c.In
	var dep *plans.Action
	switch {
	case pr.From == "" && train != nil:
		in.PlannedVersion = train.Train.Version
		dep = train
	case pr.From != "" && moves[pr.From] != nil:
		dep = moves[pr.From]
		in.PlannedVersion = max(dep.Promote.To, 1)
	}
	d, err := policy.DecidePromotion(in)
	if err != nil {
		return err
	}
	decided := d.Outcome == policy.PromoteMove || d.Outcome == policy.PromoteHeld || d.Outcome == policy.PromoteAwaiting
	switch {
	case pr.From != "" && dep != nil && !d.Pinned:
		d.Outcome = policy.PromotePending
		d.To = dep.Promote.To
		d.Reasons = []policy.Reason{{Code: policy.ReasonCandidate, Message: fmt.Sprintf("alias %s moves to the version alias %s gets (v%d)%s%s",
			pr.Alias, pr.From, dep.Promote.To, conditionsText(pr, d.From), approvalText(pr))}}
	case decided && !d.Pinned && c.Problem != "":
		d.Outcome, d.Reasons = policy.PromoteHeld, []policy.Reason{{Code: policy.ReasonCandidate, Message: fmt.Sprintf("v%d held: %s", d.To, c.Problem)}}
	case decided && !d.Pinned && len(c.Missing) > 0:
		// apply evaluates candidate and champion the same way first
		// (evaluateMissing): the outcome is known only then.
		d.Outcome = policy.PromotePending
		d.Reasons = []policy.Reason{{Code: policy.ReasonCandidate, Message: fmt.Sprintf("alias %s moves to v%d%s%s, %s",
			pr.Alias, d.To, conditionsText(pr, d.From), approvalText(pr), c.missingText())}}
	case announce && d.Outcome == policy.PromoteAwaiting && !announced(pc.State, pr, d.To):
		// apply decides again (an approval may come first) and, if the
		// candidate still waits, announces it.
		d.Outcome = policy.PromotePending
		d.Reasons = []policy.Reason{{Code: policy.ReasonCandidate, Message: d.Reasons[0].Message + "; apply announces it (awaiting_approval event)"}}
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
		if dep != nil && !d.Pinned {
			// The candidate (or the champion evaluation) comes from this
			// train or the source alias's move; a pin does not wait for
			// it, nor fail with it.
			a.DependsOn = []string{dep.Addr}
		}
		a.DependsOn = append(a.DependsOn, snapshotDeps(pc, pr.EvaluateOn)...)
		if pr.PublishURL != "" {
			a.Reasons = append(a.Reasons, plans.Reason{Code: reasonPublish, Message: "then publishes it to " + pr.publishDisplay()})
		}
		pc.AddAction(a)
		moves[pr.Alias] = a
		return nil
	case policy.PromoteHeld, policy.PromoteAwaiting:
		pc.AddNote(&plans.Note{Addr: addr, Code: reasonHeld, Message: fmt.Sprintf("%s: %s", aliasStays(pr.Alias, d.From), d.Reasons[0].Message)})
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

// announced reports whether apply sent the awaiting_approval event of
// version for pr since the alias last moved away from it.
func announced(st *state.State, pr *promotionSpec, version int) bool {
	m := st.Models[pr.Model]
	return m != nil && m.Announced(pr.Name, pr.Alias, version)
}

// conditionsText is " if it passes 2 gate(s) and beats v1 on accuracy",
// or "" when nothing must hold.
func conditionsText(pr *promotionSpec, champ int) string {
	var conds []string
	if len(pr.Gates) > 0 {
		conds = append(conds, "passes "+textfmt.Count(len(pr.Gates), "gate"))
	}
	if pr.MustBeat != nil && champ > 0 {
		conds = append(conds, pr.MustBeat.Condition(champ))
	}
	if len(conds) == 0 {
		return ""
	}
	return " if it " + strings.Join(conds, " and ")
}

// approvalText is ", then waits for an approval" for a promotion that
// needs one, else "".
func approvalText(pr *promotionSpec) string {
	if !pr.Approval {
		return ""
	}
	return ", then waits for an approval"
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
	pc.AddAction(&plans.Action{Addr: "promotion." + pr.Name, Kind: plans.KindPublish, Reasons: []plans.Reason{{Code: reasonPublish, Message: why}},
		Publish: &plans.PublishChange{Promotion: pr.Name, Model: pr.Model, URL: url, Version: v}})
}

// Outcomes of a promote action that succeeded, as PromoteOutcome reports
// them: the alias moved, the candidate was held by a gate or must_beat, or
// nothing needed to move.
const (
	PromoteMoved     = "promoted"
	PromoteHeld      = "held"
	PromoteAwaiting  = "awaiting approval"
	PromoteUnchanged = "unchanged"
)

// The summaries runPromote sets start with these, which is how
// PromoteOutcome tells the outcomes apart after the run.
const (
	promotedPrefix = PromoteMoved + ":"
	heldPrefix     = PromoteHeld + ":"
	awaitingPrefix = PromoteAwaiting + ":"
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
	case strings.HasPrefix(r.Summary, awaitingPrefix):
		return PromoteAwaiting
	}
	return PromoteUnchanged
}

// AliasMoved reports whether a promote action moved its alias: one that
// succeeded with that outcome, or one that failed after the move was
// recorded (publishing failed), whose summary still says it moved.
func AliasMoved(r *engine.ActionResult) bool {
	if r == nil || r.Action == nil || r.Action.Kind != plans.KindPromote {
		return false
	}
	return (r.Status == engine.ResultSucceeded || r.Status == engine.ResultFailed) && strings.HasPrefix(r.Summary, promotedPrefix)
}

// runPromote decides the promotion again on the state as apply left it
// (the candidate trained by this plan now has metrics): it first scores
// candidate and champion with the same yardstick (evaluateMissing), then
// moves the alias, or reports it held or awaiting approval, and publishes
// a moved alias.
func runPromote(ctx context.Context, rc *engine.RunContext, a *plans.Action, specs *modelSpecs) error {
	pc := a.Promote
	pr := specs.Promotions[pc.Promotion]
	if pr == nil {
		return fmt.Errorf("promotion.%s is no longer declared; run plan again", pc.Promotion)
	}
	spec := specs.Models[pr.Model]
	env, err := applyPromotionEnv(rc, spec, pr)
	if err != nil {
		return err
	}
	var c comparison
	compare := func() { rc.ReadState(func(st *state.State) { c = comparePromotion(st, pr, spec, env) }) }
	compare()
	if stays := unplannedCandidate(a.Promote, pr, c.In); stays != "" {
		rc.SetSummary(a, stays)
		return nil
	}
	held := func(to int, why string) error {
		rc.SetSummary(a, fmt.Sprintf("%s v%d stays out of %s: %s", heldPrefix, to, pr.Alias, why))
		notify.Send(ctx, rc, a, specs.Notify, promotionEvent(config.EventHeld, pr, c, to, c.In.Current, why,
			fmt.Sprintf("mlform: model.%s v%d held out of %s: %s", pr.Model, to, pr.Alias, why)))
		return nil
	}
	if len(c.Missing) > 0 && pr.Version == 0 {
		if err := evaluateMissing(ctx, rc, a, spec, c); err != nil {
			if ctx.Err() != nil {
				return err
			}
			return held(c.Missing[0], fmt.Sprintf("candidate and champion could not be scored the same way: %v", err))
		}
		compare()
	}
	d, err := policy.DecidePromotion(c.In)
	if err != nil {
		return err
	}
	if d.Outcome != policy.PromoteNone && !d.Pinned {
		switch {
		case c.Problem != "":
			return held(d.To, c.Problem)
		case len(c.Missing) > 0:
			return held(d.To, "its evaluation is not recorded ("+c.missingText()+")")
		}
	}
	switch d.Outcome {
	case policy.PromoteHeld:
		return held(d.To, strings.Join(d.Failures, "; "))
	case policy.PromoteAwaiting:
		rc.SetSummary(a, fmt.Sprintf("%s v%d passes; alias %s stays %s until mlform approve %s v%d",
			awaitingPrefix, d.To, pr.Alias, aliasAt(d.From), objname.ShellArg("promotion."+pr.Name), d.To))
		if !notify.Wants(specs.Notify, config.EventAwaitingApproval, pr.Model) {
			return nil
		}
		// Recorded first, as every event follows what state records: the
		// next plan then does not announce it again.
		err := rc.UpdateState(statemgr.ChangingModel(ctx, pr.Model), func(st *state.State) error {
			m := st.Models[pr.Model]
			if m == nil {
				return fmt.Errorf("model.%s vanished from state", pr.Model)
			}
			m.RecordAnnounced(pr.Name, pr.Alias, d.To, rc.Workspace.Now.UTC())
			return nil
		})
		if err != nil {
			return err
		}
		notify.Send(ctx, rc, a, specs.Notify, promotionEvent(config.EventAwaitingApproval, pr, c, d.To, d.From, d.Reasons[0].Message,
			fmt.Sprintf("mlform: model.%s v%d awaits approval for %s: mlform approve %s v%d", pr.Model, d.To, pr.Alias, objname.ShellArg("promotion."+pr.Name), d.To)))
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
		PlanDigest: rc.PlanDigest(), Promotion: pr.Name, Reason: d.Reasons[0].Message}
	err = rc.UpdateState(statemgr.ChangingModel(ctx, pr.Model), func(st *state.State) error {
		m := st.Models[pr.Model]
		if m == nil || m.Version(d.To) == nil {
			return fmt.Errorf("model.%s v%d vanished from state", pr.Model, d.To)
		}
		// A pin is the reviewed decision and needs no approval (a
		// rollback never waits); a decided move needed one.
		if pr.Approval && !d.Pinned {
			ap := m.ValidApproval(pr.Name, pr.Alias, d.To)
			if ap == nil {
				return fmt.Errorf("the approval of v%d for promotion.%s vanished from state", d.To, pr.Name)
			}
			move.ApprovedBy, move.ApprovedAt = ap.By, ap.At
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
	// The move is in state: tell whoever listens, publish or not.
	ev := promotionEvent(config.EventPromoted, pr, c, d.To, d.From, move.Reason,
		fmt.Sprintf("mlform: model.%s v%d promoted to %s (%s): %s", pr.Model, d.To, pr.Alias, wasText(d.From), move.Reason))
	if move.ApprovedBy != "" {
		at := move.ApprovedAt.UTC()
		ev.ApprovedBy, ev.ApprovedAt = move.ApprovedBy, &at
	}
	// Sent once publishing is done, saying how it went: a serving system
	// that redeploys on the event must not take the old files for the new
	// version's.
	defer func() { notify.Send(ctx, rc, a, specs.Notify, ev) }()
	if pr.PublishURL != "" {
		if err := publish.Run(ctx, rc, pr.destination(), d.To); err != nil {
			ev.PublishFailed = true
			ev.Text += fmt.Sprintf("; publishing to %s failed (the next apply publishes again)", pr.publishDisplay())
			rc.SetSummary(a, summary)
			return fmt.Errorf("alias moved, but publishing failed (the next plan publishes again): %w", err)
		}
		ev.PublishedTo = pr.publishDisplay()
		summary += ", published to " + ev.PublishedTo
	}
	rc.SetSummary(a, summary)
	return nil
}

// unplannedCandidate says why the alias stays when apply's candidate is
// not the one the plan named: a plan that shows "v1 -> v4 (known after
// apply)" decides on v4 only. The candidate differs when the version the
// plan counted on never reached its source: the source alias's promotion
// held v4 or awaits its approval (the candidate would be the version that
// alias already had), or the train recorded no version (a job submitted
// with -wait=false, a metric trigger that did not fire). Moving the alias
// to a version no reviewer saw in the plan, or holding it, is left to the
// next plan. "" when the candidate is the planned one, or there is no
// candidate to move to.
func unplannedCandidate(pl *plans.PromoteChange, pr *promotionSpec, in policy.PromotionInput) string {
	if !pl.KnownAfterApply || pl.To == 0 || pr.Version > 0 {
		return ""
	}
	d, err := policy.DecidePromotion(in)
	if err != nil || d.Outcome == policy.PromoteNone || d.To == pl.To {
		return ""
	}
	where := fmt.Sprintf("the latest succeeded version is v%d", d.To)
	if pr.From != "" {
		where = fmt.Sprintf("alias %s points at v%d", pr.From, d.To)
	}
	return fmt.Sprintf("%s: the plan's candidate was v%d, but %s; the next plan decides on v%d", aliasStays(pr.Alias, d.From), pl.To, where, d.To)
}

// wasText is "was v2", or "new alias".
func wasText(from int) string {
	if from == 0 {
		return "new alias"
	}
	return fmt.Sprintf("was v%d", from)
}

// aliasAt is "at v3", or "unset" for an alias that does not exist.
func aliasAt(v int) string {
	if v == 0 {
		return "unset"
	}
	return fmt.Sprintf("at v%d", v)
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
	if err := publish.Run(ctx, rc, pr.destination(), v); err != nil {
		return err
	}
	rc.SetSummary(a, fmt.Sprintf("published v%d to %s", v, pr.publishDisplay()))
	return nil
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

// comparedMetrics are the numbers a promotion compared, of the candidate
// and of the champion (nil without one), and what measured them: their
// evaluations when the model has an evaluate step ("evaluate step on v4's
// training data"), else their train-step metrics. A candidate held before
// it could be scored reports train-step metrics, labelled as such.
func comparedMetrics(c comparison, version int) (cand, champ map[string]float64, source string) {
	if c.In.CandidateMetrics != nil {
		return c.In.CandidateMetrics, c.In.ChampionMetrics, "evaluate step on " + c.Where
	}
	for _, v := range c.In.Versions {
		if v == nil || v.Status != state.StatusSucceeded {
			continue
		}
		switch v.Version {
		case version:
			cand = v.Metrics
		case c.In.Current:
			champ = v.Metrics
		}
	}
	if cand == nil {
		return nil, nil, ""
	}
	return cand, champ, trainStepSource
}

// trainStepSource labels train-step metrics in notifications.
const trainStepSource = "train step"

// promotionEvent is a promotion's notification of version: the promotion,
// alias and compared metrics filled in.
func promotionEvent(event string, pr *promotionSpec, c comparison, version, from int, reason, text string) notify.Event {
	cand, champ, source := comparedMetrics(c, version)
	return notify.Event{Event: event, Model: pr.Model, Version: version, Alias: pr.Alias, From: from, Promotion: pr.Name,
		Reasons: []string{reason}, Metrics: cand, ChampionMetrics: champ, MetricsSource: source, Text: text}
}
