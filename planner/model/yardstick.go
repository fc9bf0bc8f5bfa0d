package model

import (
	"context"
	"fmt"
	"strings"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/codehash"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/state"
)

// One yardstick: a promotion compares candidate and champion with numbers
// measured the same way. When the model has an evaluate step, both
// versions are scored by that step (as it is declared now) on the same
// snapshots: the candidate's training snapshots, or the current snapshots
// of the promotion's evaluate_on datasets. Each score is recorded in state
// as an Evaluation (version, snapshots, evaluator digest), so it is
// computed once. Train-step metrics (what the trainer reported on its own
// split) stay with the version, labelled as such, and are only compared
// when the model has no evaluate step: then both sides are train-step
// numbers and the reason says so.

// promotionEnv is what a comparison needs besides state: the evaluator
// digest of the model's evaluate step now ("" without one) and the
// snapshot each evaluate_on dataset has now.
type promotionEnv struct {
	Evaluator string
	Snapshots map[string]string
}

// comparison is a promotion's input with the comparable numbers filled
// in, and what is still to be measured.
type comparison struct {
	In policy.PromotionInput
	// Snaps are the snapshots both versions are evaluated on (nil: the
	// comparison uses train-step metrics, or there is nothing to compare).
	Snaps map[string]string
	// Missing lists the versions whose evaluation on Snaps by the current
	// evaluator is not recorded yet: apply runs them first.
	Missing []int
	// Problem says why the comparison cannot be made (an evaluation
	// dataset without a snapshot); the candidate is then held.
	Problem string
	// Where names Snaps for people: "v3's training data", or the
	// evaluate_on snapshots ("dataset.holdout@0a1b2c3d4e5f").
	Where string
}

// comparePromotion gathers what DecidePromotion needs from state,
// including the candidate's and champion's scores on the same data.
func comparePromotion(st *state.State, pr *promotionSpec, spec *modelSpec, env promotionEnv) comparison {
	c := comparison{In: policy.PromotionInput{Promotion: pr.Name, Model: pr.Model, Alias: pr.Alias, Pinned: pr.Version,
		Gates: pr.Gates, MustBeat: pr.MustBeat, Approval: pr.Approval}}
	if pr.From != "" {
		c.In.Source = "alias " + pr.From
	}
	m := st.Models[pr.Model]
	if m == nil {
		return c
	}
	in := &c.In
	in.Versions = m.Versions
	if al := m.Aliases[pr.Alias]; al != nil {
		in.Current = al.Version
	}
	var cand *state.Version
	if pr.From != "" {
		if al := m.Aliases[pr.From]; al != nil {
			in.Candidate = al.Version
			cand = m.Version(al.Version)
		}
	} else {
		cand = policy.LatestSucceeded(m)
	}
	if cand == nil || cand.Status != state.StatusSucceeded || pr.Version > 0 || cand.Version == in.Current {
		return c
	}
	if ap := m.ValidApproval(pr.Name, pr.Alias, cand.Version); ap != nil {
		in.Approved = fmt.Sprintf("%s at %s", ap.By, textfmt.Time(ap.At))
	}
	champ := m.Version(in.Current)
	if champ != nil && champ.Status != state.StatusSucceeded {
		champ = nil
	}
	if champ != nil && cand.ArtifactsID != "" && cand.ArtifactsID == champ.ArtifactsID {
		return c // DecidePromotion holds it: nothing to measure
	}
	if spec == nil || spec.Evaluate == nil {
		in.Yardstick = "train-step metrics: no evaluate step"
		return c
	}
	c.Snaps = cand.Inputs.Snapshots
	c.Where = fmt.Sprintf("v%d's training data", cand.Version)
	if len(pr.EvaluateOn) > 0 {
		c.Snaps = map[string]string{}
		var named []string
		for _, ds := range pr.EvaluateOn {
			id := env.Snapshots[ds]
			if id == "" {
				c.Problem = fmt.Sprintf("dataset.%s (evaluate_on) has no snapshot to evaluate on", ds)
				return c
			}
			c.Snaps[ds] = id
			named = append(named, fmt.Sprintf("dataset.%s@%s", ds, plans.ShortID(id)))
		}
		c.Where = strings.Join(named, ", ")
	}
	in.Yardstick = "both scored by the evaluate step on " + c.Where
	versions := []*state.Version{cand}
	if champ != nil {
		versions = append(versions, champ)
	}
	for i, v := range versions {
		ev := evaluationBy(m, v.Version, c.Snaps, env.Evaluator)
		if ev == nil {
			c.Missing = append(c.Missing, v.Version)
			continue
		}
		if i == 0 {
			in.CandidateMetrics = ev.Metrics
		} else {
			in.ChampionMetrics = ev.Metrics
		}
	}
	if len(c.Missing) > 0 {
		// Never decide on a mix of yardsticks.
		in.CandidateMetrics, in.ChampionMetrics = nil, nil
	}
	return c
}

// missingText says what apply evaluates first: "once v2 and v1 are
// evaluated on v2's training data".
func (c comparison) missingText() string {
	vs := make([]string, len(c.Missing))
	for i, n := range c.Missing {
		vs[i] = fmt.Sprintf("v%d", n)
	}
	verb := "is"
	if len(vs) > 1 {
		verb = "are"
	}
	return fmt.Sprintf("once %s %s evaluated on %s (during apply)", strings.Join(vs, " and "), verb, c.Where)
}

// evaluationBy finds a succeeded evaluation of version on exactly these
// snapshots by the given evaluator ("" accepts any evaluator).
func evaluationBy(m *state.Model, version int, snaps map[string]string, evaluator string) *state.Evaluation {
	if m == nil {
		return nil
	}
	for i := len(m.Evaluations) - 1; i >= 0; i-- {
		ev := m.Evaluations[i]
		if ev != nil && ev.Version == version && ev.Status == state.StatusSucceeded && sameSnapshots(ev.Snapshots, snaps) &&
			(evaluator == "" || ev.Evaluator == evaluator) {
			return ev
		}
	}
	return nil
}

// evaluatorDigest identifies the evaluate step as declared now: its
// command and params, the code and the environment. An evaluation by
// another evaluator is not comparable (the step or its code changed).
// "" when the model has no evaluate step.
func evaluatorDigest(baseDir string, spec *modelSpec, cache *codehash.CodeCache) (string, error) {
	if spec.Evaluate == nil {
		return "", nil
	}
	in, err := policy.BuildInputs(policy.InputsSpec{BaseDir: baseDir, Code: spec.Code, Params: spec.Evaluate.Params,
		Environment: spec.Environment, Command: spec.Evaluate.Command, Cache: cache})
	if err != nil {
		return "", fmt.Errorf("evaluate step: %w", err)
	}
	return in.Digest, nil
}

// applyPromotionEnv is the promotion's environment at apply: the
// evaluator digest now and the latest recorded snapshot of each
// evaluate_on dataset (its snapshot action, if any, ran first).
func applyPromotionEnv(rc *engine.RunContext, spec *modelSpec, pr *promotionSpec) (promotionEnv, error) {
	var env promotionEnv
	if spec != nil {
		d, err := evaluatorDigest(rc.Workspace.BaseDir, spec, codeCache(rc.Workspace))
		if err != nil {
			return env, err
		}
		env.Evaluator = d
	}
	env.Snapshots = map[string]string{}
	rc.ReadState(func(st *state.State) {
		for _, ds := range pr.EvaluateOn {
			if d := st.Datasets[ds]; d != nil && len(d.Snapshots) > 0 {
				env.Snapshots[ds] = d.Snapshots[len(d.Snapshots)-1].ID
			}
		}
	})
	return env, nil
}

// evaluateMissing runs the evaluate step of every version the comparison
// lacks a score for, recording each evaluation. The first failure stops
// it: the candidate is then held (promotion fails safe).
func evaluateMissing(ctx context.Context, rc *engine.RunContext, a *plans.Action, spec *modelSpec, c comparison) error {
	for _, n := range c.Missing {
		var v *state.Version
		var stores map[string]string
		var err error
		rc.ReadState(func(st *state.State) {
			if m := st.Models[spec.Name]; m != nil && m.Version(n) != nil {
				cp := *m.Version(n)
				v = &cp
			}
			stores, err = snapshotStores(st, c.Snaps)
		})
		if v == nil {
			return fmt.Errorf("v%d vanished from state", n)
		}
		if err != nil {
			return err
		}
		if _, err := evaluateVersion(ctx, rc, a, spec, v, c.Snaps, stores, c.Where); err != nil {
			return err
		}
	}
	return nil
}

// planPromotionEnv is the promotions' environment at plan time: the
// evaluator digest now and the snapshot each dataset will have after this
// plan's snapshots.
func planPromotionEnv(pc *engine.PlanContext, spec *modelSpec, cache *codehash.CodeCache) (promotionEnv, error) {
	d, err := evaluatorDigest(pc.WS.BaseDir, spec, cache)
	if err != nil {
		return promotionEnv{}, err
	}
	return promotionEnv{Evaluator: d, Snapshots: pc.NextSnapshots}, nil
}

// orderPromotions puts a promotion after the one moving the alias it
// takes its candidate from (`from`), so staging is planned before
// production; otherwise by name. Config refuses cycles; a chain that
// cannot be ordered keeps its remaining promotions by name.
func orderPromotions(prs []*promotionSpec) []*promotionSpec {
	owner := map[string]bool{}
	for _, pr := range prs {
		owner[pr.Alias] = true
	}
	done := map[string]bool{}
	var out []*promotionSpec
	for len(out) < len(prs) {
		progressed := false
		for _, pr := range prs {
			if done[pr.Name] || (pr.From != "" && owner[pr.From] && !placed(out, pr.From)) {
				continue
			}
			done[pr.Name], progressed = true, true
			out = append(out, pr)
		}
		if !progressed {
			for _, pr := range prs {
				if !done[pr.Name] {
					done[pr.Name] = true
					out = append(out, pr)
				}
			}
		}
	}
	return out
}

// placed reports whether a promotion moving alias is in prs.
func placed(prs []*promotionSpec, alias string) bool {
	for _, pr := range prs {
		if pr.Alias == alias {
			return true
		}
	}
	return false
}
