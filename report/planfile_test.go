package report

import (
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/planner/plans"
)

func TestParamChangeText(t *testing.T) {
	tests := []struct {
		c    plans.Change
		want string
	}{
		{plans.Change{Path: "params.lr", Old: 0.05, New: 0.08}, "params.lr: 0.05 -> 0.08"},
		{plans.Change{Path: "params.lr", New: 0.08}, "params.lr: (none) -> 0.08"},
		{plans.Change{Path: "params.lr", Old: 0.05}, "params.lr: 0.05 -> (none)"},
		{plans.Change{Path: "params.x", OldNull: true, New: 1.0}, "params.x: null -> 1"},
		{plans.Change{Path: "params.x", Old: "a", NewNull: true}, "params.x: a -> null"},
	}
	for _, tt := range tests {
		if got := paramChangeText(tt.c); got != tt.want {
			t.Errorf("paramChangeText(%+v) = %q, want %q", tt.c, got, tt.want)
		}
	}
}

// TestStalePlan: a plan made against another serial, or for another
// state, says so on the plan page, the overview and the model pages that
// show its actions (apply would refuse it; its pending actions may be
// done already). A current plan says nothing of the kind.
func TestStalePlan(t *testing.T) {
	f := newFixture(t)
	defer f.Stores.Close()
	lineage := f.State.Lineage
	tests := []struct {
		name    string
		lineage string
		serial  uint64
		want    string // "" for a current plan
	}{
		{"current", lineage, 9, ""},
		{"serial moved", lineage, 11, "it was made against state serial 9 and the state is now at serial 11"},
		{"other state", "5d2a6c1e-0000-4000-8000-000000000002", 9, "This plan was made for another state (lineage 5d2a6c1e-0000-4000-8000-000000000001; the state reported here is 5d2a6c1e-0000-4000-8000-000000000002)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.State.Lineage, f.State.Serial = tt.lineage, tt.serial
			in := f.input()
			in.Plan = testPlan()
			out, _ := buildSite(t, in)
			for _, page := range []string{"plan.html", "index.html", "model-churn.html"} {
				got := readPage(t, out, page)
				switch {
				case tt.want == "" && strings.Contains(got, `class="warn"`):
					t.Errorf("%s: a current plan is marked: %s", page, got)
				case tt.want != "" && !strings.Contains(got, tt.want):
					t.Errorf("%s lacks %q", page, tt.want)
				}
			}
		})
	}
}

// TestPlanMoves: a plan whose changes are moved blocks (a rename) is not
// "No changes" on its page: each move is listed and counted, and the model
// page of the moved model (the state reported still has its old address)
// shows the move and the plan's actions under its new address.
func TestPlanMoves(t *testing.T) {
	f := newFixture(t)
	defer f.Stores.Close()
	for _, withTrain := range []bool{false, true} {
		p := &plans.Plan{FormatVersion: plans.PlanFormatVersion, CreatedAt: t0.Add(119 * time.Hour), MLFormVersion: "test",
			Lineage: f.State.Lineage, Serial: f.State.Serial, Refreshed: true,
			Moves: []*plans.Move{{From: "model.churn", To: "model.retention"}, {From: "dataset.churn", To: `dataset.sales["eu"]`}}}
		if withTrain {
			p.Actions = []*plans.Action{{Addr: "model.retention", Kind: plans.KindTrain,
				Reasons: []plans.Reason{{Code: plans.ReasonDataChanged, Message: "data changed"}},
				Train:   &plans.TrainChange{Model: "retention", Version: 6}}}
		}
		in := f.input()
		in.Plan = planView("tfplan", p)
		out, _ := buildSite(t, in)
		plan := readPage(t, out, "plan.html")
		if strings.Contains(plan, "No changes") {
			t.Errorf("withTrain=%v: plan.html says No changes for a plan of 2 moves", withTrain)
		}
		for _, want := range []string{"2 moved", "model.churn → model.retention", "dataset.churn → dataset.sales[&#34;eu&#34;]"} {
			if !strings.Contains(plan, want) {
				t.Errorf("withTrain=%v: plan.html lacks %q", withTrain, want)
			}
		}
		model := readPage(t, out, "model-churn.html")
		wants := []string{"move model.churn to model.retention"}
		if withTrain {
			wants = append(wants, "train model.retention: data changed")
		}
		for _, want := range wants {
			if !strings.Contains(model, want) {
				t.Errorf("withTrain=%v: model-churn.html lacks %q", withTrain, want)
			}
		}
	}
}
