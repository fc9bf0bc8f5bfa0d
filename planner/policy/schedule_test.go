package policy

import (
	"testing"
	"time"
)

// TestScheduleDaylightSaving: a schedule at set hours in a zone with
// daylight saving runs once per scheduled day, as cron does: a time the
// clocks skip is due at the change (not skipped for the day), a time they
// repeat is due once (not twice). Schedules that run every hour keep
// running every hour.
func TestScheduleDaylightSaving(t *testing.T) {
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name, cron, last, want string
	}{
		// Paris: 2026-03-29 02:00 CET -> 03:00 CEST (01:00Z); 2026-10-25
		// 03:00 CEST -> 02:00 CET (01:00Z).
		{"skipped time is due at the change", "CRON_TZ=Europe/Paris 30 2 * * *", "2026-03-28T01:31:00Z", "2026-03-29T01:00:00Z"},
		{"the day after the skipped time", "CRON_TZ=Europe/Paris 30 2 * * *", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"},
		{"first of a repeated time", "CRON_TZ=Europe/Paris 30 2 * * *", "2026-10-24T01:00:00Z", "2026-10-25T00:30:00Z"},
		{"repeated time is due once", "CRON_TZ=Europe/Paris 30 2 * * *", "2026-10-25T00:31:00Z", "2026-10-26T01:30:00Z"},
		{"repeated time, last train between the two", "CRON_TZ=Europe/Paris 30 2 * * *", "2026-10-25T01:15:00Z", "2026-10-26T01:30:00Z"},
		{"every two hours is at set hours", "CRON_TZ=Europe/Paris 30 */2 * * *", "2026-03-29T00:31:00Z", "2026-03-29T01:00:00Z"},
		{"weekly, skipped on its day", "CRON_TZ=Europe/Paris 30 2 * * 0", "2026-03-23T00:00:00Z", "2026-03-29T01:00:00Z"},
		{"not on the change's day: untouched", "CRON_TZ=Europe/Paris 30 2 * * 1", "2026-03-27T00:00:00Z", "2026-03-30T00:30:00Z"},
		// Every hour: the repeated hour runs again, the skipped one is gone.
		{"hourly in the repeated hour", "CRON_TZ=Europe/Paris 30 * * * *", "2026-10-25T00:31:00Z", "2026-10-25T01:30:00Z"},
		{"hourly across the skipped hour", "CRON_TZ=Europe/Paris 30 * * * *", "2026-03-29T00:31:00Z", "2026-03-29T01:30:00Z"},
		{"UTC has no changes", "30 2 * * *", "2026-03-28T02:31:00Z", "2026-03-29T02:30:00Z"},
		{"descriptor in a zone", "CRON_TZ=America/New_York @daily", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSchedule(tt.cron, 0)
			if err != nil {
				t.Fatal(err)
			}
			got, rule, ok := s.Next(utc(tt.last))
			if !ok || rule != "schedule" || !got.Equal(utc(tt.want)) {
				t.Fatalf("Next(%s) = %s %q %v, want %s", tt.last, got.UTC().Format(time.RFC3339), rule, ok, tt.want)
			}
		})
	}
}

// TestFormatAge: ages in days stay right past the range of a Duration
// (about 292 years), which -now accepts.
func TestFormatAge(t *testing.T) {
	last := time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		now  time.Time
		want string
	}{
		{last.Add(30 * time.Minute), "30m ago"},
		{last.Add(3 * time.Hour), "3h ago"},
		{last.Add(49 * time.Hour), "2d ago"},
		{last.Add(-time.Hour), "in the future"},
		{time.Date(2326, 3, 28, 12, 0, 0, 0, time.UTC), "109572d ago"},
		{time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), "2912356d ago"},
	} {
		if got := formatAge(tt.now, last); got != tt.want {
			t.Errorf("formatAge(%s) = %q, want %q", tt.now, got, tt.want)
		}
	}
}
