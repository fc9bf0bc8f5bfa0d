package state

import (
	"strings"
	"testing"
	"time"
)

// TestAnnounced: an awaiting_approval announcement counts, like an
// approval, until the alias moves away from the version; recording one
// replaces the promotion's earlier one; a state holding one is format 6;
// bad records are refused.
func TestAnnounced(t *testing.T) {
	at := func(day int) time.Time { return time.Date(2026, 1, day, 12, 0, 0, 0, time.UTC) }
	m := &Model{Name: "m", Versions: []*Version{{Version: 1}, {Version: 2}}}
	if m.Announced("p", "production", 2) {
		t.Fatal("announced before any record")
	}
	m.RecordAnnounced("p", "production", 1, at(2))
	m.RecordAnnounced("p", "production", 2, at(3))
	m.RecordAnnounced("q", "production", 2, at(3))
	if len(m.Awaiting) != 2 || !m.Announced("p", "production", 2) || m.Announced("p", "production", 1) || m.Announced("p", "canary", 2) {
		t.Fatalf("records %+v: want p's v2 and q's v2 announced, nothing else", m.Awaiting)
	}
	// Promoted on an approval, then rolled back: v2 waits again, unannounced.
	m.Aliases = map[string]*Alias{"production": {Name: "production", Version: 1, History: []*AliasMove{{From: 1, To: 2, At: at(4)}, {From: 2, To: 1, At: at(5)}}}}
	if m.Announced("p", "production", 2) {
		t.Fatal("an announcement from before the rollback still counts")
	}
	m.RecordAnnounced("p", "production", 2, at(6))
	if !m.Announced("p", "production", 2) {
		t.Fatal("the announcement after the rollback does not count")
	}
	s := &State{Models: map[string]*Model{"m": m}}
	if got := s.MinFormat(); got != 6 {
		t.Errorf("MinFormat = %d, want 6", got)
	}
	m.dropAwaiting(2)
	if len(m.Awaiting) != 0 || s.MinFormat() == 6 {
		t.Errorf("after dropping v2: records %+v, format %d", m.Awaiting, s.MinFormat())
	}
	for _, tc := range []struct {
		aw   *Awaiting
		want string
	}{
		{nil, "awaiting 1 is null"},
		{&Awaiting{Promotion: "p", Alias: "production", Version: 0}, "is of version 0"},
		{&Awaiting{Promotion: "p q", Alias: "production", Version: 1}, "promotion \"p q\" is not a name"},
		{&Awaiting{Promotion: "p", Alias: "a/b", Version: 1}, "alias \"a/b\" is not a name"},
	} {
		err := validateAwaiting("m", &Model{Awaiting: []*Awaiting{tc.aw}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("validate %+v: %v, want %q", tc.aw, err, tc.want)
		}
	}
}
