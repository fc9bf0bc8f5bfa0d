package ops

import (
	"fmt"
	"strings"

	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/state"
)

// SnapshotRef is a parsed "dataset.NAME[@SNAPSHOT]".
type SnapshotRef struct {
	Dataset string
	// Prefix is the snapshot id or id prefix; "" means the latest.
	Prefix string
}

// ParseSnapshotRef parses "dataset.NAME" or "dataset.NAME@ID-PREFIX".
func ParseSnapshotRef(s string) (SnapshotRef, error) {
	addr, at, hasAt := strings.Cut(s, "@")
	if plans.AddrKind(addr) != "dataset" || !strings.HasPrefix(addr, "dataset.") || !state.IsName(plans.AddrName(addr)) {
		return SnapshotRef{}, fmt.Errorf("%q: want dataset.NAME or dataset.NAME@SNAPSHOT", plans.Truncate(s))
	}
	ref := SnapshotRef{Dataset: plans.AddrName(addr)}
	if hasAt {
		at = strings.ToLower(at)
		if len(at) < plans.MinIDPrefix {
			return SnapshotRef{}, fmt.Errorf("%q: a snapshot id prefix needs at least %d characters", plans.Truncate(s), plans.MinIDPrefix)
		}
		for _, c := range at {
			if !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
				return SnapshotRef{}, fmt.Errorf("%q: %q is not a snapshot id (hexadecimal)", plans.Truncate(s), plans.Truncate(at))
			}
		}
		ref.Prefix = at
	}
	return ref, nil
}

// resolveSnapshot finds the snapshot ref names in state: the latest, or the
// one whose id starts with the prefix (an ambiguous prefix is an error
// listing the candidates).
func resolveSnapshot(st *state.State, ref SnapshotRef) (*state.Snapshot, error) {
	ds := st.Datasets[ref.Dataset]
	if ref.Prefix == "" {
		if ds == nil || len(ds.Snapshots) == 0 {
			return nil, fmt.Errorf("dataset.%s has no snapshots in state (run mlform apply first)", ref.Dataset)
		}
		return ds.Snapshots[len(ds.Snapshots)-1], nil
	}
	// A snapshot that left the history (state rm -force) while versions
	// use it is still recorded, among the retained snapshots.
	sn, ids := state.MatchSnapshot(ref.Prefix, ds, st.RetainedSnapshots[ref.Dataset])
	switch {
	case sn != nil:
		return sn, nil
	case len(ids) == 0:
		return nil, fmt.Errorf("dataset.%s has no snapshot %s (list them with mlform snapshots dataset.%s)", ref.Dataset, ref.Prefix, ref.Dataset)
	}
	return nil, fmt.Errorf("snapshot prefix %s of dataset.%s is ambiguous: %s", ref.Prefix, ref.Dataset, strings.Join(ids, ", "))
}

// SnapshotEntry is one line of a dataset's history.
type SnapshotEntry struct {
	*state.Snapshot
	// FilesDelta and BytesDelta compare with the previous snapshot.
	FilesDelta int   `json:"files_delta"`
	BytesDelta int64 `json:"bytes_delta"`
	First      bool  `json:"first"`
	Current    bool  `json:"current"`
}

// SnapshotHistory returns a dataset's snapshots, oldest first, each with
// its change from the one before.
func SnapshotHistory(st *state.State, dataset string) ([]SnapshotEntry, error) {
	ds := st.Datasets[dataset]
	if ds == nil {
		return nil, fmt.Errorf("dataset.%s is not in state: never snapshotted under that name, or forgotten (state rm)", dataset)
	}
	out := make([]SnapshotEntry, 0, len(ds.Snapshots))
	for i, s := range ds.Snapshots {
		e := SnapshotEntry{Snapshot: s, First: i == 0, Current: i == len(ds.Snapshots)-1}
		if i > 0 {
			prev := ds.Snapshots[i-1]
			e.FilesDelta = s.Files - prev.Files
			e.BytesDelta = s.Bytes - prev.Bytes
		}
		out = append(out, e)
	}
	return out, nil
}
