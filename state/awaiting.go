package state

import (
	"fmt"
	"slices"
	"time"
)

// Awaiting records that apply announced (sent the awaiting_approval
// event for) a version a promotion with `approval = true` waits on. Like
// an approval it counts until the alias moves away from that version:
// after a rollback from v4, v4 waiting again is announced again.
type Awaiting struct {
	Promotion string    `json:"promotion"`
	Alias     string    `json:"alias"`
	Version   int       `json:"version"`
	At        time.Time `json:"at"`
}

// Announced reports whether apply announced that promotion waits to move
// alias to version since the alias last moved away from it.
func (m *Model) Announced(promotion, alias string, version int) bool {
	left := m.LeftVersionAt(alias, version)
	for _, aw := range m.Awaiting {
		if aw != nil && aw.Promotion == promotion && aw.Alias == alias && aw.Version == version && (left.IsZero() || aw.At.After(left)) {
			return true
		}
	}
	return false
}

// RecordAnnounced records an announcement, replacing the promotion's
// earlier one for that alias (only the newest can still count).
func (m *Model) RecordAnnounced(promotion, alias string, version int, at time.Time) {
	m.Awaiting = slices.DeleteFunc(m.Awaiting, func(aw *Awaiting) bool {
		return aw == nil || (aw.Promotion == promotion && aw.Alias == alias)
	})
	m.Awaiting = append(m.Awaiting, &Awaiting{Promotion: promotion, Alias: alias, Version: version, At: at})
}

// dropAwaiting forgets the announcements of a removed version.
func (m *Model) dropAwaiting(version int) {
	m.Awaiting = without(m.Awaiting, func(aw *Awaiting) bool { return aw == nil || aw.Version == version })
}

// validateAwaiting checks a model's announcement records (state is
// untrusted input).
func validateAwaiting(model string, m *Model) error {
	for j, aw := range m.Awaiting {
		where := fmt.Sprintf("model.%s: awaiting %d", model, j+1)
		if aw == nil {
			return fmt.Errorf("%s is null", where)
		}
		if err := checkPromotionRecord(where, aw.Version, aw.Promotion, aw.Alias); err != nil {
			return err
		}
	}
	return nil
}

// usesFormat6 reports whether s holds what format 6 added: awaiting
// announcements. An mlform that reads format 5 would refuse the member as
// unknown; format 6 tells it to upgrade instead.
func (s *State) usesFormat6() bool {
	for _, m := range s.Models {
		if m != nil && len(m.Awaiting) > 0 {
			return true
		}
	}
	return false
}
