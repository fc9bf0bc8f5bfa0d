package textfmt

import (
	"testing"
	"time"
)

func TestTime(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC), "2026-01-05 12:00:00Z"},
		{time.Date(2026, 1, 5, 13, 30, 7, 999_000_000, time.FixedZone("CET", 3600)), "2026-01-05 12:30:07Z"},
		{time.Time{}, "-"},
	}
	for _, tt := range tests {
		if got := Time(tt.in); got != tt.want {
			t.Errorf("Time(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
