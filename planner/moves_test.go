package planner

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/state"
)

func TestPlanMoves(t *testing.T) {
	recorded := func() *state.State {
		st := state.New()
		for _, n := range []string{"a", `fleet["eu"]`, `fleet["us"]`, "taken"} {
			st.EnsureModel(n)
		}
		st.Datasets["sales"] = &state.Dataset{Name: "sales", Snapshots: []*state.Snapshot{}}
		st.Models["a"].Approvals = []*state.Approval{{Promotion: "reviewed", Alias: "production", Version: 1, By: "ann@h"}}
		st.Models["a"].Awaiting = []*state.Awaiting{{Promotion: "waiting", Alias: "production", Version: 1}}
		return st
	}
	for _, tc := range []struct {
		name    string
		moved   []config.Moved
		implied []config.Moved
		want    string // moves, then notes
	}{
		{"rename", []config.Moved{{From: "model.a", To: "model.b"}}, nil, "[model.a->model.b] []"},
		{"chain", []config.Moved{{From: "model.a", To: "model.b"}, {From: "model.b", To: "model.c"}}, nil, "[model.a->model.b model.b->model.c] []"},
		{"whole block takes its instances", []config.Moved{{From: "model.fleet", To: "model.regional"}}, nil,
			`[model.fleet["eu"]->model.regional["eu"] model.fleet["us"]->model.regional["us"]] []`},
		{"one instance", []config.Moved{{From: `model.fleet["eu"]`, To: `model.fleet["europe"]`}}, nil, `[model.fleet["eu"]->model.fleet["europe"]] []`},
		{"into for_each", []config.Moved{{From: "dataset.sales", To: `dataset.sales["eu"]`}}, nil, `[dataset.sales->dataset.sales["eu"]] []`},
		{"a promotion recorded by its approvals", []config.Moved{{From: "promotion.reviewed", To: "promotion.prod"}}, nil, "[promotion.reviewed->promotion.prod] []"},
		{"a promotion recorded by its announced waits", []config.Moved{{From: "promotion.waiting", To: "promotion.prod"}}, nil, "[promotion.waiting->promotion.prod] []"},
		{"target recorded by its announced waits: note", []config.Moved{{From: "promotion.reviewed", To: "promotion.waiting"}}, nil, "[] [promotion.reviewed]"},
		{"not recorded: nothing", []config.Moved{{From: "model.gone", To: "model.b"}}, nil, "[] []"},
		{"target recorded: note", []config.Moved{{From: "model.a", To: "model.taken"}}, nil, "[] [model.a]"},
		{"implied, target recorded: silent", nil, []config.Moved{{From: "model.a", To: "model.taken"}}, "[] []"},
		{"implied after explicit", []config.Moved{{From: "model.a", To: "model.b"}}, []config.Moved{{From: "model.b", To: "model.b[0]"}}, "[model.a->model.b model.b->model.b[0]] []"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			moves, notes := planMoves(tc.moved, tc.implied, recorded())
			var ms, ns []string
			for _, m := range moves {
				ms = append(ms, m.From+"->"+m.To)
			}
			for _, n := range notes {
				ns = append(ns, n.Addr)
			}
			if got := fmt.Sprint(ms) + " " + fmt.Sprint(ns); got != tc.want {
				t.Errorf("planMoves = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestMigrate(t *testing.T) {
	st := state.New()
	m := st.EnsureModel("a")
	m.NextVersion = 2
	m.Versions = append(m.Versions, &state.Version{Version: 1, Status: state.StatusSucceeded,
		Inputs: state.Inputs{Snapshots: map[string]string{"sales": "0123456789abcdef"}, Params: map[string]any{}}})
	m.Aliases["production"] = &state.Alias{Name: "production", Version: 1}
	st.Datasets["sales"] = &state.Dataset{Name: "sales", Snapshots: []*state.Snapshot{}}
	st.Policies["p"] = &state.Policy{Name: "p", LastTrain: map[string]time.Time{"a": {}}}
	st.Publications = map[string]*state.Publication{"prod": {Version: 1, URL: "file://p"}}
	m.Approvals = []*state.Approval{{Promotion: "prod", Alias: "production", Version: 1, By: "ann@h"},
		{Promotion: "staging", Alias: "staging", Version: 1, By: "bob@h"}}
	m.Awaiting = []*state.Awaiting{{Promotion: "prod", Alias: "production", Version: 1, At: time.Unix(5, 0).UTC()},
		{Promotion: "gate", Alias: "canary", Version: 1, At: time.Unix(6, 0).UTC()}}
	moves := []*plans.Move{{From: "model.a", To: `model.a["eu"]`}, {From: "dataset.sales", To: `dataset.sales["eu"]`},
		{From: "retrain_policy.p", To: "retrain_policy.fleet"}, {From: "promotion.prod", To: `promotion.prod["eu"]`},
		{From: "promotion.staging", To: "promotion.review"}, {From: "promotion.gate", To: "promotion.canary"}}

	cp, err := movedState(st, moves)
	if err != nil {
		t.Fatal(err)
	}
	if st.Models["a"] == nil || cp.Models["a"] != nil {
		t.Fatal("movedState changed the state it read, or did not move")
	}
	if err := applyMoves(context.Background(), st, moves, nil); err != nil {
		t.Fatal(err)
	}
	got := st.Models[`a["eu"]`]
	switch {
	case got == nil || got.Name != `a["eu"]` || got.Aliases["production"].Version != 1 || got.NextVersion != 2:
		t.Fatalf("model not moved with its history: %+v", got)
	case got.Versions[0].Inputs.Snapshots[`sales["eu"]`] != "0123456789abcdef":
		t.Errorf("version inputs still name the old dataset: %v", got.Versions[0].Inputs.Snapshots)
	case got.Versions[0].Inputs.Digest == "":
		t.Error("inputs digest not recomputed")
	case st.Datasets[`sales["eu"]`] == nil || st.Datasets["sales"] != nil:
		t.Error("dataset not moved")
	}
	if p := st.Policies["fleet"]; p == nil || p.Name != "fleet" || st.Policies["p"] != nil {
		t.Fatal("policy not moved")
	}
	if _, ok := st.Policies["fleet"].LastTrain[`a["eu"]`]; !ok {
		t.Error("policy last_train not moved with the model")
	}
	if st.Publications[`prod["eu"]`] == nil || st.Publications["prod"] != nil {
		t.Error("promotion's publication not moved")
	}
	// An approval is the promotion's too: a renamed promotion keeps it
	// (a reviewed version does not wait for a second review), also one
	// that never published.
	if aps := st.Models[`a["eu"]`].Approvals; aps[0].Promotion != `prod["eu"]` || aps[1].Promotion != "review" {
		t.Errorf("approvals not moved with their promotions: %+v %+v", aps[0], aps[1])
	}
	// So is an announced wait for approval: a renamed promotion does not
	// announce it again, also one with nothing else recorded.
	if aws := st.Models[`a["eu"]`].Awaiting; aws[0].Promotion != `prod["eu"]` || aws[1].Promotion != "canary" {
		t.Errorf("announced waits not moved with their promotions: %+v %+v", aws[0], aws[1])
	}
	if !st.Models[`a["eu"]`].Announced("canary", "canary", 1) {
		t.Error("the renamed promotion's wait reads as not announced")
	}
	if err := st.Validate(); err != nil {
		t.Errorf("moved state invalid: %v", err)
	}
	// A move onto a promotion with announced waits is refused, as onto
	// one with approvals: the two records would merge.
	onto := st.Models[`a["eu"]`]
	onto.Approvals = append(onto.Approvals, &state.Approval{Promotion: "other", Alias: "canary", Version: 1, By: "ann@h"})
	if err := applyMoves(context.Background(), st, []*plans.Move{{From: "promotion.other", To: "promotion.canary"}}, nil); err == nil {
		t.Error("a move onto a promotion with announced waits: no error")
	}
	if onto.Approvals[len(onto.Approvals)-1].Promotion != "other" {
		t.Error("a refused move onto announced waits renamed the approval")
	}
	// Replaying the moves (a stale plan file) is refused, not half-done.
	if err := applyMoves(context.Background(), st, moves, nil); err == nil {
		t.Error("moving again: no error")
	}
	// A later move that fails leaves the earlier ones undone too.
	half := []*plans.Move{{From: `model.a["eu"]`, To: "model.z"}, {From: "model.gone", To: "model.y"}}
	if err := applyMoves(context.Background(), st, half, nil); err == nil {
		t.Fatal("a move from an unrecorded model: no error")
	}
	if st.Models[`a["eu"]`] == nil || st.Models["z"] != nil {
		t.Error("a refused set of moves left the state half-migrated")
	}
}

func TestImplicitMoves(t *testing.T) {
	models := func(names ...string) *config.Config {
		c := &config.Config{Models: map[string]*config.Model{}, Datasets: map[string]*config.Dataset{}}
		for _, n := range names {
			c.Models[n] = &config.Model{Name: n}
		}
		return c
	}
	for _, tc := range []struct {
		name     string
		cfg      *config.Config
		explicit []config.Moved
		want     string
	}{
		{"gained count", models("a[0]", "a[1]"), nil, "[model.a->model.a[0]]"},
		{"lost count", models("a"), nil, "[model.a[0]->model.a]"},
		{"for_each is never implied", models(`a["0"]`, `a["x"]`), nil, "[]"},
		{"an explicit moved block wins", models("a[0]"), []config.Moved{{From: "model.b", To: "model.a[0]"}}, "[]"},
		{"explicit about the block", models("a[0]"), []config.Moved{{From: "model.a", To: "model.c"}}, "[]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, m := range implicitMoves(tc.cfg, tc.explicit) {
				got = append(got, m.From+"->"+m.To)
			}
			if s := fmt.Sprint(got); s != tc.want {
				t.Errorf("implicitMoves = %s, want %s", s, tc.want)
			}
		})
	}
}

// TestMigrateKeepsTrainedNames: versions (and a running attempt's draft)
// keep the names their step saw across renames; a chain keeps the first
// names, and a rename back to them forgets the record.
func TestMigrateKeepsTrainedNames(t *testing.T) {
	st := state.New()
	m := st.EnsureModel("churn")
	m.NextVersion = 3
	m.Versions = append(m.Versions, &state.Version{Version: 1, Status: state.StatusSucceeded,
		Inputs: state.Inputs{Snapshots: map[string]string{"events": "0123456789abcdef", "other": "fedcba9876543210"}, Params: map[string]any{}}})
	draft := &state.Version{Version: 2, Inputs: state.Inputs{Snapshots: map[string]string{"events": "0123456789abcdef"}, Params: map[string]any{}}}
	m.Evaluating = []*state.RunningEvaluation{{Version: 1, Snapshots: map[string]string{"events": "0123456789abcdef"}, Executor: "slurm", JobID: "13",
		SpecID: "6666666666666666", Store: "default"}}
	m.Running = []*state.RunningAttempt{{Version: 2, Step: "train", Executor: "slurm", JobID: "12", SpecID: "5555555555555555", Store: "default", Draft: draft}}
	st.Datasets["events"] = &state.Dataset{Name: "events", Snapshots: []*state.Snapshot{}}
	st.Datasets["other"] = &state.Dataset{Name: "other", Snapshots: []*state.Snapshot{}}

	move := func(pairs ...string) {
		t.Helper()
		var moves []*plans.Move
		for i := 0; i < len(pairs); i += 2 {
			moves = append(moves, &plans.Move{From: pairs[i], To: pairs[i+1]})
		}
		if err := applyMoves(context.Background(), st, moves, nil); err != nil {
			t.Fatal(err)
		}
		st.Normalize()
		if err := st.Validate(); err != nil {
			t.Fatalf("after %v: %v", pairs, err)
		}
	}
	trained := func(model string, v *state.Version) string {
		return fmt.Sprint(v.TrainedModel(model), " ", v.TrainedSnapshots())
	}
	move("model.churn", "model.attrition", "dataset.events", `dataset.activity["eu"]`)
	move("model.attrition", "model.retention", `dataset.activity["eu"]`, "dataset.clicks")
	m = st.Models["retention"]
	if got, want := trained("retention", m.Versions[0]), "churn map[events:0123456789abcdef other:fedcba9876543210]"; got != want {
		t.Errorf("v1 trained as %s, want %s", got, want)
	}
	if got, want := trained("retention", m.Running[0].Draft), "churn map[events:0123456789abcdef]"; got != want {
		t.Errorf("running v2 trained as %s, want %s", got, want)
	}
	if m.Running[0].Draft.Inputs.Snapshots["clicks"] == "" || m.Running[0].Draft.Inputs.Digest == "" {
		t.Errorf("running draft inputs not renamed: %+v", m.Running[0].Draft.Inputs)
	}
	if m.Evaluating[0].Snapshots["clicks"] == "" {
		t.Errorf("running evaluate job's snapshots not renamed: %v", m.Evaluating[0].Snapshots)
	}
	if st.MinFormat() != 5 {
		t.Errorf("format %d, want 5", st.MinFormat())
	}
	move("model.retention", "model.churn", "dataset.clicks", "dataset.events")
	m = st.Models["churn"]
	if m.Versions[0].TrainedAs != nil || m.Running[0].Draft.TrainedAs != nil {
		t.Errorf("renamed back, trained_as %+v / %+v", m.Versions[0].TrainedAs, m.Running[0].Draft.TrainedAs)
	}
	if st.MinFormat() == 5 {
		t.Error("format 5 without trained_as")
	}
}
