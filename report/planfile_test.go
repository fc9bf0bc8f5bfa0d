package report

import (
	"testing"

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
