package dataset

import (
	"sort"

	"github.com/mlform/mlform/planner/plans"
)

// maxPlanPaths is how many changed paths a snapshot action lists: enough
// for a reviewer to see what moved, small enough for a 100,000-file change.
const maxPlanPaths = 20

// diffFiles compares two file lists sorted by path and fills s's counts,
// byte deltas and first changed paths. A file is changed when its hash or
// mode differs.
func diffFiles(old, cur []plans.ObservedFile, s *plans.SnapshotChange) {
	s.Added, s.Changed, s.Removed = 0, 0, 0
	s.AddedBytes, s.ChangedBytes, s.RemovedBytes = 0, 0, 0
	s.Paths = nil
	add := func(p, change string, delta int64) {
		if len(s.Paths) < maxPlanPaths {
			s.Paths = append(s.Paths, plans.PathChange{Path: p, Change: change, Delta: delta})
		}
	}
	i, j := 0, 0
	for i < len(old) || j < len(cur) {
		switch {
		case j == len(cur) || (i < len(old) && old[i].Path < cur[j].Path):
			s.Removed++
			s.RemovedBytes += old[i].Size
			add(old[i].Path, "removed", -old[i].Size)
			i++
		case i == len(old) || cur[j].Path < old[i].Path:
			s.Added++
			s.AddedBytes += cur[j].Size
			add(cur[j].Path, "added", cur[j].Size)
			j++
		default:
			if old[i].Hash != cur[j].Hash || old[i].Mode != cur[j].Mode {
				d := cur[j].Size - old[i].Size
				s.Changed++
				s.ChangedBytes += d
				add(cur[j].Path, "changed", d)
			}
			i++
			j++
		}
	}
	s.DiffKnown = true
}

// sortObserved sorts files by path (manifests and observations are
// already sorted; this guards the merge in diffFiles).
func sortObserved(fs []plans.ObservedFile) {
	if !sort.SliceIsSorted(fs, func(i, j int) bool { return fs[i].Path < fs[j].Path }) {
		sort.Slice(fs, func(i, j int) bool { return fs[i].Path < fs[j].Path })
	}
}
