package ops

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/state"
)

func TestReferencedKeepsLineage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		remove func(st *state.State) error
		// wantIDs: snapshots (by number) whose ids Referenced must hold.
		wantIDs []int
		gaps    string
	}{
		{"all recorded", func(*state.State) error { return nil }, []int{1, 2, 3}, ""},
		{"dataset forced away", func(st *state.State) error {
			return st.ForceRemove(state.Address{Kind: state.AddrDataset, Name: "d"})
		}, []int{1, 2}, ""},
		{"legacy state lost the record", func(st *state.State) error {
			delete(st.Datasets, "d") // what state rm did before lineage protection
			return nil
		}, nil, "model.m@1 uses dataset.d@000000010000 | model.m@2 uses dataset.d@000000020000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := retentionState(3, "ok:1", "ok:2")
			if err := tc.remove(st); err != nil {
				t.Fatal(err)
			}
			refs := map[string]bool{}
			for _, id := range engine.Referenced(st)[engine.DefaultStorage] {
				refs[id] = true
			}
			ids := retentionState(3).Datasets["d"].Snapshots
			for _, n := range tc.wantIDs {
				if !refs[ids[n-1].ID] {
					t.Errorf("snapshot %d is not referenced", n)
				}
			}
			var gaps []string
			for _, g := range LineageGaps(st) {
				gaps = append(gaps, g[:strings.Index(g, ",")])
			}
			if got := strings.Join(gaps, " | "); got != tc.gaps {
				t.Errorf("LineageGaps = %q, want %q", got, tc.gaps)
			}
		})
	}
}

func TestDescribeRef(t *testing.T) {
	st := retentionState(2, "ok:1")
	st.Models["m"].Versions[0].ArtifactsID = strings.Repeat("a", 64)
	st.Models["m"].Versions[0].Store = "default"
	if err := st.ForceRemove(state.Address{Kind: state.AddrDataset, Name: "d"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ store, id, want string }{
		{"default", "00000001" + strings.Repeat("0", 56), "dataset.d@000000010000 (used by model.m@1)"},
		{"default", strings.Repeat("a", 64), "artifacts of model.m@1"},
		{"other", strings.Repeat("a", 64), ""},
		{"default", strings.Repeat("b", 64), ""},
	} {
		if got := DescribeRef(st, tc.store, tc.id); got != tc.want {
			t.Errorf("DescribeRef(%s, %.8s) = %q, want %q", tc.store, tc.id, got, tc.want)
		}
	}
}

// retentionState builds a state with dataset d (snapshots s1..sN, one a
// day, the last current) and model m (versions from spec: "ok:2" is a
// succeeded version trained on s2, "fail:3" a failed one), version i
// trained i days after the first snapshot.
func retentionState(snaps int, versions ...string) *state.State {
	st := state.New()
	start := testNow.Add(-100 * 24 * time.Hour)
	id := func(i int) string { return fmt.Sprintf("%08x%056d", i, 0) }
	d := &state.Dataset{Name: "d"}
	for i := 1; i <= snaps; i++ {
		d.Snapshots = append(d.Snapshots, &state.Snapshot{ID: id(i), CreatedAt: start.Add(time.Duration(i) * 24 * time.Hour), Store: "default", Bytes: 100})
	}
	st.Datasets["d"] = d
	m := st.EnsureModel("m")
	for i, spec := range versions {
		status, snap, _ := strings.Cut(spec, ":")
		var n int
		fmt.Sscan(snap, &n)
		s := state.StatusSucceeded
		if status == "fail" {
			s = state.StatusFailed
		}
		m.Versions = append(m.Versions, &state.Version{Version: i + 1, Status: s, StartedAt: start.Add(time.Duration(i+1) * 24 * time.Hour),
			Inputs: state.Inputs{Snapshots: map[string]string{"d": id(n)}}})
	}
	m.NextVersion = len(versions) + 1
	return st
}

var testNow = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
