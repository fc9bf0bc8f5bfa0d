package state

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/mlform/mlform/internal/termtext"
)

// Approval is one `mlform approve promotion.NAME vN`: a person allowed a
// promotion that declares `approval = true` to move its alias to one
// version. It is for that version only: a newer candidate needs its own.
type Approval struct {
	Promotion string    `json:"promotion"`
	Alias     string    `json:"alias"`
	Version   int       `json:"version"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

// maxApprover bounds the recorded approver (user@host).
const maxApprover = 512

// usesProvenance reports whether s records approvals, evaluator digests,
// provenance objects or approved moves, which format 2 cannot hold.
func (s *State) usesProvenance() bool {
	for _, m := range s.Models {
		if m == nil {
			continue
		}
		if len(m.Approvals) > 0 {
			return true
		}
		for _, e := range m.Evaluations {
			if e != nil && e.Evaluator != "" {
				return true
			}
		}
		for _, v := range m.Versions {
			if v != nil && (v.EnvironmentID != "" || v.CardID != "") {
				return true
			}
		}
		for _, a := range m.Aliases {
			if a == nil {
				continue
			}
			for _, mv := range a.History {
				if mv != nil && (mv.ApprovedBy != "" || !mv.ApprovedAt.IsZero()) {
					return true
				}
			}
		}
	}
	return false
}

// validateApprovals checks a model's approval records (state is
// untrusted input).
func validateApprovals(model string, m *Model) error {
	for j, ap := range m.Approvals {
		where := fmt.Sprintf("model.%s: approval %d", model, j+1)
		if ap == nil {
			return fmt.Errorf("%s is null", where)
		}
		if err := checkPromotionRecord(where, ap.Version, ap.Promotion, ap.Alias); err != nil {
			return err
		}
		if ap.By == "" || len(ap.By) > maxApprover || !utf8.ValidString(ap.By) {
			return fmt.Errorf("%s: approver is empty, too long or not UTF-8", where)
		}
	}
	return nil
}

// checkPromotionRecord checks what approvals and awaiting announcements
// both record: a version number, and the promotion and alias by name.
func checkPromotionRecord(where string, version int, promotion, alias string) error {
	switch {
	case version < 1:
		return fmt.Errorf("%s is of version %d", where, version)
	case !IsName(promotion):
		return fmt.Errorf("%s: promotion %q is not a name", where, termtext.Truncate(promotion, 80))
	case !IsIdentifier(alias):
		return fmt.Errorf("%s: alias %q is not a name", where, termtext.Truncate(alias, 80))
	}
	return nil
}

// dropApprovals forgets the approvals of a removed version: an approval
// is for that version and goes with it.
func (m *Model) dropApprovals(version int) {
	m.Approvals = without(m.Approvals, func(ap *Approval) bool { return ap == nil || ap.Version == version })
}

// ValidApproval finds the newest approval that still lets promotion move
// alias to version (nil: none). An approval is for one version of one
// alias, and counts until the alias moves away from that version: after
// a rollback from v4 (or any move off v4), an approval of v4 recorded
// before that move no longer counts, so the version that was rolled back
// is not promoted again on the strength of the review it had before
// (SpentUntil).
func (m *Model) ValidApproval(promotion, alias string, version int) *Approval {
	spent := m.SpentUntil(alias, version)
	for i := len(m.Approvals) - 1; i >= 0; i-- {
		ap := m.Approvals[i]
		if ap != nil && ap.Promotion == promotion && ap.Alias == alias && ap.Version == version && (spent.IsZero() || ap.At.After(spent)) {
			return ap
		}
	}
	return nil
}

// SpentUntil is the time up to which approvals of version for alias are
// spent (zero: none): when the alias last moved away from version, or,
// if later, the time of an approval a move onto version used before that.
// Approvals and moves are stamped by different commands, each with its
// own clock (an approval on the real clock, applies under an earlier
// -now or MLFORM_NOW): the approval that moved the alias is spent by the
// rollback whatever its stamp says.
func (m *Model) SpentUntil(alias string, version int) time.Time {
	var t time.Time
	al := m.Aliases[alias]
	if al == nil {
		return t
	}
	last := -1 // the last move away from version, in history order
	for i, mv := range al.History {
		if mv != nil && mv.From == version {
			last = i
		}
	}
	for _, mv := range al.History[:last+1] {
		switch {
		case mv == nil:
		case mv.From == version && mv.At.After(t):
			t = mv.At
		case mv.To == version && mv.ApprovedAt.After(t):
			t = mv.ApprovedAt
		}
	}
	return t
}

// LeftVersionAt is when alias last moved away from version (zero: never).
func (m *Model) LeftVersionAt(alias string, version int) time.Time {
	var t time.Time
	if al := m.Aliases[alias]; al != nil {
		for _, mv := range al.History {
			if mv != nil && mv.From == version && mv.At.After(t) {
				t = mv.At
			}
		}
	}
	return t
}
