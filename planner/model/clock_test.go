package model

import (
	"testing"
	"time"

	"github.com/mlform/mlform/planner/engine"
)

func TestRunTimes(t *testing.T) {
	now := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	real := time.Date(2026, 12, 2, 8, 0, 0, 0, time.FixedZone("X", 3600))
	tests := []struct {
		name       string
		fixed      bool
		start, end time.Time
	}{
		{"fixed clock: starts at Now, keeps the duration", true, now, now.Add(90 * time.Second)},
		{"real clock: the executor's times, in UTC", false, real.UTC(), real.Add(90 * time.Second).UTC()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := &engine.Workspace{Now: now, FixedClock: tt.fixed}
			s, e := runTimes(ws, real, real.Add(90*time.Second))
			if !s.Equal(tt.start) || !e.Equal(tt.end) || s.Location() != time.UTC {
				t.Fatalf("runTimes = %v, %v; want %v, %v", s, e, tt.start, tt.end)
			}
		})
	}
}
