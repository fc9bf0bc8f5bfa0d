package state

import (
	"testing"
	"time"
)

// TestValidApproval: an approval is for one version of one alias of one
// promotion, and counts until the alias moves away from that version.
func TestValidApproval(t *testing.T) {
	at := func(day int) time.Time { return time.Date(2026, 1, day, 12, 0, 0, 0, time.UTC) }
	ap := func(prom, alias string, v, day int) *Approval {
		return &Approval{Promotion: prom, Alias: alias, Version: v, By: "ana@h", At: at(day)}
	}
	history := func(moves ...*AliasMove) map[string]*Alias {
		return map[string]*Alias{"production": {Name: "production", Version: moves[len(moves)-1].To, History: moves}}
	}
	tests := []struct {
		name      string
		approvals []*Approval
		aliases   map[string]*Alias
		version   int
		want      *time.Time // the At of the approval found
	}{
		{"none", nil, nil, 2, nil},
		{"approved", []*Approval{ap("p", "production", 2, 3)}, nil, 2, new(at(3))},
		{"another version", []*Approval{ap("p", "production", 1, 3)}, nil, 2, nil},
		{"another promotion", []*Approval{ap("q", "production", 2, 3)}, nil, 2, nil},
		{"another alias (the promotion's alias was renamed)", []*Approval{ap("p", "canary", 2, 3)}, nil, 2, nil},
		{"newest first", []*Approval{ap("p", "production", 2, 3), ap("p", "production", 2, 4)}, nil, 2, new(at(4))},
		{"rolled back from v2 after the approval",
			[]*Approval{ap("p", "production", 2, 3)},
			history(&AliasMove{From: 1, To: 2, At: at(4)}, &AliasMove{From: 2, To: 1, At: at(5)}), 2, nil},
		{"approved again after the rollback",
			[]*Approval{ap("p", "production", 2, 3), ap("p", "production", 2, 6)},
			history(&AliasMove{From: 1, To: 2, At: at(4)}, &AliasMove{From: 2, To: 1, At: at(5)}), 2, new(at(6))},
		{"approved at the very time of the rollback",
			[]*Approval{ap("p", "production", 2, 5)},
			history(&AliasMove{From: 1, To: 2, At: at(4)}, &AliasMove{From: 2, To: 1, At: at(5)}), 2, nil},
		// Approved on the real clock (the 20th), promoted and rolled back
		// by applies under an earlier -now (the 9th, the 10th): the
		// rollback spends the approval whatever its stamp.
		{"rolled back after the approval that moved it, stamped later",
			[]*Approval{ap("p", "production", 2, 20)},
			history(&AliasMove{From: 1, To: 2, At: at(9), ApprovedBy: "ana@h", ApprovedAt: at(20)}, &AliasMove{From: 2, To: 1, At: at(10)}), 2, nil},
		{"approved again after the spent one",
			[]*Approval{ap("p", "production", 2, 20), ap("p", "production", 2, 21)},
			history(&AliasMove{From: 1, To: 2, At: at(9), ApprovedBy: "ana@h", ApprovedAt: at(20)}, &AliasMove{From: 2, To: 1, At: at(10)}), 2, new(at(21))},
		{"moves away from other versions do not matter",
			[]*Approval{ap("p", "production", 3, 3)},
			history(&AliasMove{From: 1, To: 2, At: at(4)}, &AliasMove{From: 2, To: 1, At: at(5)}), 3, new(at(3))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Model{Name: "m", Approvals: tt.approvals, Aliases: tt.aliases}
			got := m.ValidApproval("p", "production", tt.version)
			switch {
			case tt.want == nil && got != nil:
				t.Errorf("ValidApproval = approval at %s, want none", got.At)
			case tt.want != nil && got == nil:
				t.Errorf("ValidApproval = none, want the approval at %s", *tt.want)
			case tt.want != nil && !got.At.Equal(*tt.want):
				t.Errorf("ValidApproval = approval at %s, want at %s", got.At, *tt.want)
			}
		})
	}
}
