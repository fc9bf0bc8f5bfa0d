package state_test

import (
	"testing"
	"time"

	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statesample"
)

// withEvaluating is the sample state with an evaluation of v3 running on
// slurm.
func withEvaluating(change func(*state.RunningEvaluation)) *state.State {
	s := statesample.Sample()
	m := s.Models["churn"]
	v := m.Versions[len(m.Versions)-1]
	e := &state.RunningEvaluation{Version: v.Version, Snapshots: map[string]string{}, Evaluator: "ab12", Executor: "slurm",
		JobID: "77", SpecID: specID, Store: "default", SubmittedAt: time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)}
	for ds, id := range v.Inputs.Snapshots {
		e.Snapshots[ds] = id
	}
	m.Evaluating = []*state.RunningEvaluation{e}
	if change != nil {
		change(e)
	}
	return s
}

func TestRunningEvaluationRoundTrip(t *testing.T) {
	back := roundTrip(t, withEvaluating(nil), 3)
	m := back.Models["churn"]
	v := m.Versions[len(m.Versions)-1]
	e := m.RunningEvaluation(v.Version, v.Inputs.Snapshots, "ab12")
	if e == nil || e.JobID != "77" {
		t.Fatalf("running evaluation after decode: %+v", e)
	}
	if m.RunningEvaluation(v.Version, v.Inputs.Snapshots, "other") != nil {
		t.Fatal("an evaluation by another evaluator matched")
	}
	m.RemoveEvaluating(specID)
	if m.Evaluating != nil {
		t.Fatal("RemoveEvaluating left the evaluation")
	}
}

// TestRunningEvaluationSettingsRoundTrip: an evaluation records the
// settings its job was submitted with (format 4, as a running attempt's),
// and they come back as config evaluated them.
func TestRunningEvaluationSettingsRoundTrip(t *testing.T) {
	in := withEvaluating(func(e *state.RunningEvaluation) {
		e.Executor = "kubernetes"
		e.ExecutorSettings = map[string]any{"namespace": "ml", "gpus": 2.0, "extra": []any{"a", "b"}, "flag": true}
	})
	m := roundTrip(t, in, 4).Models["churn"]
	if len(m.Evaluating) != 1 {
		t.Fatalf("evaluating after decode: %+v", m.Evaluating)
	}
	got := m.Evaluating[0].ExecutorSettings
	if got["namespace"] != "ml" || got["gpus"] != 2.0 || got["flag"] != true || len(got["extra"].([]any)) != 2 {
		t.Fatalf("settings after decode: %#v", got)
	}
}

func TestRunningEvaluationRefused(t *testing.T) {
	tests := []struct {
		name   string
		change func(*state.RunningEvaluation)
		want   string
	}{
		{"version not recorded", func(e *state.RunningEvaluation) { e.Version = 99 }, "no such version"},
		{"bad spec id", func(e *state.RunningEvaluation) { e.SpecID = "../../x" }, "spec_id"},
		{"bad executor", func(e *state.RunningEvaluation) { e.Executor = "a b" }, "executor"},
		{"bad store", func(e *state.RunningEvaluation) { e.Store = "a/b" }, "store"},
		{"control in job id", func(e *state.RunningEvaluation) { e.JobID = "12\x1b[2J" }, "control characters"},
		{"bad snapshot id", func(e *state.RunningEvaluation) { e.Snapshots = map[string]string{"churn": "../x"} }, "churn"},
		{"setting of another shape", func(e *state.RunningEvaluation) {
			e.ExecutorSettings = map[string]any{"labels": map[string]any{"a": "b"}}
		}, "executor setting labels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := withEvaluating(tt.change).Validate()
			wanterr.Check(t, err, tt.want)
		})
	}
}

// Removing a version forgets its running evaluations.
func TestRemoveVersionDropsEvaluating(t *testing.T) {
	s := withEvaluating(nil)
	m := s.Models["churn"]
	n := m.Versions[len(m.Versions)-1].Version
	for name, a := range m.Aliases {
		if a.Version == n {
			delete(m.Aliases, name)
		}
	}
	if err := s.Remove(state.Address{Kind: state.AddrVersion, Name: "churn", Version: n}); err != nil {
		t.Fatal(err)
	}
	if m.Evaluating != nil {
		t.Fatalf("evaluations of removed v%d kept: %+v", n, m.Evaluating)
	}
}
