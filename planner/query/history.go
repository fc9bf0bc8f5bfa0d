package query

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mlform/mlform/state"
)

// HistoryReport is `mlform history model.NAME@ALIAS`: every move of an
// alias, oldest first, and with -at the version it pointed at then.
type HistoryReport struct {
	Model   string             `json:"model"`
	Alias   string             `json:"alias"`
	Current int                `json:"current"`
	Moves   []*state.AliasMove `json:"moves"`
	At      *AtAnswer          `json:"at,omitempty"`
}

// AtAnswer says where an alias pointed at a time.
type AtAnswer struct {
	// Time is the instant asked about: the end of the day for a date
	// (UTC), the end of the second for a time given to the second.
	Time time.Time `json:"time"`
	// Date is set when a whole day was asked about.
	Date string `json:"date,omitempty"`
	// Version is 0 when the alias did not exist yet.
	Version int `json:"version"`
	// Since is when the alias moved to Version.
	Since time.Time `json:"since,omitzero"`
	// During lists the moves inside the day asked about (dates only).
	During []*state.AliasMove `json:"during,omitempty"`
}

// ParseAt reads -at: an RFC 3339 time (2026-01-05T12:00:00Z), a date and
// time in UTC (2026-01-05 12:00, 2026-01-05 12:00:00Z as history prints
// it, 2026-01-05 12:00 UTC), or a date (2026-01-05, meaning that whole
// UTC day).
func ParseAt(s string) (t time.Time, date bool, err error) {
	t, _, date, err = parseAt(s)
	return t, date, err
}

// parseAt is ParseAt that also returns the span the answer covers. History
// prints times to the second, so a time without a fraction of a second
// (12:00:00, or 12:00 meaning 12:00:00) covers that whole second, as a
// date covers its whole day: asking about a time copied from history's
// WHEN column counts the moves printed with it. A time with a fraction of
// a second is an instant (span 0).
func parseAt(s string) (t time.Time, span time.Duration, date bool, err error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		if strings.Contains(s, ".") {
			return t.UTC(), 0, false, nil
		}
		return t.UTC(), time.Second, false, nil
	}
	// history, lineage and versions print "2026-01-05 12:00:00Z", plans
	// and the report "2026-01-05 12:00 UTC": a time copied from any of
	// them is UTC, said by its suffix.
	for _, utc := range []string{"Z", " UTC"} {
		if t, ok := strings.CutSuffix(s, utc); ok && strings.Contains(t, ":") {
			s = t
			break
		}
	}
	for _, f := range []struct {
		layout string
		span   time.Duration
	}{
		{"2006-01-02 15:04:05", time.Second},
		{"2006-01-02 15:04", time.Second},
		{"2006-01-02T15:04:05", time.Second},
		{"2006-01-02T15:04", time.Second},
	} {
		if t, err := time.ParseInLocation(f.layout, s, time.UTC); err == nil {
			return t, f.span, false, nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.UTC); err == nil {
		return t, 24 * time.Hour, true, nil
	}
	return time.Time{}, 0, false, fmt.Errorf("-at=%q: want a date (2026-01-05) or a time (2026-01-05T12:00:00Z, 2026-01-05 12:00 UTC)", s)
}

// History gathers an alias's moves. at is optional ("" for none), in a
// form ParseAt reads.
func History(s *state.State, addr, at string) (*HistoryReport, error) {
	a, err := ParseAddress(addr)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	if a.Kind != state.AddrAlias {
		return nil, fmt.Errorf("history: %q: want model.NAME@ALIAS (e.g. model.%s@production)", addr, a.Name)
	}
	m, err := model(s, a)
	if err != nil {
		return nil, err
	}
	al := m.Aliases[a.Alias]
	if al == nil {
		return nil, NoAlias(a, m)
	}
	moves := make([]*state.AliasMove, 0, len(al.History))
	for _, mv := range al.History {
		if mv != nil {
			moves = append(moves, mv)
		}
	}
	sort.SliceStable(moves, func(i, j int) bool { return moves[i].At.Before(moves[j].At) })
	r := &HistoryReport{Model: m.Name, Alias: a.Alias, Current: al.Version, Moves: moves}
	if at != "" {
		t, span, date, err := parseAt(at)
		if err != nil {
			return nil, err
		}
		r.At = answerAt(moves, t, span, date)
	}
	return r, nil
}

// answerAt finds the version an alias pointed at at the end of the span
// that starts at t (for a date, the end of the day, listing the day's
// moves).
func answerAt(moves []*state.AliasMove, t time.Time, span time.Duration, date bool) *AtAnswer {
	ans := &AtAnswer{Time: t}
	end := t.Add(span)
	if span > 0 {
		ans.Time = end.Add(-time.Nanosecond)
	}
	if date {
		ans.Date = t.Format("2006-01-02")
	}
	for _, mv := range moves {
		if date && !mv.At.Before(t) && mv.At.Before(end) {
			ans.During = append(ans.During, mv)
		}
		if !mv.At.After(ans.Time) {
			ans.Version, ans.Since = mv.To, mv.At
		}
	}
	return ans
}

// WriteHistory renders an alias history.
func WriteHistory(w io.Writer, r *HistoryReport) error {
	name := fmt.Sprintf("model.%s@%s", clean(r.Model), clean(r.Alias))
	if r.At != nil {
		writeAt(w, name, r.At)
		return nil
	}
	fmt.Fprintf(w, "%s -> v%d\n", name, r.Current)
	if len(r.Moves) == 0 {
		_, err := fmt.Fprintln(w, "(no recorded moves)")
		return err
	}
	// The APPROVED column appears once a move needed an approval.
	approvals := false
	for _, mv := range r.Moves {
		approvals = approvals || mv.ApprovedBy != ""
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if approvals {
		fmt.Fprintln(tw, "WHEN\tMOVE\tBY\tAPPROVED\tPROMOTION\tPLAN\tREASON")
	} else {
		fmt.Fprintln(tw, "WHEN\tMOVE\tBY\tPROMOTION\tPLAN\tREASON")
	}
	for _, mv := range r.Moves {
		promo := "-"
		if mv.Promotion != "" {
			promo = "promotion." + clean(mv.Promotion)
		}
		by := orDash(mv.By)
		if approvals {
			approved := "-"
			if mv.ApprovedBy != "" {
				approved = clean(mv.ApprovedBy) + " " + stamp(mv.ApprovedAt)
			}
			by += "\t" + approved
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", stamp(mv.At), moveLabel(mv), by, promo, orDash(shortID(mv.PlanDigest)), orDash(mv.Reason))
	}
	return tw.Flush()
}

func writeAt(w io.Writer, name string, a *AtAnswer) {
	when := stamp(a.Time)
	if a.Date != "" {
		when = "the end of " + a.Date + " (UTC)"
	}
	if a.Version == 0 {
		fmt.Fprintf(w, "%s did not exist at %s\n", name, when)
	} else {
		fmt.Fprintf(w, "%s was v%d at %s (since %s)\n", name, a.Version, when, stamp(a.Since))
	}
	if len(a.During) > 0 {
		fmt.Fprintf(w, "moves on %s:\n", a.Date)
		for _, mv := range a.During {
			fmt.Fprintf(w, "  %s  %s  by %s\n", stamp(mv.At), moveLabel(mv), orDash(mv.By))
		}
	}
}

func moveLabel(mv *state.AliasMove) string {
	if mv.From == 0 {
		return fmt.Sprintf("(new) -> v%d", mv.To)
	}
	return fmt.Sprintf("v%d -> v%d", mv.From, mv.To)
}

func shortID(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
