package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/wanttext"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
)

func result(statuses ...string) *engine.Result {
	kinds := []string{plans.KindSnapshot, plans.KindTrain, plans.KindPromote, plans.KindSnapshot, plans.KindEvaluate}
	res := &engine.Result{}
	for i, s := range statuses {
		r := &engine.ActionResult{Action: &plans.Action{Kind: kinds[i], Addr: "dataset.d" + string(rune('a'+i))}, Status: s}
		if s == engine.ResultFailed {
			r.Err = errors.New("boom")
		}
		if s == engine.ResultSkipped {
			r.Err = errors.New("not run: snapshot dataset.da failed")
		}
		if kinds[i] == plans.KindPromote {
			r.Summary = "promoted: production v1 -> v2"
		}
		res.Actions = append(res.Actions, r)
	}
	return res
}

// withTrain adds a succeeded train action per summary.
func withTrain(res *engine.Result, summaries ...string) *engine.Result {
	for _, s := range summaries {
		res.Actions = append(res.Actions, &engine.ActionResult{Action: &plans.Action{Kind: plans.KindTrain, Addr: "model.m"},
			Status: engine.ResultSucceeded, Summary: s})
	}
	return res
}

// withPromote adds a succeeded promote action per summary.
func withPromote(res *engine.Result, summaries ...string) *engine.Result {
	for _, s := range summaries {
		res.Actions = append(res.Actions, &engine.ActionResult{Action: &plans.Action{Kind: plans.KindPromote, Addr: "promotion.p"},
			Status: engine.ResultSucceeded, Summary: s})
	}
	return res
}

func TestApplyResult(t *testing.T) {
	tests := []struct {
		name        string
		res         *engine.Result
		interrupted bool
		want        []string
		notWant     []string
	}{
		{"all ok", result("succeeded", "succeeded", "succeeded"), false,
			[]string{"Apply complete! 1 snapshot, 1 train, 1 promotion."}, []string{"Error"}},
		{"plural and evaluations", result("succeeded", "succeeded", "succeeded", "succeeded", "succeeded"), false,
			[]string{"Apply complete! 2 snapshots, 1 train, 1 promotion, 1 evaluation."}, nil},
		{"held is not a promotion", withPromote(result("succeeded", "succeeded"), "held: v2 stays out of production: too low", "alias production stays at v1"), false,
			[]string{"Apply complete! 1 snapshot, 1 train, 0 promotions, 1 held."}, nil},
		{"moved and held", withPromote(result("succeeded", "succeeded", "succeeded"), "held: v3 stays out of staging: too low"), false,
			[]string{"Apply complete! 1 snapshot, 1 train, 1 promotion, 1 held."}, nil},
		{"metric check that did not retrain is no train", withTrain(result("succeeded"), "not retrained: no trigger fired"), false,
			[]string{"Apply complete! 1 snapshot, 0 trains, 1 not retrained, 0 promotions."}, nil},
		{"trained and not retrained", withTrain(result("succeeded", "succeeded"), "not retrained: no trigger fired", "trained v4 (accuracy=0.9)"), false,
			[]string{"Apply complete! 1 snapshot, 2 trains, 1 not retrained, 0 promotions."}, nil},
		{"failure keeps successes", result("failed", "skipped", "skipped", "succeeded"), false,
			[]string{"Error: snapshot dataset.da: boom", "Skipped train dataset.db: not run", "Apply failed. What succeeded is recorded: 1 snapshot, 0 trains, 0 promotions."},
			[]string{"Apply complete", "To finish"}},
		{"interrupted", result("succeeded", "not_started"), true,
			[]string{"Not started train dataset.db (interrupted)", "Apply interrupted. What succeeded is recorded: 1 snapshot", "To finish: mlform plan shows what is left, mlform apply does it."}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.res.Interrupted = tt.interrupted
			var b bytes.Buffer
			if err := ApplyResult(&b, tt.res, Options{}); err != nil {
				t.Fatal(err)
			}
			wanttext.Check(t, b.String(), tt.want, tt.notWant)
		})
	}
}

// A second Ctrl-C cancels running actions: that is an interruption, shown
// as such, not an "Error: ... context canceled".
func TestApplyResultCancelled(t *testing.T) {
	res := result("succeeded", "failed")
	res.Actions[1].Err = fmt.Errorf("store big.bin: read: %w", context.Canceled)
	var b bytes.Buffer
	if err := ApplyResult(&b, res, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Cancelled train dataset.db (interrupted)", "Apply interrupted. What succeeded is recorded: 1 snapshot", "To finish: mlform plan"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, b.String())
		}
	}
	if strings.Contains(b.String(), "context canceled") || strings.Contains(b.String(), "Error:") {
		t.Errorf("cancellation shown as an error:\n%s", b.String())
	}
	b.Reset()
	if err := ApplyJSON(&b, res, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"status":"interrupted"`) {
		t.Errorf("apply -json status: %s", b.String())
	}
}
