package ops

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/state"
)

// LineageGaps lists, one message each, the inputs of recorded versions
// whose snapshot has no record left in the state (neither in its
// dataset's history nor among the retained snapshots). Such a state was
// written before mlform kept lineage records on `state rm`: gc cannot know
// which store holds that data, so it is not protected and the version may
// not be reproducible. `gc -check` reports these as failures.
func LineageGaps(st *state.State) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(st.Models)) {
		for _, v := range st.Models[name].Versions {
			for _, ds := range slices.Sorted(maps.Keys(v.Inputs.Snapshots)) {
				id := v.Inputs.Snapshots[ds]
				if st.FindSnapshot(ds, id) == nil {
					out = append(out, fmt.Sprintf("model.%s@%d uses dataset.%s@%s, which has no snapshot record in the state (removed before mlform protected lineage): gc cannot protect its data", name, v.Version, ds, plans.ShortID(id)))
				}
			}
		}
	}
	return out
}

// DescribeRef says what in st references id in store, for messages about
// missing objects: "dataset.churn@72f28763 (used by model.churn@3)",
// "artifacts of model.churn@3". "" when nothing does.
func DescribeRef(st *state.State, store, id string) string {
	var out []string
	for _, snaps := range []map[string]*state.Dataset{st.Datasets, st.RetainedSnapshots} {
		for _, ds := range slices.Sorted(maps.Keys(snaps)) {
			for _, sn := range snaps[ds].Snapshots {
				if storeOr(sn.Store) != store || (sn.ID != id && sn.ProfileID != id) {
					continue
				}
				what := fmt.Sprintf("dataset.%s@%s", ds, plans.ShortID(sn.ID))
				if sn.ProfileID == id {
					what = "profile of " + what
				}
				if users := st.SnapshotUsers(ds, sn.ID); len(users) > 0 {
					what += fmt.Sprintf(" (used by %s", users[0])
					if len(users) > 1 {
						what += fmt.Sprintf(" and %d more", len(users)-1)
					}
					what += ")"
				}
				out = append(out, what)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(st.Models)) {
		for _, v := range st.Models[name].Versions {
			if storeOr(v.Store) != store {
				continue
			}
			if v.ArtifactsID == id {
				out = append(out, fmt.Sprintf("artifacts of model.%s@%d", name, v.Version))
			}
			if v.LogsID == id {
				out = append(out, fmt.Sprintf("logs of model.%s@%d", name, v.Version))
			}
			if v.CodeID == id {
				out = append(out, fmt.Sprintf("code archive of model.%s@%d", name, v.Version))
			}
			if v.EnvironmentID == id {
				out = append(out, fmt.Sprintf("environment record of model.%s@%d", name, v.Version))
			}
			if v.CardID == id {
				out = append(out, fmt.Sprintf("model card of model.%s@%d", name, v.Version))
			}
		}
		for _, r := range st.Models[name].Running {
			if storeOr(r.Store) == store && r.SpecID == id {
				out = append(out, fmt.Sprintf("step spec of model.%s v%d (running as %s job %s)", name, r.Version, r.Executor, r.JobID))
			}
			if storeOr(r.Store) == store && r.ParamsID == id {
				out = append(out, fmt.Sprintf("params of model.%s v%d (running)", name, r.Version))
			}
			if r.Draft != nil && storeOr(r.Draft.Store) == store && r.Draft.CodeID == id {
				out = append(out, fmt.Sprintf("code archive of model.%s v%d (running)", name, r.Version))
			}
			if r.Draft != nil && storeOr(r.Draft.Store) == store && (r.Draft.EnvironmentID == id || r.Draft.CardID == id) {
				out = append(out, fmt.Sprintf("environment record or model card of model.%s v%d (running)", name, r.Version))
			}
		}
		for _, e := range st.Models[name].Evaluating {
			if storeOr(e.Store) == store && e.SpecID == id {
				out = append(out, fmt.Sprintf("step spec of the evaluation of model.%s v%d (running as %s job %s)", name, e.Version, e.Executor, e.JobID))
			}
			if storeOr(e.Store) == store && (e.ParamsID == id || e.CodeID == id) {
				out = append(out, fmt.Sprintf("params or code of the evaluation of model.%s v%d (running)", name, e.Version))
			}
		}
	}
	sort.Strings(out)
	out = engine.Uniq(out)
	if len(out) == 0 {
		return ""
	}
	s := out[0]
	if len(out) > 1 {
		s += fmt.Sprintf(" and %d more", len(out)-1)
	}
	return s
}
