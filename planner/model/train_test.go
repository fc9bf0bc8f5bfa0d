package model

import (
	"testing"
	"time"

	"github.com/mlform/mlform/state"
)

func TestAttemptError(t *testing.T) {
	tests := []struct {
		status, err, logs string
		ran               bool // the command started (Host recorded)
		want              string
	}{
		{state.StatusTimedOut, "timed out after 30m", "", true, "v3 timed out after 30m"},
		{state.StatusCancelled, "cancelled", "", true, "v3 cancelled"},
		{state.StatusCancelled, "", "", true, "v3 cancelled"},
		{state.StatusFailed, "train command exited with status 1", "", true, "v3 failed: train command exited with status 1"},
		{state.StatusFailed, "failed to start", "", false, "v3 failed to start"},
		{state.StatusFailed, "MLFORM_OUTPUT_DIR/metrics.json: not found", "logs1", true, "v3 failed: MLFORM_OUTPUT_DIR/metrics.json: not found (output: mlform lineage -logs model.churn@3)"},
		{state.StatusTimedOut, "timed out after 1s", "logs1", true, "v3 timed out after 1s (output: mlform lineage -logs model.churn@3)"},
		// A batch job's reason is said once, not "v3 timed out: timed out: ...".
		{state.StatusTimedOut, "timed out: slurm job 4 on node-1 stopped: timeout 1m reached", "", true, "v3 timed out: slurm job 4 on node-1 stopped: timeout 1m reached"},
		{state.StatusCancelled, "cancelled: kubernetes job j cancelled by mlform", "", true, "v3 cancelled: kubernetes job j cancelled by mlform"},
		// Never started: its (empty) logs have nothing to read.
		{state.StatusFailed, "training contract: x", "logs1", false, "v3 failed: training contract: x"},
	}
	for _, tt := range tests {
		v := &state.Version{Version: 3, Status: tt.status, Error: tt.err, LogsID: tt.logs}
		if tt.ran {
			v.Host = "ci-1"
		}
		if got := attemptError("churn", v).Error(); got != tt.want {
			t.Errorf("attemptError(%s, %q) = %q, want %q", tt.status, tt.err, got, tt.want)
		}
	}
}

func TestMetricsSummary(t *testing.T) {
	tests := []struct {
		in   map[string]float64
		want string
	}{
		{nil, "no metrics"},
		{map[string]float64{"accuracy": 0.8500000000000001, "rows": 3}, "accuracy=0.85 rows=3"},
		{map[string]float64{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6}, "a=1 b=2 c=3 d=4 +2 more"},
		{map[string]float64{"loss": 1.23456789e-7}, "loss=1.23457e-07"},
	}
	for _, tt := range tests {
		if got := metricsSummary(tt.in); got != tt.want {
			t.Errorf("metricsSummary(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCheckContract(t *testing.T) {
	tests := []struct {
		name string
		spec modelSpec
		want string
	}{
		{"fine", modelSpec{Datasets: []string{"a", "b"}, Train: stepSpec{Params: map[string]any{"lr": 1, "depth": 2}}}, ""},
		{"datasets collide", modelSpec{Datasets: []string{"web_logs", "web-logs"}},
			`dataset names "web-logs" and "web_logs" both become MLFORM_DATASET_WEB_LOGS_DIR: rename one`},
		{"train params collide", modelSpec{Train: stepSpec{Params: map[string]any{"Epochs": 1, "epochs": 2}}},
			`train param names "Epochs" and "epochs" both become MLFORM_PARAM_EPOCHS: rename one`},
		{"evaluate params collide", modelSpec{Evaluate: &stepSpec{Params: map[string]any{"a.b": 1, "a-b": 2}}},
			`evaluate param names "a-b" and "a.b" both become MLFORM_PARAM_A_B: rename one`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkContract(&tt.spec)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("checkContract = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRunningFor(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-3 * time.Second, "0s"}, {400 * time.Millisecond, "0s"}, {45 * time.Second, "45s"},
		{12*time.Minute + 20*time.Second, "12m"}, {2*time.Hour + 5*time.Minute, "2h5m"}, {2 * time.Hour, "2h"},
	} {
		if got := runningFor(tc.d); got != tc.want {
			t.Errorf("runningFor(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
