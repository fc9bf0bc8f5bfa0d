package planner

import (
	"fmt"
	"strings"

	"github.com/mlform/mlform/planner/dataset"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/state"
)

// staleSavedPlan explains why a saved plan made at another serial of this
// state is refused. Like Terraform, mlform never applies part of a plan
// whose state moved: what is left must be planned again against what is
// recorded now. The message says what happened, because "run plan again"
// reads differently after a plan that did run than after a -target apply
// that did part of it:
//
//   - the state records versions or alias moves made by this very plan
//     (their plan digest), or every action is a snapshot that is now the
//     current one of its dataset: the plan was already applied;
//   - some of its snapshots are current but not all of its work is: an
//     apply since (a -target apply, another plan) did part of it;
//   - otherwise the state simply changed.
func staleSavedPlan(p *plans.Plan, st *state.State) error {
	moved := fmt.Sprintf("state serial moved from %d to %d", p.Serial, st.Serial)
	if recordsPlan(p, st) {
		return fmt.Errorf("saved plan was already applied (%s and records what it planned): run plan again", moved)
	}
	var taken []string
	onlySnapshots, allTaken := true, true
	for _, a := range p.Actions {
		if a.Snapshot == nil {
			onlySnapshots = false
			continue
		}
		if last := dataset.LastSnapshot(st, a.Snapshot.Dataset); last != nil && last.ID == a.Snapshot.NewID {
			taken = append(taken, a.Addr)
		} else {
			allTaken = false
		}
	}
	switch {
	case len(taken) > 0 && allTaken && onlySnapshots:
		return fmt.Errorf("saved plan was already applied (%s and every snapshot it takes is current): run plan again", moved)
	case len(taken) > 0:
		return fmt.Errorf("saved plan is stale: an apply since it was made (a -target apply, or another plan) did part of it "+
			"(%s already snapshotted; %s); a saved plan is applied whole or not at all: run plan again for what is left", strings.Join(taken, ", "), moved)
	}
	return fmt.Errorf("saved plan is stale: the state changed since it was made (serial %d, now %d): run plan again", p.Serial, st.Serial)
}

// recordsPlan reports whether state moved because this plan ran: a
// version or an alias move records the plan's digest.
func recordsPlan(p *plans.Plan, st *state.State) bool {
	digest := plans.Digest(p)
	for _, m := range st.Models {
		for _, v := range m.Versions {
			if v.PlanDigest == digest {
				return true
			}
		}
		for _, a := range m.Aliases {
			for _, mv := range a.History {
				if mv.PlanDigest == digest {
					return true
				}
			}
		}
	}
	return false
}
