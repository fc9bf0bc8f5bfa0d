package executor

import (
	"testing"
	"time"
)

func TestJobClock(t *testing.T) {
	hourAgo := time.Now().Add(-time.Hour)
	tests := []struct {
		name      string
		timeout   time.Duration
		runs      []time.Time // reported starts, one Running call each; the first is the first look
		firstLook bool
		wantLeft  bool
		expired   bool
	}{
		{"no timeout", 0, []time.Time{hourAgo}, true, false, false},
		{"not started", time.Minute, nil, true, false, false},
		{"started now", time.Minute, []time.Time{{}}, false, true, false},
		{"re-attach counts from the reported start", time.Minute, []time.Time{hourAgo}, true, true, true},
		{"reported start ignored after the first look", time.Minute, []time.Time{hourAgo}, false, true, false},
		{"a later report moves nothing", time.Minute, []time.Time{{}, hourAgo}, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := JobClock{Timeout: tt.timeout}
			for i, r := range tt.runs {
				c.Running(r, tt.firstLook && i == 0)
			}
			d, ok := c.Left()
			if ok != tt.wantLeft {
				t.Fatalf("Left() = %s, %v; want ok %v", d, ok, tt.wantLeft)
			}
			if ok && !tt.expired && (d <= 0 || d > tt.timeout) {
				t.Errorf("Left() = %s, want within (0, %s]", d, tt.timeout)
			}
			if got := c.Expired(); got != tt.expired {
				t.Errorf("Expired() = %v, want %v", got, tt.expired)
			}
		})
	}
}
