package state_test

import (
	"testing"
	"time"

	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statesample"
)

const specID = "5555555555555555555555555555555555555555555555555555555555555555"

// withRunning is the sample state with attempt v4 running on slurm.
func withRunning(change func(*state.Model, *state.RunningAttempt)) *state.State {
	s := statesample.Sample()
	m := s.Models["churn"]
	m.NextVersion = 5
	draft := *m.Versions[len(m.Versions)-1]
	draft.Version = 4
	r := &state.RunningAttempt{Version: 4, Step: "train", Executor: "slurm", JobID: "1234", SpecID: specID,
		Store: "default", SubmittedAt: time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC), Draft: &draft}
	m.Running = []*state.RunningAttempt{r}
	if change != nil {
		change(m, r)
	}
	return s
}

func TestRunningAttemptRoundTrip(t *testing.T) {
	back := roundTrip(t, withRunning(nil), 3)
	r := back.Models["churn"].RunningAttempt(4)
	if r == nil || r.JobID != "1234" || r.Draft.Version != 4 {
		t.Fatalf("running attempt after decode: %+v", r)
	}
	back.Models["churn"].RemoveRunning(4)
	if back.Models["churn"].Running != nil {
		t.Fatal("RemoveRunning left the attempt")
	}
}

// TestRunningAttemptSettingsRoundTrip: the settings a job was submitted
// with come back as config evaluated them, for the executor to decode.
func TestRunningAttemptSettingsRoundTrip(t *testing.T) {
	in := withRunning(func(m *state.Model, r *state.RunningAttempt) {
		r.Executor = "kubernetes"
		r.ExecutorSettings = map[string]any{"namespace": "ml", "gpus": 2.0, "extra": []any{"a", "b"}, "flag": true}
	})
	r := roundTrip(t, in, 4).Models["churn"].RunningAttempt(4)
	got := r.ExecutorSettings
	if got["namespace"] != "ml" || got["gpus"] != 2.0 || got["flag"] != true || len(got["extra"].([]any)) != 2 {
		t.Fatalf("settings after decode: %#v", got)
	}
}

func TestRunningAttemptRefused(t *testing.T) {
	tests := []struct {
		name   string
		change func(*state.Model, *state.RunningAttempt)
		want   string
	}{
		{"number not allocated", func(m *state.Model, r *state.RunningAttempt) { r.Version, r.Draft.Version = 5, 5 }, "between 1 and next_version"},
		{"already recorded", func(m *state.Model, r *state.RunningAttempt) { r.Version, r.Draft.Version = 3, 3 }, "recorded twice"},
		{"bad spec id", func(m *state.Model, r *state.RunningAttempt) { r.SpecID = "../../x" }, "spec_id"},
		{"bad executor", func(m *state.Model, r *state.RunningAttempt) { r.Executor = "a b" }, "executor"},
		{"control in job id", func(m *state.Model, r *state.RunningAttempt) { r.JobID = "12\x1b[2J" }, "control characters"},
		{"no draft", func(m *state.Model, r *state.RunningAttempt) { r.Draft = nil }, "no draft"},
		{"draft of another number", func(m *state.Model, r *state.RunningAttempt) { r.Draft.Version = 2 }, "numbered 2"},
		{"bad draft code id", func(m *state.Model, r *state.RunningAttempt) { r.Draft.CodeID = "zz" }, "code_id"},
		{"unknown step", func(m *state.Model, r *state.RunningAttempt) { r.Step = "deploy" }, "unknown step"},
		{"bad setting name", func(m *state.Model, r *state.RunningAttempt) {
			r.ExecutorSettings = map[string]any{"a b": "x"}
		}, "not an identifier"},
		{"setting of another shape", func(m *state.Model, r *state.RunningAttempt) {
			r.ExecutorSettings = map[string]any{"labels": map[string]any{"a": "b"}}
		}, "executor setting labels"},
		{"setting list of numbers", func(m *state.Model, r *state.RunningAttempt) {
			r.ExecutorSettings = map[string]any{"extra_args": []any{1.0}}
		}, "list element is not a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := withRunning(tt.change).Validate()
			wanterr.Check(t, err, tt.want)
		})
	}
}
