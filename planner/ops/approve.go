package ops

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mlform/mlform/internal/suggest"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/state"
)

// ApproveRequest is `mlform approve promotion.NAME vN`: who approves which
// version for which promotion, and when (the run's clock).
type ApproveRequest struct {
	Promotion string // "promotion.NAME" or "NAME"
	Version   string // "vN" or "N"
	By        string
	At        time.Time
	// Moves are the migrations the configuration's moved blocks ask of
	// st that no apply has made yet (planner.PendingMoves): st records
	// what the configuration names To at From. The plan shows a renamed
	// promotion's wait by its new address, so approving it by that
	// address must find the version where state records it, and record
	// the approval there, for apply's move to carry it along.
	Moves []*plans.Move
}

// Approved is what Approve recorded, and whether the version is the
// promotion's candidate now (an approval of another version waits until
// that version is the candidate).
type Approved struct {
	Approval  *state.Approval
	Model     string
	Promotion string // the promotion's name in the configuration
	Current   int    // the alias's version now (0: unset)
	Candidate int    // the promotion's candidate now (0: none)
	// Already is true when the same person had approved this version for
	// this promotion: Approval is that record and nothing new is added.
	Already bool
}

// ErrNoApproval is returned for a promotion that does not declare
// `approval = true`.
var ErrNoApproval = errors.New("the promotion does not ask for approval")

// Approve records an approval in st. The version must be a succeeded
// version of the promotion's model that its alias does not point at yet;
// the approval is for that version only. Approving again what one already
// approved records nothing (Approved.Already); another person's approval
// is recorded beside the first.
func Approve(st *state.State, cfg *config.Config, req ApproveRequest) (*Approved, error) {
	name := strings.TrimPrefix(req.Promotion, "promotion.")
	p := cfg.Promotions[name]
	if p == nil {
		// As addresses (promotion.NAME), which the CLI shows as users
		// write them: a module's is module.r["eu"].promotion.prod, not
		// the bare name module.r["eu"].prod nobody can type back.
		var declared []string
		for _, n := range slices.Sorted(maps.Keys(cfg.Promotions)) {
			declared = append(declared, "promotion."+n)
		}
		if model, ok := strings.CutPrefix(req.Promotion, "model."); ok {
			// mlform approve model.churn v4: the version is the model's,
			// but what is approved is one of its promotions.
			var its []string
			for _, n := range slices.Sorted(maps.Keys(cfg.Promotions)) {
				if cfg.Promotions[n].Model == model {
					its = append(its, "promotion."+n)
				}
			}
			return nil, fmt.Errorf("approve: %s is a model; approve one of its promotions: mlform approve promotion.NAME %s (promotions of model.%s: %s)", req.Promotion, req.Version, model, orNone(its))
		}
		hint := ""
		if s := suggest.Closest("promotion."+name, declared); s != "" {
			hint = fmt.Sprintf("; did you mean %s?", s)
		}
		return nil, fmt.Errorf("approve: promotion.%s is not declared%s (promotions: %s)", name, hint, orNone(declared))
	}
	if !p.Approval {
		return nil, fmt.Errorf("approve: promotion.%s: %w (add approval = true to it)", name, ErrNoApproval)
	}
	n, err := strconv.Atoi(strings.TrimPrefix(req.Version, "v"))
	if err != nil || n < 1 {
		return nil, fmt.Errorf("approve: version %q: want a version such as v3", req.Version)
	}
	// Under a pending move, state knows the model and the promotion by
	// their old names.
	recorded := strings.TrimPrefix(recordedAddr(req.Moves, "promotion."+name), "promotion.")
	m := st.Models[strings.TrimPrefix(recordedAddr(req.Moves, "model."+p.Model), "model.")]
	if m == nil {
		return nil, fmt.Errorf("approve: model.%s has no version yet", p.Model)
	}
	v := m.Version(n)
	switch {
	case v == nil:
		return nil, fmt.Errorf("approve: model.%s has no version %d", p.Model, n)
	case v.Status != state.StatusSucceeded:
		return nil, fmt.Errorf("approve: model.%s v%d %s; only a succeeded version can be promoted", p.Model, n, strings.ReplaceAll(v.Status, "_", " "))
	}
	out := &Approved{Model: p.Model, Promotion: name}
	if al := m.Aliases[p.Alias]; al != nil {
		out.Current = al.Version
		if al.Version == n {
			return nil, fmt.Errorf("approve: alias %s of model.%s already points at v%d", p.Alias, p.Model, n)
		}
	}
	out.Candidate = candidateOf(m, p)
	// An approval counts until the alias moves away from the version
	// (state.Model.ValidApproval): after a rollback from vN, an earlier
	// approval of vN is spent and a new one is recorded.
	left := m.LeftVersionAt(p.Alias, n)
	if !left.IsZero() && !req.At.After(left) {
		return nil, fmt.Errorf("approve: alias %s of model.%s moved away from v%d at %s, and an approval counts only if it is later; this approval's time is %s (check -now or MLFORM_NOW)",
			p.Alias, p.Model, n, textfmt.Time(left), textfmt.Time(req.At))
	}
	// The approval a rollback spent may be stamped later than the
	// rollback (another clock): a new one must be later still.
	spent := m.SpentUntil(p.Alias, n)
	if !spent.IsZero() && !req.At.After(spent) {
		return nil, fmt.Errorf("approve: alias %s of model.%s moved away from v%d at %s, which spent the approval stamped %s that had moved it there, and an approval counts only if it is later; this approval's time is %s (check -now or MLFORM_NOW)",
			p.Alias, p.Model, n, textfmt.Time(left), textfmt.Time(spent), textfmt.Time(req.At))
	}
	for _, a := range m.Approvals {
		if a != nil && a.Promotion == recorded && a.Alias == p.Alias && a.Version == n && a.By == req.By && (spent.IsZero() || a.At.After(spent)) {
			out.Approval, out.Already = a, true
			return out, nil
		}
	}
	out.Approval = &state.Approval{Promotion: recorded, Alias: p.Alias, Version: n, By: req.By, At: req.At.UTC()}
	m.Approvals = append(m.Approvals, out.Approval)
	return out, nil
}

// recordedAddr is the address state records the object at addr under
// before moves are made: the moves followed back, last first, so chains
// compose.
func recordedAddr(moves []*plans.Move, addr string) string {
	for i := len(moves) - 1; i >= 0; i-- {
		if mv := moves[i]; mv != nil && mv.To == addr {
			addr = mv.From
		}
	}
	return addr
}

// candidateOf is the version the promotion would move its alias to: the
// source alias's version with `from`, else the latest succeeded version.
func candidateOf(m *state.Model, p *config.Promotion) int {
	if p.From != "" {
		if al := m.Aliases[p.From]; al != nil {
			return al.Version
		}
		return 0
	}
	best := 0
	for _, v := range m.Versions {
		if v != nil && v.Status == state.StatusSucceeded && v.Version > best {
			best = v.Version
		}
	}
	return best
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return textfmt.Names(names, textfmt.MaxNames)
}
