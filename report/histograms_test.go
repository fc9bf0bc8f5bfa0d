package report

import (
	"fmt"
	"testing"

	"github.com/mlform/mlform/planner/profile"
)

// TestNumericBins: the bars follow profile.Edges (the bins PSI uses), and
// the bin below the reference's minimum is drawn only when the current
// data has values there.
func TestNumericBins(t *testing.T) {
	col := func(vals ...float64) *profile.Column {
		c := &profile.Column{Kind: profile.Numeric, Count: int64(len(vals))}
		for i, v := range vals {
			c.Sample = append(c.Sample, profile.Point{Hash: uint64(i), Value: v})
		}
		return c
	}
	tests := []struct {
		name     string
		ref, cur *profile.Column
		want     string
	}{
		{"constant, unchanged", col(5, 5, 5, 5), col(5, 5), "[≤5 >5] [1 0] [1 0]"},
		{"constant, shifted down", col(5, 5, 5, 5), col(3, 3), "[<5 ≤5 >5] [0 1 0] [1 0 0]"},
		{"constant, shifted up", col(5, 5, 5, 5), col(7, 5), "[≤5 >5] [1 0] [0.5 0.5]"},
	}
	for _, tt := range tests {
		labels, r, c := numericBins(tt.ref, tt.cur)
		if got := fmt.Sprint(labels, r, c); got != tt.want {
			t.Errorf("%s: bins %s, want %s", tt.name, got, tt.want)
		}
	}
}
