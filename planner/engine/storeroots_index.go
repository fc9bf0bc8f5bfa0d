package engine

import (
	"slices"

	"github.com/mlform/mlform/state"
)

// refIndex is what a state references in each store (Referenced), kept
// up to date entry by entry so that recording one action costs what the
// action changed, not the size of the state: apply rewrote the reference
// set of every model after every action, quadratic in the fleet's size.
// An id may be referenced by several entries (versions of many models
// share a code archive, a retained snapshot record repeats a snapshot),
// so each id carries a count and leaves a store's list only when no
// entry references it any more.
type refIndex struct {
	// refs is what each top-level entry references; an entry with no
	// references is present with an empty list.
	refs map[entryRef][]storeID
	// count is the number of references to each id.
	count map[storeID]int
	// ids is each store's referenced ids, sorted.
	ids map[string][]string
	// entries is the number of entries of each member.
	entries map[string]int
}

// entryRef names a top-level entry of the state that references store
// objects: a dataset's history, a retained snapshot record or a model.
type entryRef struct{ member, name string }

// Members of the state that reference store objects, by their JSON
// names (the names state/statemgr's announcements use).
const (
	memberDatasets = "datasets"
	memberRetained = "retained_snapshots"
	memberModels   = "models"
)

type storeID struct{ store, id string }

// newRefIndex indexes every reference of st.
func newRefIndex(st *state.State) *refIndex {
	x := &refIndex{refs: map[entryRef][]storeID{}, count: map[storeID]int{}, ids: map[string][]string{}, entries: map[string]int{}}
	for _, member := range []string{memberDatasets, memberRetained, memberModels} {
		for _, name := range memberNames(st, member) {
			x.set(entryRef{member, name}, entryRefs(st, entryRef{member, name}), nil)
		}
	}
	// Built in one go, the lists are sorted once.
	for store := range x.ids {
		slices.Sort(x.ids[store])
	}
	return x
}

// memberNames lists a member's entries in st.
func memberNames(st *state.State, member string) []string {
	var names []string
	switch member {
	case memberDatasets:
		for name := range st.Datasets {
			names = append(names, name)
		}
	case memberRetained:
		for name := range st.RetainedSnapshots {
			names = append(names, name)
		}
	case memberModels:
		for name := range st.Models {
			names = append(names, name)
		}
	}
	return names
}

// memberLen is the number of a member's entries in st.
func memberLen(st *state.State, member string) int {
	switch member {
	case memberDatasets:
		return len(st.Datasets)
	case memberRetained:
		return len(st.RetainedSnapshots)
	default:
		return len(st.Models)
	}
}

// entryRefs returns what entry e of st references (nil when st has no
// such entry), by the rules of Referenced.
func entryRefs(st *state.State, e entryRef) []storeID {
	var out []storeID
	add := func(store, id string) {
		if id == "" {
			return
		}
		if store == "" {
			store = DefaultStorage
		}
		out = append(out, storeID{store, id})
	}
	switch e.member {
	case memberDatasets, memberRetained:
		ds := st.Datasets[e.name]
		if e.member == memberRetained {
			ds = st.RetainedSnapshots[e.name]
		}
		if ds == nil {
			return nil
		}
		out = []storeID{}
		for _, s := range ds.Snapshots {
			if s != nil {
				add(s.Store, s.ID)
				add(s.Store, s.ProfileID)
			}
		}
	case memberModels:
		m := st.Models[e.name]
		if m == nil {
			return nil
		}
		out = []storeID{}
		for _, v := range m.Versions {
			if v != nil {
				add(v.Store, v.ArtifactsID)
				add(v.Store, v.LogsID)
				add(v.Store, v.EnvironmentID)
				add(v.Store, v.CardID)
				add(v.Store, v.CodeID)
			}
		}
		// A running attempt's or evaluation's spec, params, code archive
		// and provenance: the job reads them from the store, possibly long
		// after the apply that submitted it.
		for _, r := range m.Running {
			if r == nil {
				continue
			}
			add(r.Store, r.SpecID)
			add(r.Store, r.ParamsID)
			if r.Draft != nil {
				add(r.Draft.Store, r.Draft.CodeID)
				add(r.Draft.Store, r.Draft.EnvironmentID)
				add(r.Draft.Store, r.Draft.CardID)
			}
		}
		for _, e := range m.Evaluating {
			if e != nil {
				add(e.Store, e.SpecID)
				add(e.Store, e.ParamsID)
				add(e.Store, e.CodeID)
			}
		}
	}
	return out
}

// set replaces what entry e references with refs (nil: the entry is
// gone) and adds to changed every store whose list of ids changed.
func (x *refIndex) set(e entryRef, refs []storeID, changed map[string]bool) {
	old, had := x.refs[e]
	for _, r := range refs {
		if x.count[r]++; x.count[r] == 1 {
			x.ids[r.store] = insertSorted(x.ids[r.store], r.id, changed == nil)
			if changed != nil {
				changed[r.store] = true
			}
		}
	}
	for _, r := range old {
		if x.count[r]--; x.count[r] == 0 {
			delete(x.count, r)
			if i, found := slices.BinarySearch(x.ids[r.store], r.id); found {
				x.ids[r.store] = slices.Delete(x.ids[r.store], i, i+1)
			}
			if changed != nil {
				changed[r.store] = true
			}
		}
	}
	switch {
	case refs == nil && had:
		delete(x.refs, e)
		x.entries[e.member]--
	case refs != nil:
		if !had {
			x.entries[e.member]++
		}
		x.refs[e] = refs
	}
}

// insertSorted adds id to the sorted list ids; unsorted (while the index
// is first built, sorted once at the end) it appends.
func insertSorted(ids []string, id string, unsorted bool) []string {
	if unsorted {
		return append(ids, id)
	}
	i, _ := slices.BinarySearch(ids, id)
	return slices.Insert(ids, i, id)
}

// update brings the index from the state it describes to st, given the
// entries announced as changed (statemgr.Announced; nil: unknown), and
// returns the stores whose ids changed. ok is false when the change was
// not announced or st shows the announcement incomplete (a member's
// number of entries moved otherwise than the announced entries explain):
// the caller then rebuilds the index from st.
func (x *refIndex) update(st *state.State, announced map[string][]string) (changed map[string]bool, ok bool) {
	if announced == nil {
		return nil, false
	}
	changed = map[string]bool{}
	for _, member := range []string{memberDatasets, memberModels} {
		for _, name := range announced[member] {
			e := entryRef{member, name}
			x.set(e, entryRefs(st, e), changed)
		}
	}
	for _, member := range []string{memberDatasets, memberRetained, memberModels} {
		if x.entries[member] != memberLen(st, member) {
			return nil, false
		}
	}
	return changed, true
}

// diff returns the stores whose ids differ between x and y.
func (x *refIndex) diff(y *refIndex) map[string]bool {
	changed := map[string]bool{}
	for store, ids := range x.ids {
		if !slices.Equal(ids, y.ids[store]) {
			changed[store] = true
		}
	}
	for store, ids := range y.ids {
		if !slices.Equal(ids, x.ids[store]) {
			changed[store] = true
		}
	}
	return changed
}
