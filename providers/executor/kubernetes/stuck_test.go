package kubernetes

import (
	"testing"
	"time"
)

func TestStuckFor(t *testing.T) {
	first := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	const after = 30 * time.Second
	tests := []struct {
		reason      string
		elapsed     time.Duration
		wantStuck   bool
		wantRecheck time.Duration // after first; 0: none
	}{
		{"ImagePullBackOff", 0, true, 0},
		{"InvalidImageName", 0, true, 0},
		{"CreateContainerConfigError", 0, false, after},
		{"CreateContainerConfigError", 29 * time.Second, false, after},
		{"CreateContainerConfigError", after, true, 0},
		{"CreateContainerError", time.Minute, true, 0},
		{"ContainerCreating", time.Hour, false, 0},
		{"PodInitializing", time.Hour, false, 0},
	}
	for _, tt := range tests {
		stuck, recheck := stuckFor(tt.reason, first, first.Add(tt.elapsed), after)
		var want time.Time
		if tt.wantRecheck != 0 {
			want = first.Add(tt.wantRecheck)
		}
		if stuck != tt.wantStuck || !recheck.Equal(want) {
			t.Errorf("stuckFor(%s, after %s) = %v, %v; want %v, %v", tt.reason, tt.elapsed, stuck, recheck, tt.wantStuck, want)
		}
	}
}
