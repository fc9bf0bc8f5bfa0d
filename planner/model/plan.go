package model

import (
	"context"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/planner/codehash"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/notify"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/planner/provenance"
	"github.com/mlform/mlform/state"
)

// Reason codes of model planning beyond those in planner/plans.
const (
	// reasonPublish: the promoted version is copied to a publish URL.
	reasonPublish plans.ReasonCode = "publish"
	// reasonDeferred: inputs changed but the retrain policy says not yet.
	reasonDeferred plans.ReasonCode = "deferred"
	// reasonHeld: a promotion candidate failed a gate or must_beat.
	reasonHeld plans.ReasonCode = "held"
)

// conditionalKey marks, in a train action's first reason's Data, a train
// that only happens if the champion's evaluation on the new data fires a
// metric trigger; apply evaluates, then decides.
const conditionalKey = "conditional"

// Plan is the model stage: for each selected model it computes the
// inputs the model would be trained on after this plan's snapshots,
// decides whether to retrain (policy.DecideRetrain), then plans each of
// its promotions (policy.DecidePromotion) and publications.
func Plan(ctx context.Context, pc *engine.PlanContext) error {
	specs, err := loadSpecs(pc.WS)
	if err != nil {
		return err
	}
	specs.carryRecorded(pc.State)
	return planModelsWith(ctx, pc, specs)
}

// planModelsWith is Plan with the specs given (tests).
func planModelsWith(ctx context.Context, pc *engine.PlanContext, specs *modelSpecs) error {
	cache := codeCache(pc.WS)
	defer func() {
		if err := cache.Save(); err != nil { // an optimisation: say so, go on
			pc.AddNote(&plans.Note{Message: fmt.Sprintf("code stat cache not saved: %v", err)})
		}
	}()
	for _, addr := range pc.WS.Graph.Order() {
		if plans.AddrKind(addr) != "model" || !pc.Selected[addr] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		spec := specs.Models[plans.AddrName(addr)]
		if spec == nil {
			continue
		}
		if err := checkContract(spec); err != nil {
			return fmt.Errorf("%s: %w", addr, err)
		}
		train, err := planModel(ctx, pc, specs, spec, cache)
		if err != nil {
			return fmt.Errorf("%s: %w", addr, err)
		}
		env, err := planPromotionEnv(pc, spec, cache)
		if err != nil {
			return fmt.Errorf("%s: %w", addr, err)
		}
		moves := map[string]*plans.Action{}
		for _, pr := range orderPromotions(specs.promotionsFor(spec.Name)) {
			if !pc.Selected["promotion."+pr.Name] {
				continue
			}
			announce := notify.Wants(specs.Notify, config.EventAwaitingApproval, spec.Name)
			if err := planPromotion(pc, pr, spec, train, env, moves, announce); err != nil {
				return err
			}
		}
	}
	if len(pc.Options.Targets) == 0 {
		for _, name := range slices.Sorted(maps.Keys(pc.State.Models)) {
			if specs.Models[name] == nil {
				base, sfx := objname.Split(name)
				blockDeclared := sfx != "" && hasInstances(specs.Models, base)
				pc.AddNote(&plans.Note{Addr: "model." + name, Code: plans.ReasonRemoved,
					Message: plans.RemovedMessage("model."+name, "its versions and aliases", blockDeclared) + uncollected(name, pc.State.Models[name])})
			}
		}
	}
	return nil
}

// planModel adds the model's train action (or a note) and returns it
// (nil when the model does not train in this plan).
func planModel(ctx context.Context, pc *engine.PlanContext, specs *modelSpecs, spec *modelSpec, cache *codehash.CodeCache) (*plans.Action, error) {
	addr := "model." + spec.Name
	if a := planRunning(ctx, pc, spec); a != nil {
		return a, nil
	}
	snaps := map[string]string{}
	var missing []string
	for _, ds := range spec.Datasets {
		if id, ok := pc.NextSnapshots[ds]; ok && id != "" {
			snaps[ds] = id
		} else {
			missing = append(missing, "dataset."+ds)
		}
	}
	if len(missing) > 0 {
		pc.AddNote(&plans.Note{Addr: addr, Message: fmt.Sprintf("not planned: %s has no snapshot to train on (was it observed? -refresh=false skips observing)", strings.Join(missing, ", "))})
		return nil, nil
	}
	inputs, err := buildInputs(pc.WS.BaseDir, spec, snaps, cache)
	if err != nil {
		return nil, err
	}
	m := pc.State.Models[spec.Name]
	in := policy.RetrainInput{
		Model: spec.Name, Current: inputs, Now: pc.WS.Now,
		Replace: slices.Contains(pc.Options.Replace, addr),
	}
	if m != nil {
		in.Latest = policy.LatestSucceeded(m)
		in.LastAttempt = lastAttempt(m)
	}
	ps := specs.policyFor(spec.Name)
	pending := false // a metric trigger awaits an evaluation during apply
	var champ int
	if ps != nil {
		in.Policy = &ps.Policy
		in.LastTrain = lastTrain(pc.State, ps.Name, spec.Name)
		if in.Latest != nil && len(policy.DiffInputs(in.Latest.Inputs, inputs)) > 0 {
			if ps.Policy.Drift != nil {
				in.Drift = planDrift(ctx, pc, spec, ps.Policy.Drift.Method, ps.DriftColumns, in.Latest, snaps)
			}
			champ = championVersion(pc.State, specs, spec.Name)
			if len(ps.Policy.Metrics) > 0 && champ > 0 {
				// Only a score by the evaluate step as declared now
				// counts: one recorded before the step (or its code)
				// changed is not what the trigger would measure.
				evaluator, err := evaluatorDigest(pc.WS.BaseDir, spec, cache)
				if err != nil {
					return nil, err
				}
				if ev := cachedEvaluation(m, champ, snaps, evaluator); ev != nil {
					in.Champion = &policy.Champion{Version: champ, Metrics: ev.Metrics}
				} else if spec.Evaluate != nil {
					pending = true
				} else {
					pc.AddNote(&plans.Note{Addr: addr, Message: "metric triggers need an evaluate step: model." + spec.Name + " declares none"})
				}
			}
		}
	}
	d := policy.DecideRetrain(in)
	for _, n := range d.Notes {
		pc.AddNote(&plans.Note{Addr: addr, Message: n})
	}
	reasons := convertReasons(d.Reasons)
	if !d.Train && pending {
		// Would a firing metric trigger retrain (cooldown permitting)?
		hyp := in
		hyp.Champion = &policy.Champion{Version: champ, Metrics: firingMetrics(ps.Policy.Metrics)}
		if hd := policy.DecideRetrain(hyp); hd.Train {
			d = hd
			reasons = conditionalReasons(ps.Policy.Metrics, champ, hd.Reasons)
		} else if hold, end := policy.CooldownHold(in); hd.Deferred && hold != "" && d.Deferred && (d.DueAt.IsZero() || end.Before(d.DueAt)) {
			// Only the cooldown holds the metric trigger back: the
			// retrain may be due when it ends, not at the schedule
			// the note would otherwise name.
			d.DueAt = end
			d.DeferredWhy = fmt.Sprintf("%s; the metric trigger waits for the %s, then %s",
				d.DeferredWhy, hold, conditionalReasons(ps.Policy.Metrics, champ, nil)[0].Message)
		}
	}
	if !d.Train {
		if d.Deferred {
			pc.AddNote(&plans.Note{Addr: addr, Code: reasonDeferred, Message: d.DeferredWhy, DueAt: d.DueAt})
		}
		return nil, nil
	}
	// The card is stored with the version the train records: one that
	// cannot be read would fail that version, so the plan says so now,
	// as it does for a code glob that matches no file.
	if _, err := provenance.ReadCard(pc.WS, spec.provenance()); err != nil {
		return nil, err
	}
	a := &plans.Action{Addr: addr, Kind: plans.KindTrain, Reasons: reasons, DependsOn: snapshotDeps(pc, spec.Datasets),
		Train: &plans.TrainChange{Model: spec.Name, Version: nextVersion(pc.State, spec.Name), InputsDigest: inputs.Digest,
			Snapshots: snaps, ParamChanges: paramChanges(in.Latest, inputs)}}
	if in.Latest != nil {
		a.Train.Previous = in.Latest.Version
	}
	pc.AddAction(a)
	return a, nil
}

// buildInputs computes a model's inputs on the given snapshots.
// cache may be nil.
func buildInputs(baseDir string, spec *modelSpec, snaps map[string]string, cache *codehash.CodeCache) (state.Inputs, error) {
	return policy.BuildInputs(policy.InputsSpec{
		BaseDir: baseDir, Snapshots: snaps, Code: spec.Code, Params: spec.Train.Params,
		Environment: spec.Environment, Command: spec.Train.Command, Cache: cache,
	})
}

// CodeCache opens the workspace's code stat cache (none when the
// workspace has no cache directory).
func codeCache(ws *engine.Workspace) *codehash.CodeCache {
	if ws.CacheDir == "" {
		return nil
	}
	return codehash.OpenCodeCache(filepath.Join(ws.CacheDir, "code.json"), nil)
}

// conditionalReasons explains a train decided during apply: first the
// metric condition (marked conditional), then what else changed.
func conditionalReasons(ts []policy.MetricTrigger, champ int, hyp []policy.Reason) []plans.Reason {
	var conds []string
	code := plans.ReasonMetricAbove
	for _, t := range ts {
		if t.Below != nil {
			conds = append(conds, fmt.Sprintf("%s < %g", t.Metric, *t.Below))
			code = plans.ReasonMetricBelow
		}
		if t.Above != nil {
			conds = append(conds, fmt.Sprintf("%s > %g", t.Metric, *t.Above))
		}
	}
	out := []plans.Reason{{Code: code,
		Message: fmt.Sprintf("retrains if v%d on the new data has %s (evaluated during apply)", champ, joinOr(conds)),
		Data:    map[string]any{conditionalKey: true, "champion": champ, "metric": ts[0].Metric}}}
	for _, r := range hyp {
		if r.Code != policy.ReasonMetricBelow && r.Code != policy.ReasonMetricAbove {
			out = append(out, plans.Reason{Code: plans.ReasonCode(r.Code), Message: r.Message})
		}
	}
	return out
}

// isConditional reports whether a train waits for an evaluation.
func isConditional(a *plans.Action) bool {
	for _, r := range a.Reasons {
		if v, ok := r.Data[conditionalKey].(bool); ok && v {
			return true
		}
	}
	return false
}

// firingMetrics returns metrics that fire every trigger: used to ask the
// policy whether a firing trigger would retrain now (cooldown aside).
func firingMetrics(ts []policy.MetricTrigger) map[string]float64 {
	m := map[string]float64{}
	for _, t := range ts {
		switch {
		case t.Below != nil:
			m[t.Metric] = math.Nextafter(*t.Below, math.Inf(-1))
		case t.Above != nil:
			m[t.Metric] = math.Nextafter(*t.Above, math.Inf(1))
		}
	}
	return m
}

func convertReasons(rs []policy.Reason) []plans.Reason {
	out := make([]plans.Reason, len(rs))
	for i, r := range rs {
		out[i] = plans.Reason{Code: plans.ReasonCode(r.Code), Message: r.Message}
	}
	return out
}

// paramChanges lists param differences from the latest version, one per
// key, with values as they render.
func paramChanges(latest *state.Version, cur state.Inputs) []plans.Change {
	if latest == nil {
		return nil
	}
	var out []plans.Change
	for _, c := range policy.DiffInputs(latest.Inputs, cur) {
		if c.Kind != policy.KindParams {
			continue
		}
		key := c.Path[len("params."):]
		ch := plans.Change{Path: c.Path}
		if v, ok := latest.Inputs.Params[key]; ok {
			ch.Old, ch.OldNull = v, v == nil
		}
		if v, ok := cur.Params[key]; ok {
			ch.New, ch.NewNull = v, v == nil
		}
		out = append(out, ch)
	}
	return out
}

// snapshotDeps lists the snapshot actions of this plan a model reads.
func snapshotDeps(pc *engine.PlanContext, datasets []string) []string {
	var deps []string
	for _, ds := range datasets {
		if pc.Plan.Action(plans.KindSnapshot, "dataset."+ds) != nil {
			deps = append(deps, "dataset."+ds)
		}
	}
	sort.Strings(deps)
	return engine.Uniq(deps)
}

// nextVersion is the number the model's next attempt gets.
func nextVersion(st *state.State, model string) int {
	if m := st.Models[model]; m != nil {
		return max(m.NextVersion, 1)
	}
	return max(st.RemovedModels[model], 1)
}

// lastAttempt returns the highest-numbered version of any status.
func lastAttempt(m *state.Model) *state.Version {
	var last *state.Version
	for _, v := range m.Versions {
		if last == nil || v.Version > last.Version {
			last = v
		}
	}
	return last
}

// lastTrain is the policy bookkeeping of a model's last successful train.
func lastTrain(st *state.State, pol, model string) time.Time {
	if p := st.Policies[pol]; p != nil {
		return p.LastTrain[model]
	}
	return time.Time{}
}

// championVersion is the version a metric trigger watches: the alias of
// the model's last promotion stage (one no other promotion takes its
// candidate from; the first by name if several), else of its other
// promotions, else its latest succeeded version.
func championVersion(st *state.State, specs *modelSpecs, model string) int {
	m := st.Models[model]
	if m == nil {
		return 0
	}
	// The last stage first: with staged promotions (canary, then prod
	// taking its candidate from canary), the champion is what serves at
	// the end of the chain, not the alias first by name.
	prs := specs.promotionsFor(model)
	feeds := map[string]bool{}
	for _, pr := range prs {
		if pr.From != "" {
			feeds[pr.From] = true
		}
	}
	for _, last := range []bool{true, false} {
		for _, pr := range prs {
			if feeds[pr.Alias] == last {
				continue
			}
			if al := m.Aliases[pr.Alias]; al != nil {
				if v := m.Version(al.Version); v != nil && v.Status == state.StatusSucceeded {
					return v.Version
				}
			}
		}
	}
	if v := policy.LatestSucceeded(m); v != nil {
		return v.Version
	}
	return 0
}

// cachedEvaluation finds a succeeded evaluation of version on exactly
// these snapshots by the evaluate step whose digest is evaluator: a metric
// trigger reads the score the evaluate step as declared now gives, so a
// changed step (its command, params, code or environment) scores again.
func cachedEvaluation(m *state.Model, version int, snaps map[string]string, evaluator string) *state.Evaluation {
	if evaluator == "" {
		return nil // no evaluate step: nothing it recorded is current
	}
	return evaluationBy(m, version, snaps, evaluator)
}

func sameSnapshots(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func joinOr(ss []string) string {
	switch len(ss) {
	case 0:
		return "a metric past its bound"
	case 1:
		return ss[0]
	}
	out := ss[0]
	for _, s := range ss[1 : len(ss)-1] {
		out += ", " + s
	}
	return out + " or " + ss[len(ss)-1]
}

// hasInstances reports whether any declared model is an instance of the
// block base (for_each or count).
func hasInstances[V any](declared map[string]V, base string) bool {
	for name := range declared {
		if b, sfx := objname.Split(name); sfx != "" && b == base {
			return true
		}
	}
	return false
}

// uncollected names the jobs of a model no longer declared that no apply
// has collected: collecting needs the model's block (its train step), so
// they wait until it is declared again, and state rm would forget them
// with their results. "" when there are none.
func uncollected(name string, m *state.Model) string {
	if m == nil {
		return ""
	}
	jobs, _ := m.UncollectedJobs()
	if len(jobs) == 0 {
		return ""
	}
	return fmt.Sprintf("; %s submitted and not collected: apply collects a job only for a declared model, so declare model.%s again and apply to record it (state rm -force would forget the job's result)",
		strings.Join(jobs, ", "), name)
}
