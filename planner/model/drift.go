package model

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/planner/profile"
	"github.com/mlform/mlform/state"
)

// planDrift measures, for each dataset of the model whose snapshot
// changed since the latest version, the drift of its stats columns
// between the profile of the snapshot that version trained on and the
// profile of the snapshot it would train on now. A profile that cannot be
// read becomes a note: drift is then not a trigger, never an error.
//
// Nor does a trigger go quiet without a word when part of it measures
// nothing: a drift block's column that no dataset of the model profiles
// (a typo), and, with method "ks", the categorical columns KS skips, are
// notes too.
func planDrift(ctx context.Context, pc *engine.PlanContext, spec *modelSpec, method string, only []string, latest *state.Version, snaps map[string]string) []policy.ColumnDrift {
	var out []policy.ColumnDrift
	measurable := false
	profiled := map[string]bool{}
	var skipped, empty []string
	for _, ds := range spec.Datasets {
		refID, curID := latest.Inputs.Snapshots[ds], snaps[ds]
		for _, c := range pc.WS.Datasets[ds].StatsColumns {
			profiled[c] = true
		}
		cols := driftColumns(pc.WS.Datasets[ds].StatsColumns, only)
		measurable = measurable || len(cols) > 0
		if refID == "" || refID == curID || len(cols) == 0 {
			continue
		}
		rep, unprofiled, err := datasetDrift(ctx, pc, ds, refID, curID, cols)
		if err != nil {
			pc.AddNote(&plans.Note{Addr: "model." + spec.Name, Message: fmt.Sprintf("drift of dataset.%s not measured: %v", ds, err)})
			continue
		}
		for _, u := range unprofiled {
			pc.AddNote(&plans.Note{Addr: "model." + spec.Name, Message: fmt.Sprintf(
				"drift of %s (dataset.%s) not measured: %s; the other stats columns are measured",
				u.column, ds, u.why(latest.Version, refID, curID))})
		}
		for _, c := range rep.Columns {
			out = append(out, policy.ColumnDrift{Dataset: ds, Column: c.Name, PSI: c.PSI, KS: c.KS, HasKS: c.Kind == profile.Numeric})
			switch {
			case method != policy.DriftKS || c.Kind == profile.Numeric:
			case c.AllNull != "":
				empty = append(empty, fmt.Sprintf("%s (dataset.%s: all null in the %s snapshot)", c.Name, ds, c.AllNull))
			default:
				skipped = append(skipped, fmt.Sprintf("%s (dataset.%s)", c.Name, ds))
			}
		}
	}
	if len(skipped) > 0 {
		pc.AddNote(&plans.Note{Addr: "model." + spec.Name, Message: fmt.Sprintf(
			"the ks drift trigger does not measure %s: KS compares numeric columns only, and %s; method = \"psi\" measures categorical columns too",
			strings.Join(skipped, ", "), map[bool]string{true: "this one is categorical", false: "these are categorical"}[len(skipped) == 1])})
	}
	if len(empty) > 0 {
		// A numeric column whose values all became null (a broken
		// feature pipeline) is no categorical column: say what KS lacks.
		pc.AddNote(&plans.Note{Addr: "model." + spec.Name, Message: fmt.Sprintf(
			"the ks drift trigger does not measure %s: KS compares the numbers of two snapshots and one has none; method = \"psi\" counts nulls",
			strings.Join(empty, ", "))})
	}
	if measurable {
		var unknown []string
		for _, c := range only {
			if !profiled[c] {
				unknown = append(unknown, c)
			}
		}
		if len(unknown) > 0 {
			pc.AddNote(&plans.Note{Addr: "model." + spec.Name, Message: fmt.Sprintf(
				"the drift block's %s not a stats column of any dataset of model.%s: %s nothing",
				map[bool]string{true: "column " + unknown[0] + " is", false: "columns " + strings.Join(unknown, ", ") + " are each"}[len(unknown) == 1],
				spec.Name, map[bool]string{true: "it measures", false: "they measure"}[len(unknown) == 1])})
		}
	}
	if !measurable {
		// Otherwise the trigger silently never fires.
		what := "declares stats columns"
		if len(only) > 0 {
			what = "profiles the drift block's columns (" + strings.Join(only, ", ") + ")"
		}
		pc.AddNote(&plans.Note{Addr: "model." + spec.Name, Message: fmt.Sprintf(
			"the drift trigger measures nothing: no dataset of model.%s %s; add stats { columns = [...] } to its datasets", spec.Name, what)})
	}
	return out
}

// unprofiledColumn is a stats column one of the two profiles of a drift
// lacks.
type unprofiledColumn struct {
	column           string
	inRef, inCurrent bool
}

func (u unprofiledColumn) why(version int, refID, curID string) string {
	var where []string
	if !u.inRef {
		where = append(where, fmt.Sprintf("the snapshot v%d trained on (%s)", version, plans.ShortID(refID)))
	}
	if !u.inCurrent {
		where = append(where, fmt.Sprintf("the current snapshot (%s)", plans.ShortID(curID)))
	}
	return fmt.Sprintf("%s was profiled before it was a stats column", strings.Join(where, " and "))
}

// A stats column one of the two profiles lacks (added to stats after the
// snapshot was profiled) is returned in unprofiled rather than failing the
// whole dataset: the other columns are still measured.
func datasetDrift(ctx context.Context, pc *engine.PlanContext, ds, refID, curID string, cols []string) (rep profile.Report, unprofiled []unprofiledColumn, err error) {
	ref, err := storedProfile(ctx, pc.WS, pc.State, ds, refID)
	if err != nil {
		return profile.Report{}, nil, fmt.Errorf("reference snapshot %s: %w", plans.ShortID(refID), err)
	}
	var cur *profile.Profile
	if a := pc.Plan.Action(plans.KindSnapshot, "dataset."+ds); a != nil && a.Snapshot.NewID == curID && a.Snapshot.Observation != nil {
		if len(a.Snapshot.Observation.Profile) == 0 {
			return profile.Report{}, nil, fmt.Errorf("snapshot %s has no profile", plans.ShortID(curID))
		}
		cur, err = profile.Decode(a.Snapshot.Observation.Profile)
	} else {
		cur, err = storedProfile(ctx, pc.WS, pc.State, ds, curID)
	}
	if err != nil {
		return profile.Report{}, nil, fmt.Errorf("current snapshot %s: %w", plans.ShortID(curID), err)
	}
	var both []string
	for _, c := range cols {
		u := unprofiledColumn{column: c, inRef: ref.Column(c) != nil, inCurrent: cur.Column(c) != nil}
		if u.inRef && u.inCurrent {
			both = append(both, c)
		} else {
			unprofiled = append(unprofiled, u)
		}
	}
	if len(both) == 0 {
		return profile.Report{}, unprofiled, nil
	}
	rep, err = profile.Drift(ref, cur, both)
	return rep, unprofiled, err
}

// storedProfile reads the column profile recorded with a snapshot.
func storedProfile(ctx context.Context, ws *engine.Workspace, st *state.State, ds, id string) (*profile.Profile, error) {
	snap := findSnapshot(st, ds, id)
	switch {
	case snap == nil:
		return nil, fmt.Errorf("not recorded in state")
	case snap.ProfileID == "":
		return nil, fmt.Errorf("recorded without a profile (stats columns were added later?)")
	}
	store, err := ws.Store(ctx, snap.Store)
	if err != nil {
		return nil, err
	}
	b, err := store.GetObject(ctx, snap.ProfileID)
	if err != nil {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	return profile.Decode(b)
}

// findSnapshot returns the recorded snapshot of dataset ds with id, from
// its history or, for one that left it, from the retained records.
func findSnapshot(st *state.State, ds, id string) *state.Snapshot {
	return st.FindSnapshot(ds, id)
}

// driftColumns is the dataset's stats columns, limited to only when the
// drift block names columns.
func driftColumns(stats, only []string) []string {
	if len(only) == 0 {
		return stats
	}
	var out []string
	for _, c := range stats {
		if slices.Contains(only, c) {
			out = append(out, c)
		}
	}
	return out
}
