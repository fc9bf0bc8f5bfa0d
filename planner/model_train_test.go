package planner

import (
	"testing"

	"github.com/mlform/mlform/state"
)

func TestAttemptError(t *testing.T) {
	tests := []struct {
		status, err, logs, want string
	}{
		{state.StatusTimedOut, "timed out after 30m", "", "v3 timed out after 30m"},
		{state.StatusCancelled, "cancelled", "", "v3 cancelled"},
		{state.StatusCancelled, "", "", "v3 cancelled"},
		{state.StatusFailed, "train command exited with status 1", "", "v3 failed: train command exited with status 1"},
		{state.StatusFailed, "failed to start", "", "v3 failed to start"},
		{state.StatusFailed, "MLFORM_OUTPUT_DIR/metrics.json: not found", "logs1", "v3 failed: MLFORM_OUTPUT_DIR/metrics.json: not found (output: mlform lineage -logs model.churn@3)"},
		{state.StatusTimedOut, "timed out after 1s", "logs1", "v3 timed out after 1s (output: mlform lineage -logs model.churn@3)"},
	}
	for _, tt := range tests {
		if got := attemptError("churn", &state.Version{Version: 3, Status: tt.status, Error: tt.err, LogsID: tt.logs}).Error(); got != tt.want {
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
