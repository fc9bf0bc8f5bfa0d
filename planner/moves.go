package planner

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"slices"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/state"
)

// planMoves turns the configuration's moved blocks into the exact state
// migrations to do, in block order so chains compose (a -> b, b -> c).
// A whole block moved to a whole block takes its instances along
// (model.a["eu"] -> model.b["eu"]). A From that state does not record is
// skipped silently (moved blocks stay in the configuration after their
// move, as in Terraform); a To that state already records is a note and
// no move: both histories stay where they are.
//
// implied are the moves count implies (implicitMoves), after the explicit
// ones; they never add a note.
func planMoves(moved, implied []config.Moved, st *state.State) ([]*plans.Move, []*plans.Note) {
	recorded := map[string]bool{}
	for name := range st.Models {
		recorded["model."+name] = true
	}
	for name := range st.Datasets {
		recorded["dataset."+name] = true
	}
	for name := range st.Policies {
		recorded["retrain_policy."+name] = true
	}
	for name := range st.Publications {
		recorded["promotion."+name] = true
	}
	for _, m := range st.Models {
		for _, ap := range m.Approvals {
			if ap != nil {
				recorded["promotion."+ap.Promotion] = true
			}
		}
		for _, aw := range m.Awaiting {
			if aw != nil {
				recorded["promotion."+aw.Promotion] = true
			}
		}
	}
	var moves []*plans.Move
	var notes []*plans.Note
	all := append(slices.Clone(moved), implied...)
	for i, mv := range all {
		pairs := [][2]string{{mv.From, mv.To}}
		fromKind, fromName := plans.AddrKind(mv.From), plans.AddrName(mv.From)
		_, toSuffix := objname.Split(plans.AddrName(mv.To))
		if _, sfx := objname.Split(fromName); sfx == "" && toSuffix == "" {
			for _, a := range slices.Sorted(maps.Keys(recorded)) {
				base, isfx := objname.Split(plans.AddrName(a))
				if plans.AddrKind(a) == fromKind && base == fromName && isfx != "" {
					pairs = append(pairs, [2]string{a, mv.To + isfx})
				}
			}
		}
		for _, p := range pairs {
			from, to := p[0], p[1]
			if !recorded[from] {
				continue
			}
			if recorded[to] {
				if i >= len(moved) {
					continue // implied: both recorded means it is not this case
				}
				notes = append(notes, &plans.Note{Addr: from, Message: fmt.Sprintf("not moved to %s: state already records %s; both histories stay (mlform state rm %s forgets the old one)", to, to, objname.ShellArg(from))})
				continue
			}
			delete(recorded, from)
			recorded[to] = true
			moves = append(moves, &plans.Move{From: from, To: to})
		}
	}
	return moves, notes
}

// PendingMoves are the migrations the configuration's moved blocks (and
// the moves count implies) ask of st: the moves the next plan makes,
// for commands that take the configuration's addresses but do not plan
// (approve).
func PendingMoves(cfg *config.Config, st *state.State) []*plans.Move {
	moves, _ := planMoves(cfg.Moved, implicitMoves(cfg, cfg.Moved), st)
	return moves
}

// movedState is st with the moves done, for planning: a copy, since
// planning never changes the state it reads.
func movedState(st *state.State, moves []*plans.Move) (*state.State, error) {
	if len(moves) == 0 {
		return st, nil
	}
	doc, err := state.Encode(st)
	if err != nil {
		return nil, fmt.Errorf("copy state for moved blocks: %w", err)
	}
	cp, err := state.Decode(doc)
	if err != nil {
		return nil, fmt.Errorf("copy state for moved blocks: %w", err)
	}
	if err := migrate(cp, moves); err != nil {
		return nil, err
	}
	return cp, nil
}

// applyMoves does a plan's moves on st and persists them, before any
// action runs. A plan file is untrusted and the state may have changed,
// so each move is checked again: From recorded, To not.
func applyMoves(ctx context.Context, st *state.State, moves []*plans.Move, w engine.StateWriter) error {
	if len(moves) == 0 {
		return nil
	}
	// All or nothing: try the moves on a copy first, so a move refused
	// half-way never leaves st half-migrated.
	if _, err := movedState(st, moves); err != nil {
		return err
	}
	if err := migrate(st, moves); err != nil {
		return err
	}
	if w == nil {
		return nil
	}
	if err := w.Write(context.WithoutCancel(ctx), st); err != nil {
		return fmt.Errorf("record moved blocks: %w", err)
	}
	return nil
}

// migrate renames what state records, one move at a time. A model keeps
// its versions (each with the names its step saw: state.TrainedAs),
// aliases, evaluations and numbering, and its entry in each
// policy's last_train; a dataset keeps its snapshots (and retained ones),
// and every version and evaluation that used it now names it by its new
// address (inputs digests are recomputed, as they cover the names); a
// retrain policy keeps its last-train times (so a schedule does not fire
// early) and a promotion its last publication (so it does not publish
// again), its approvals (so an approved version needs no new review) and
// its announced waits for approval (so the wait is not announced again).
func migrate(st *state.State, moves []*plans.Move) error {
	for _, mv := range moves {
		kind, from, to := plans.AddrKind(mv.From), plans.AddrName(mv.From), plans.AddrName(mv.To)
		if !state.IsName(from) || !state.IsName(to) || kind != plans.AddrKind(mv.To) {
			return fmt.Errorf("move %s to %s: invalid addresses", plans.Truncate(mv.From), plans.Truncate(mv.To))
		}
		stale := fmt.Errorf("move %s to %s: the state changed since the plan (run plan again)", mv.From, mv.To)
		switch kind {
		case "model":
			m, ok := moveEntry(st.Models, from, to)
			if !ok {
				return stale
			}
			m.Name = to
			// Numbers are never reused by an address: to continues
			// past what a model forgotten there (state rm) used, and
			// from, declared again later, past what moved away.
			if st.RemovedModels == nil {
				st.RemovedModels = map[string]int{}
			}
			st.RemovedModels[from] = max(m.NextVersion, st.RemovedModels[from])
			m.NextVersion = max(m.NextVersion, st.RemovedModels[to])
			delete(st.RemovedModels, to)
			// The versions' steps saw the old name (MLFORM_MODEL):
			// reproduce runs them with it.
			for _, v := range m.Versions {
				v.RenameModel(from, to)
			}
			for _, r := range m.Running {
				if r != nil && r.Draft != nil {
					r.Draft.RenameModel(from, to)
				}
			}
			for _, p := range st.Policies {
				if t, ok := p.LastTrain[from]; ok {
					delete(p.LastTrain, from)
					p.LastTrain[to] = t
				}
			}
		case "dataset":
			d, ok := moveEntry(st.Datasets, from, to)
			if !ok {
				return stale
			}
			d.Name = to
			if r, ok := moveEntry(st.RetainedSnapshots, from, to); ok {
				r.Name = to
			}
			if err := renameInputs(st, from, to); err != nil {
				return fmt.Errorf("move %s to %s: %w", mv.From, mv.To, err)
			}
		case "retrain_policy":
			p, ok := moveEntry(st.Policies, from, to)
			if !ok {
				return stale
			}
			p.Name = to
		case "promotion":
			// A promotion's record is its last publication, the
			// approvals given to it and the waits for approval apply
			// announced: a renamed promotion keeps them all, so a
			// reviewed version does not wait for a second review and a
			// wait already announced is not announced again.
			if st.Publications[to] != nil || promotionRecorded(st, to) {
				return stale
			}
			_, published := moveEntry(st.Publications, from, to)
			if !renamePromotionRecords(st, from, to) && !published {
				return stale
			}
		default:
			return fmt.Errorf("move %s to %s: only datasets, models, retrain policies and promotions move", plans.Truncate(mv.From), plans.Truncate(mv.To))
		}
	}
	return nil
}

// promotionRefs yields the promotion name of every approval and of every
// announced wait for approval (state.Awaiting): the records a promotion
// keeps in its models, looked up and renamed together.
func promotionRefs(st *state.State) iter.Seq[*string] {
	return func(yield func(*string) bool) {
		for _, m := range st.Models {
			for _, ap := range m.Approvals {
				if ap != nil && !yield(&ap.Promotion) {
					return
				}
			}
			for _, aw := range m.Awaiting {
				if aw != nil && !yield(&aw.Promotion) {
					return
				}
			}
		}
	}
}

// promotionRecorded reports whether any model records an approval for
// promotion or an announced wait for approval by it.
func promotionRecorded(st *state.State, promotion string) bool {
	for p := range promotionRefs(st) {
		if *p == promotion {
			return true
		}
	}
	return false
}

// renamePromotionRecords makes every approval given to promotion from,
// and every announced wait for approval by it, one of promotion to, and
// reports whether there was one.
func renamePromotionRecords(st *state.State, from, to string) bool {
	found := false
	for p := range promotionRefs(st) {
		if *p == from {
			*p, found = to, true
		}
	}
	return found
}

// renameInputs makes every version and evaluation that used dataset from
// name it to, running attempts and evaluate jobs included. A version
// keeps the name its step saw (its trained_as), for reproduce.
func renameInputs(st *state.State, from, to string) error {
	rename := func(where string, v *state.Version) error {
		if !v.RenameDataset(from, to) {
			return nil
		}
		d, err := policy.InputsDigest(v.Inputs)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		v.Inputs.Digest = d
		return nil
	}
	for _, m := range st.Models {
		for _, v := range m.Versions {
			if err := rename(fmt.Sprintf("model.%s@%d", m.Name, v.Version), v); err != nil {
				return err
			}
		}
		// An attempt still running becomes a version when collected.
		for _, r := range m.Running {
			if r != nil && r.Draft != nil {
				if err := rename(fmt.Sprintf("model.%s: running attempt v%d", m.Name, r.Version), r.Draft); err != nil {
					return err
				}
			}
		}
		for _, e := range m.Evaluations {
			renameKey(e.Snapshots, from, to)
		}
		// An evaluate job still running is found again by its snapshots.
		for _, e := range m.Evaluating {
			if e != nil {
				renameKey(e.Snapshots, from, to)
			}
		}
	}
	return nil
}

// renameKey moves m[from] to m[to] when m holds from and not to.
func renameKey(m map[string]string, from, to string) {
	id, ok := m[from]
	if _, clash := m[to]; ok && !clash {
		delete(m, from)
		m[to] = id
	}
}

// implicitMoves are Terraform's implied moves for count: a dataset,
// model, retrain policy or promotion that gains count keeps its history
// as instance [0] (model.a -> model.a[0]), and one that loses count gets
// it back from [0] (model.a[0] -> model.a). They come after the explicit moved blocks,
// which win.
func implicitMoves(cfg *config.Config, explicit []config.Moved) []config.Moved {
	covered := map[string]bool{}
	for _, m := range explicit {
		covered[m.From], covered[m.To] = true, true
	}
	var out []config.Moved
	add := func(kind string, names []string) {
		declared := map[string]bool{}
		for _, n := range names {
			declared[n] = true
		}
		for _, n := range slices.Sorted(slices.Values(names)) {
			base, sfx := objname.Split(n)
			var from, to string
			switch {
			case sfx == objname.IndexSuffix(0) && !declared[base]:
				from, to = kind+"."+base, kind+"."+n // gained count
			case sfx == "" && !declared[n+objname.IndexSuffix(0)]:
				from, to = kind+"."+n+objname.IndexSuffix(0), kind+"."+n // lost count
			default:
				continue
			}
			if covered[from] || covered[to] || covered[kind+"."+base] {
				continue
			}
			out = append(out, config.Moved{From: from, To: to})
		}
	}
	add("dataset", slices.Collect(maps.Keys(cfg.Datasets)))
	add("model", slices.Collect(maps.Keys(cfg.Models)))
	// A retrain policy keeps its last-train times and a promotion its
	// approvals, announced waits and last publication, as a moved block
	// would keep them: else a promotion that gains count beside its
	// model waits for a second review of an approved version and
	// announces that wait again.
	add("retrain_policy", slices.Collect(maps.Keys(cfg.RetrainPolicies)))
	add("promotion", slices.Collect(maps.Keys(cfg.Promotions)))
	return out
}

// moveEntry moves m[from] to m[to] when from holds an entry and to holds
// none, and returns the entry; otherwise it changes nothing.
func moveEntry[T any](m map[string]*T, from, to string) (*T, bool) {
	e := m[from]
	if e == nil || m[to] != nil {
		return nil, false
	}
	delete(m, from)
	m[to] = e
	return e, true
}
