package state

import (
	"fmt"
	"iter"
	"maps"
	"slices"
	"sort"
	"strings"
)

// This file keeps lineage intact: every snapshot a recorded version used
// stays recorded (in its dataset's history or in RetainedSnapshots), so gc
// never deletes data a version was built from.

// FindSnapshot returns the record of snapshot id of dataset: from the
// dataset's history, else from RetainedSnapshots; nil when neither has it
// (a state written before mlform retained lineage records).
func (s *State) FindSnapshot(dataset, id string) *Snapshot {
	for _, src := range []map[string]*Dataset{s.Datasets, s.RetainedSnapshots} {
		if d := src[dataset]; d != nil {
			for _, sn := range d.Snapshots {
				if sn != nil && sn.ID == id {
					return sn
				}
			}
		}
	}
	return nil
}

// SnapshotUsers lists the recorded versions whose inputs include snapshot
// id of dataset, in address order.
func (s *State) SnapshotUsers(dataset, id string) []Address {
	var out []Address
	for u := range s.SnapshotUses() {
		if u.Dataset == dataset && u.Snapshot == id {
			out = append(out, Address{Kind: AddrVersion, Name: u.Model, Version: u.Version})
		}
	}
	return out
}

// usedSnapshots is the set of "dataset\x00id" some recorded version, or
// a job not collected yet, uses.
func (s *State) usedSnapshots() map[string]bool {
	used := map[string]bool{}
	for u := range s.SnapshotUses() {
		used[u.Dataset+"\x00"+u.Snapshot] = true
	}
	for u := range s.pendingSnapshotUses() {
		used[u.dataset+"\x00"+u.snapshot] = true
	}
	return used
}

// pendingUse is a snapshot a job not collected yet reads: the input of a
// running train attempt (its draft version) or of a running evaluation.
type pendingUse struct {
	what, dataset, snapshot string
}

// pendingSnapshotUses yields the snapshots jobs not collected yet read
// from the store, possibly long after the apply that submitted them: they
// must stay recorded (so gc keeps their data) until the job is collected,
// when the version it records uses them.
func (s *State) pendingSnapshotUses() iter.Seq[pendingUse] {
	return func(yield func(pendingUse) bool) {
		for _, name := range slices.Sorted(maps.Keys(s.Models)) {
			m := s.Models[name]
			if m == nil {
				continue
			}
			for _, r := range m.Running {
				if r == nil || r.Draft == nil {
					continue
				}
				what := fmt.Sprintf("model.%s v%d (%s job %s, not collected yet)", name, r.Version, r.Step, r.JobID)
				for _, ds := range slices.Sorted(maps.Keys(r.Draft.Inputs.Snapshots)) {
					if !yield(pendingUse{what, ds, r.Draft.Inputs.Snapshots[ds]}) {
						return
					}
				}
			}
			for _, e := range m.Evaluating {
				if e == nil {
					continue
				}
				what := fmt.Sprintf("the evaluation of model.%s@%d (job %s, not collected yet)", name, e.Version, e.JobID)
				for _, ds := range slices.Sorted(maps.Keys(e.Snapshots)) {
					if !yield(pendingUse{what, ds, e.Snapshots[ds]}) {
						return
					}
				}
			}
		}
	}
}

// SnapshotUse is one input of a recorded version: the snapshot of a
// dataset that version was trained on.
type SnapshotUse struct {
	Model    string
	Version  int
	Dataset  string
	Snapshot string
}

// SnapshotUses yields every input of every recorded version, models in
// name order and versions in the order recorded (a version's datasets in
// no particular order).
func (s *State) SnapshotUses() iter.Seq[SnapshotUse] {
	return func(yield func(SnapshotUse) bool) {
		for _, name := range slices.Sorted(maps.Keys(s.Models)) {
			m := s.Models[name]
			if m == nil {
				continue
			}
			for _, v := range m.Versions {
				if v == nil {
					continue
				}
				for ds, id := range v.Inputs.Snapshots {
					if !yield(SnapshotUse{Model: name, Version: v.Version, Dataset: ds, Snapshot: id}) {
						return
					}
				}
			}
		}
	}
}

// resolveSnapshot finds the snapshot a names in its dataset's history by
// id or unique prefix.
func (s *State) resolveSnapshot(a Address) (*Snapshot, error) {
	d := s.Datasets[a.Name]
	if d == nil {
		return nil, fmt.Errorf("%s is not in the state: dataset.%s is not recorded", a, a.Name)
	}
	sn, ids := MatchSnapshot(a.Snapshot, d)
	switch {
	case sn != nil:
		return sn, nil
	case len(ids) == 0:
		return nil, fmt.Errorf("%s is not in the state: dataset.%s has no snapshot %s (list them with mlform snapshots dataset.%s)", a, a.Name, a.Snapshot, a.Name)
	}
	return nil, fmt.Errorf("%s: the prefix is ambiguous: %s", a, strings.Join(ids, ", "))
}

// MatchSnapshot finds the snapshot whose id starts with prefix in the
// histories (nil ones are skipped; a snapshot in several counts once).
// With exactly one match it returns it; otherwise it returns nil and the
// ids that matched (none, or the candidates of an ambiguous prefix), for
// the caller's own message.
func MatchSnapshot(prefix string, histories ...*Dataset) (*Snapshot, []string) {
	var found []*Snapshot
	var ids []string
	for _, d := range histories {
		if d == nil {
			continue
		}
		for _, sn := range d.Snapshots {
			if strings.HasPrefix(sn.ID, prefix) && !slices.Contains(ids, sn.ID) {
				found = append(found, sn)
				ids = append(ids, sn.ID)
			}
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return nil, ids
}

// retainUsed checks whether recorded versions use any of snaps (of
// dataset): without force that is an *InUseError naming them; with force
// the used records are copied to RetainedSnapshots before the caller
// drops them from the history.
func (s *State) retainUsed(a Address, dataset string, snaps []*Snapshot, force bool) error {
	var users []Address
	var pending []string
	var used []*Snapshot
	seen := map[string]bool{}
	for _, sn := range snaps {
		if seen[sn.ID] {
			continue
		}
		seen[sn.ID] = true
		u := s.SnapshotUsers(dataset, sn.ID)
		users = append(users, u...)
		n := len(pending)
		for p := range s.pendingSnapshotUses() {
			if p.dataset == dataset && p.snapshot == sn.ID && !slices.Contains(pending, p.what) {
				pending = append(pending, p.what)
			}
		}
		if len(u) > 0 || len(pending) > n {
			used = append(used, sn)
		}
	}
	if len(used) == 0 {
		return nil
	}
	if !force {
		sort.Slice(users, func(i, j int) bool {
			if users[i].Name != users[j].Name {
				return users[i].Name < users[j].Name
			}
			return users[i].Version < users[j].Version
		})
		return &InUseError{Addr: a, Users: users, Pending: pending}
	}
	if s.RetainedSnapshots == nil {
		s.RetainedSnapshots = map[string]*Dataset{}
	}
	r := s.RetainedSnapshots[dataset]
	if r == nil {
		r = &Dataset{Name: dataset, Snapshots: []*Snapshot{}}
		s.RetainedSnapshots[dataset] = r
	}
	for _, sn := range used {
		dup := false
		for _, x := range r.Snapshots {
			dup = dup || x.ID == sn.ID
		}
		if !dup {
			c := *sn
			r.Snapshots = append(r.Snapshots, &c)
		}
	}
	return nil
}

// pruneRetained drops retained snapshot records no recorded version uses
// any more, and datasets left without any.
func (s *State) pruneRetained() {
	if len(s.RetainedSnapshots) == 0 {
		return
	}
	used := s.usedSnapshots()
	for name, d := range s.RetainedSnapshots {
		if d == nil {
			continue
		}
		kept := d.Snapshots[:0]
		for _, sn := range d.Snapshots {
			if sn != nil && used[name+"\x00"+sn.ID] {
				kept = append(kept, sn)
			}
		}
		d.Snapshots = kept
		if len(kept) == 0 {
			delete(s.RetainedSnapshots, name)
		}
	}
	if len(s.RetainedSnapshots) == 0 {
		s.RetainedSnapshots = nil
	}
}

// MinFormat is the oldest document format that holds s: 7 when it
// records the stores of its storage blocks (stores.go), 6 when a model
// records awaiting announcements (awaiting.go), 5 when a
// version records the names it was trained as (trained_as.go), 4 when a
// running record keeps executor settings (running.go), 3 when it
// records code archives, batch jobs or running attempts (running.go), or
// approvals, evaluators or provenance records (approval.go), 2 when it
// has retained snapshot records, else 1 (which mlform before 2 reads).
func (s *State) MinFormat() int {
	if len(s.Stores) > 0 {
		return 7
	}
	if s.usesFormat6() {
		return 6
	}
	if s.usesFormat5() {
		return 5
	}
	if s.usesFormat4() {
		return 4
	}
	if s.usesFormat3() || s.usesProvenance() {
		return 3
	}
	if len(s.RetainedSnapshots) > 0 {
		return 2
	}
	return 1
}
