package textfmt

import "time"

// TimeLayout is the one form of a time in human output: UTC, to the
// second, "2026-01-05 12:00:00Z". JSON output keeps RFC 3339.
const TimeLayout = "2006-01-02 15:04:05Z"

// Time renders t in TimeLayout; "-" when t is zero (unknown).
func Time(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(TimeLayout)
}
