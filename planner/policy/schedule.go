package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/mlform/mlform/config/check"
)

// Schedule says when a policy's time-based retrain is due: a cron
// expression, an interval since the last train, or both (the earlier
// wins).
type Schedule struct {
	Cron  string // as written, "" when none
	Every time.Duration
	cron  cron.Schedule
}

// ParseSchedule validates a policy's schedule and every. Either may be
// empty/zero; a negative or zero-length interval, or a malformed cron
// expression, is an error.
func ParseSchedule(expr string, every time.Duration) (*Schedule, error) {
	s := &Schedule{Cron: strings.TrimSpace(expr), Every: every}
	if every < 0 {
		return nil, fmt.Errorf("every = %s: must be positive", every)
	}
	if s.Cron != "" {
		c, err := parseCron(s.Cron)
		if err != nil {
			return nil, fmt.Errorf("schedule %q: %w", s.Cron, err)
		}
		s.cron = c
	}
	return s, nil
}

// parseCron parses a cron expression with config/check's grammar (an
// optional "CRON_TZ=Zone " prefix, UTC without one).
func parseCron(expr string) (cron.Schedule, error) { return check.ParseCron(expr) }

// IsZero reports whether the schedule never fires.
func (s *Schedule) IsZero() bool { return s == nil || (s.cron == nil && s.Every == 0) }

// Next returns the first due time strictly after last, and which rule gives
// it ("schedule" or "every"). ok is false when nothing is scheduled.
func (s *Schedule) Next(last time.Time) (due time.Time, rule string, ok bool) {
	if s.IsZero() {
		return time.Time{}, "", false
	}
	if s.cron != nil {
		if t := cronNext(s.cron, last); !t.IsZero() {
			due, rule, ok = t, "schedule", true
		}
	}
	if s.Every > 0 {
		if t := last.Add(s.Every); !ok || t.Before(due) {
			due, rule, ok = t, "every", true
		}
	}
	return due, rule, ok
}

// allHours is a cron hour field that matches every hour.
const allHours = 1<<24 - 1

// cronNext is the first time after last the cron schedule is due, with
// cron's own handling of daylight-saving changes (vixie/ISC cron) for a
// schedule at set hours (not every hour): a time in the hour skipped when
// clocks go forward is due at the change, not skipped for the day; a time
// in the hour repeated when they go back is due once, not twice. The
// library alone does both, so a daily 02:30 retrain in Europe/Paris would
// skip one day in March and run twice one night in October.
func cronNext(c cron.Schedule, last time.Time) time.Time {
	spec, ok := c.(*cron.SpecSchedule)
	if !ok || spec.Hour&allHours == allHours || spec.Location == nil {
		return c.Next(last)
	}
	t := spec.Next(last)
	for i := 0; i < 4 && repeatedWallClock(t, spec.Location); i++ {
		// The same wall-clock time passed an hour or so before t, at
		// or before last (else Next would have returned it): this
		// run of the schedule has been due already.
		t = spec.Next(t)
	}
	if g := skippedDue(spec, last, t); !g.IsZero() {
		return g
	}
	return t
}

// repeatedWallClock reports whether t's wall-clock time in loc also
// happened shortly before t (clocks went back in between).
func repeatedWallClock(t time.Time, loc *time.Location) bool {
	if t.IsZero() {
		return false
	}
	wall := t.In(loc)
	for _, back := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		u := t.Add(-back).In(loc)
		if u.Year() == wall.Year() && u.YearDay() == wall.YearDay() && u.Hour() == wall.Hour() && u.Minute() == wall.Minute() && u.Second() == wall.Second() {
			return true
		}
	}
	return false
}

// skippedDue returns the first clock change after last and before t that
// skipped a wall-clock time the schedule names (zero: none): such a run
// is due at the change.
func skippedDue(spec *cron.SpecSchedule, last, t time.Time) time.Time {
	p := last.In(spec.Location)
	for range 8 { // a few changes a year at most
		_, end := p.ZoneBounds()
		if end.IsZero() || (!t.IsZero() && !end.Before(t)) {
			return time.Time{}
		}
		_, before := end.Add(-time.Second).Zone()
		_, after := end.Zone()
		if after > before {
			// Wall-clock times from the change, on the old offset, up to
			// the size of the jump never happened: is one of them due?
			old := *spec
			old.Location = time.FixedZone("", before)
			gap := time.Duration(after-before) * time.Second
			if n := old.Next(end.Add(-time.Second)); !n.IsZero() && n.Before(end.Add(gap)) && end.After(last) {
				return end
			}
		}
		p = end.In(spec.Location)
	}
	return time.Time{}
}

// describe renders the rule behind a due time for a reason line:
// `schedule "0 3 * * 1"` or "every 168h".
func (s *Schedule) describe(rule string) string {
	if rule == "every" {
		return "every " + FormatDuration(s.Every)
	}
	return fmt.Sprintf("schedule %q", s.Cron)
}

// FormatDuration renders a duration as people write it in HCL: "168h",
// "1h30m", "90s" rather than Go's "168h0m0s".
func FormatDuration(d time.Duration) string {
	out := d.String()
	if strings.HasSuffix(out, "m0s") {
		out = strings.TrimSuffix(out, "0s")
	}
	if strings.HasSuffix(out, "h0m") {
		out = strings.TrimSuffix(out, "0m")
	}
	return out
}

// formatTime renders a due time for people: weekday, date and time in UTC.
func formatTime(t time.Time) string {
	return t.UTC().Format("Mon 2006-01-02 15:04 MST")
}

// formatAge renders how long ago t was, coarsely ("8d", "5h", "12m").
func formatAge(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return "in the future"
	case d >= 48*time.Hour:
		// From the Unix seconds, not d: a Duration saturates at about
		// 292 years, so -now=9999-12-31T00:00:00Z read "106751d ago".
		return fmt.Sprintf("%dd ago", (now.Unix()-t.Unix())/(24*60*60))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%dh ago", int(d/time.Hour))
	default:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	}
}
