package retention

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/state"
)

// Retention (docs/policies.md "Retention"): a dataset's or model's
// `retention` block decides which recorded snapshots or versions plan
// forgets. A snapshot or version is kept when either rule keeps it
// (keep_last: among the newest N; keep_within: younger than the duration)
// or when it is protected:
//
//   - a model's latest attempt and latest succeeded version, every version
//     an alias points at, every version an alias pointed at during the kept
//     window (so a rollback target survives), versions a promotion pins and
//     versions this plan's other actions use;
//   - a dataset's current snapshot and every snapshot a kept version (of
//     any model, declared or not) or this plan's other actions use.
//
// Failed attempts do not count toward keep_last (N failed runs never push
// out a good version): keep_last keeps a version when fewer than N
// succeeded versions are newer than it, so failures between kept versions
// stay and older ones go.

// Plan adds one forget action per snapshot or version that a
// retention block no longer keeps. It runs last, after every stage that
// may use a recorded version or snapshot.
func Plan(ctx context.Context, pc *engine.PlanContext) error {
	in := retentionInput{
		Now:       pc.WS.Now,
		Datasets:  map[string]*config.Retention{},
		Models:    map[string]*config.Retention{},
		Protected: map[string]map[int]string{},
		Used:      map[string]bool{},
	}
	if cfg := pc.WS.Config; cfg != nil {
		for name, d := range cfg.Datasets {
			if d.Retention != nil && pc.Selected["dataset."+name] {
				in.Datasets[name] = d.Retention
			}
		}
		for name, m := range cfg.Models {
			if m.Retention != nil && pc.Selected["model."+name] {
				in.Models[name] = m.Retention
			}
		}
		for _, pr := range cfg.Promotions {
			if pr.Version > 0 {
				in.protect(pr.Model, pr.Version, "pinned by promotion."+pr.Name)
			}
		}
	}
	if len(in.Datasets) == 0 && len(in.Models) == 0 {
		return nil
	}
	for _, a := range pc.Plan.Actions {
		switch {
		case a.Promote != nil:
			in.protect(a.Promote.Model, a.Promote.To, "promoted by this plan")
			in.protect(a.Promote.Model, a.Promote.From, "promoted by this plan")
		case a.Publish != nil:
			in.protect(a.Publish.Model, a.Publish.Version, "published by this plan")
		case a.Evaluate != nil:
			in.protect(a.Evaluate.Model, a.Evaluate.Version, "evaluated by this plan")
			in.use(a.Evaluate.Snapshots)
		case a.Train != nil:
			in.use(a.Train.Snapshots)
		}
	}
	for name := range pc.NextSnapshots {
		in.Used[name+"\x00"+pc.NextSnapshots[name]] = true
	}
	for _, a := range decideRetention(pc.State, in) {
		pc.AddAction(a)
	}
	return nil
}

// retentionInput is what decideRetention needs beside the state.
type retentionInput struct {
	Now time.Time
	// Datasets and Models hold the retention rules of the selected
	// objects that declare one; others keep everything.
	Datasets map[string]*config.Retention
	Models   map[string]*config.Retention
	// Protected versions by model (never forgotten), with why.
	Protected map[string]map[int]string
	// Used holds "dataset\x00id" of snapshots this plan's actions use.
	Used map[string]bool
}

func (in *retentionInput) protect(model string, version int, why string) {
	if model == "" || version < 1 {
		return
	}
	if in.Protected[model] == nil {
		in.Protected[model] = map[int]string{}
	}
	in.Protected[model][version] = why
}

func (in *retentionInput) use(snaps map[string]string) {
	for ds, id := range snaps {
		in.Used[ds+"\x00"+id] = true
	}
}

// decideRetention returns the forget actions for st: versions first
// (models in name order, versions ascending), then snapshots (datasets in
// name order, oldest first). A snapshot that only forgotten versions use
// depends on their forget actions.
func decideRetention(st *state.State, in retentionInput) []*plans.Action {
	var out []*plans.Action
	forgotten := map[string]map[int]bool{}
	for _, name := range slices.Sorted(maps.Keys(in.Models)) {
		m := st.Models[name]
		if m == nil {
			continue
		}
		for _, a := range forgetVersions(m, in.Models[name], in.Now, in.Protected[name]) {
			if forgotten[name] == nil {
				forgotten[name] = map[int]bool{}
			}
			forgotten[name][a.Forget.Version] = true
			out = append(out, a)
		}
	}
	// users maps "dataset\x00id" to the versions that use it; kept counts
	// those not forgotten by this plan.
	users := map[string][]string{}
	kept := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(st.Models)) {
		for _, v := range st.Models[name].Versions {
			for ds, id := range v.Inputs.Snapshots {
				key := ds + "\x00" + id
				if forgotten[name][v.Version] {
					users[key] = append(users[key], fmt.Sprintf("model.%s@%d", name, v.Version))
				} else {
					kept[key] = true
				}
			}
		}
	}
	// A job not collected yet reads its snapshots from the store, possibly
	// long after it was submitted.
	for _, m := range st.Models {
		for _, r := range m.Running {
			if r != nil && r.Draft != nil {
				for ds, id := range r.Draft.Inputs.Snapshots {
					kept[ds+"\x00"+id] = true
				}
			}
		}
		for _, e := range m.Evaluating {
			if e != nil {
				for ds, id := range e.Snapshots {
					kept[ds+"\x00"+id] = true
				}
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(in.Datasets)) {
		d := st.Datasets[name]
		if d == nil {
			continue
		}
		for _, a := range forgetSnapshots(d, in.Datasets[name], in.Now) {
			key := name + "\x00" + a.Forget.Snapshot
			if kept[key] || in.Used[key] {
				continue
			}
			a.Reasons = append(a.Reasons, plans.Reason{Code: plans.ReasonUnused, Message: "used by no kept version"})
			a.DependsOn = users[key]
			out = append(out, a)
		}
	}
	return out
}

// forgetVersions returns forget actions (without snapshot reasoning) for
// the versions of m that neither rule of r keeps and nothing protects.
func forgetVersions(m *state.Model, r *config.Retention, now time.Time, protected map[int]string) []*plans.Action {
	vs := append([]*state.Version(nil), m.Versions...)
	sort.Slice(vs, func(i, j int) bool { return vs[i].Version < vs[j].Version })
	if len(vs) == 0 {
		return nil
	}
	keepCount := make(map[int]bool, len(vs))
	newerSucceeded := 0
	latestSucceeded := 0
	for i := len(vs) - 1; i >= 0; i-- {
		v := vs[i]
		if r.KeepLast > 0 && newerSucceeded < r.KeepLast {
			keepCount[v.Version] = true
		}
		if v.Status == state.StatusSucceeded {
			if latestSucceeded == 0 {
				latestSucceeded = v.Version
			}
			newerSucceeded++
		}
	}
	cutoff := now.Add(-r.KeepWithin)
	// The kept window starts at the oldest time either rule keeps.
	window := now
	if r.KeepWithin > 0 {
		window = cutoff
	}
	for _, v := range vs {
		if keepCount[v.Version] && v.StartedAt.Before(window) {
			window = v.StartedAt
		}
	}
	aliased := aliasedSince(m, window, now)
	var out []*plans.Action
	for _, v := range vs {
		switch {
		case keepCount[v.Version]:
			continue
		case r.KeepWithin > 0 && !v.StartedAt.Before(cutoff):
			continue
		case v.Version == vs[len(vs)-1].Version, v.Version == latestSucceeded:
			continue
		case aliased[v.Version], protected[v.Version] != "":
			continue
		}
		a := &plans.Action{Addr: fmt.Sprintf("model.%s@%d", m.Name, v.Version), Kind: plans.KindForget,
			Forget: &plans.ForgetChange{Model: m.Name, Version: v.Version, CreatedAt: v.StartedAt}}
		if v.Status != state.StatusSucceeded {
			a.Reasons = append(a.Reasons, plans.Reason{Code: plans.ReasonFailed, Message: failedMessage(v.Status), Data: map[string]any{"status": v.Status}})
		}
		a.Reasons = append(a.Reasons, ruleReasons(r)...)
		out = append(out, a)
	}
	return out
}

// aliasedSince returns the versions some alias of m pointed at, at any
// moment from window to now: the current targets and every target of a
// move that was not replaced before the window started (replaced at its
// start counts).
func aliasedSince(m *state.Model, window, now time.Time) map[int]bool {
	out := map[int]bool{}
	for _, al := range m.Aliases {
		out[al.Version] = true
		moves := append([]*state.AliasMove(nil), al.History...)
		sort.SliceStable(moves, func(i, j int) bool { return moves[i].At.Before(moves[j].At) })
		for i, mv := range moves {
			until := now
			if i+1 < len(moves) {
				until = moves[i+1].At
			}
			// A move at the very start of the window still leaves
			// mv.To aliased then: under one clock (-now), a version
			// trained and promoted by one apply starts at the instant
			// the alias leaves its predecessor, the rollback target.
			if !until.Before(window) {
				out[mv.To] = true
			}
		}
	}
	return out
}

// forgetSnapshots returns forget actions for the snapshots of d that
// neither rule keeps, oldest first, never the current one. The caller
// drops those a kept version uses. A snapshot id taken more than once
// counts at its newest position and time.
func forgetSnapshots(d *state.Dataset, r *config.Retention, now time.Time) []*plans.Action {
	type entry struct {
		sn   *state.Snapshot
		rank int // 0: current
	}
	var order []string
	byID := map[string]entry{}
	for i := len(d.Snapshots) - 1; i >= 0; i-- {
		sn := d.Snapshots[i]
		if _, seen := byID[sn.ID]; seen {
			continue
		}
		byID[sn.ID] = entry{sn: sn, rank: len(order)}
		order = append(order, sn.ID)
	}
	cutoff := now.Add(-r.KeepWithin)
	var out []*plans.Action
	for i := len(order) - 1; i >= 1; i-- { // rank 0, the current snapshot, is always kept
		e := byID[order[i]]
		if r.KeepLast > 0 && e.rank < r.KeepLast {
			continue
		}
		if r.KeepWithin > 0 && !e.sn.CreatedAt.Before(cutoff) {
			continue
		}
		out = append(out, &plans.Action{Addr: "dataset." + d.Name + "@" + e.sn.ID, Kind: plans.KindForget, Reasons: ruleReasons(r),
			Forget: &plans.ForgetChange{Dataset: d.Name, Snapshot: e.sn.ID, CreatedAt: e.sn.CreatedAt, Bytes: e.sn.Bytes}})
	}
	return out
}

// ruleReasons names every rule of r (both fail when an object is not
// kept): "not among the last 5", "older than 90d".
func ruleReasons(r *config.Retention) []plans.Reason {
	var out []plans.Reason
	if r.KeepLast > 0 {
		out = append(out, plans.Reason{Code: plans.ReasonNotAmongLast, Message: fmt.Sprintf("not among the last %d", r.KeepLast), Data: map[string]any{"keep_last": r.KeepLast}})
	}
	if r.KeepWithin > 0 {
		d := formatRetention(r.KeepWithin)
		out = append(out, plans.Reason{Code: plans.ReasonOlderThan, Message: "older than " + d, Data: map[string]any{"keep_within": d}})
	}
	return out
}

// formatRetention renders a keep_within duration as users write it: whole
// days as "90d", anything else as Go would ("36h", "90m").
func formatRetention(d time.Duration) string {
	const day = 24 * time.Hour
	if d >= day && d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	return policy.FormatDuration(d)
}

// RunForget forgets the snapshot or version (state only). state.Remove
// refuses one that became used or aliased since the plan, which the plan's
// serial check already prevents.
func RunForget(ctx context.Context, rc *engine.RunContext, a *plans.Action) error {
	f := a.Forget
	addr := state.Address{Kind: state.AddrVersion, Name: f.Model, Version: f.Version}
	if f.Dataset != "" {
		addr = state.Address{Kind: state.AddrSnapshot, Name: f.Dataset, Snapshot: f.Snapshot}
	}
	if err := rc.UpdateState(ctx, func(s *state.State) error { return s.Remove(addr) }); err != nil {
		return fmt.Errorf("forget %s: %w", plans.ForgetLabel(a), err)
	}
	rc.SetSummary(a, "forgotten")
	return nil
}

func failedMessage(status string) string {
	if status == state.StatusFailed {
		return "failed attempt"
	}
	return "failed attempt (" + status + ")"
}
