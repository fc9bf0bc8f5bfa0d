package ops

import (
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/internal/plannertest"
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
			st := plannertest.RetentionState(testNow, 3, "ok:1", "ok:2")
			if err := tc.remove(st); err != nil {
				t.Fatal(err)
			}
			refs := map[string]bool{}
			for _, id := range engine.Referenced(st)[engine.DefaultStorage] {
				refs[id] = true
			}
			ids := plannertest.RetentionState(testNow, 3).Datasets["d"].Snapshots
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
	st := plannertest.RetentionState(testNow, 2, "ok:1")
	st.Models["m"].Versions[0].ArtifactsID = strings.Repeat("a", 64)
	st.Models["m"].Versions[0].Store = "default"
	st.Models["m"].Versions[0].CodeID = strings.Repeat("c", 64)
	st.Models["m"].Versions[0].EnvironmentID = strings.Repeat("3", 64)
	st.Models["m"].Versions[0].CardID = strings.Repeat("4", 64)
	draft := *st.Models["m"].Versions[0]
	draft.Version = st.Models["m"].NextVersion
	st.Models["m"].NextVersion++
	st.Models["m"].Running = []*state.RunningAttempt{{Version: draft.Version, Step: "train", Executor: "slurm", JobID: "12",
		SpecID: strings.Repeat("d", 64), ParamsID: strings.Repeat("e", 64), Store: "default", Draft: &draft}}
	st.Models["m"].Evaluating = []*state.RunningEvaluation{{Version: 1, Executor: "slurm", JobID: "13", SpecID: strings.Repeat("f", 64),
		ParamsID: strings.Repeat("1", 64), CodeID: strings.Repeat("2", 64), Store: "default"}}
	if err := st.ForceRemove(state.Address{Kind: state.AddrDataset, Name: "d"}); err != nil {
		t.Fatal(err)
	}
	refs := strings.Join(engine.Referenced(st)[engine.DefaultStorage], " ")
	for _, c := range "cdef12" {
		if id := strings.Repeat(string(c), 64); !strings.Contains(refs, id) {
			t.Errorf("Referenced does not keep %.8s (code archive, or a running step's spec, params or code)", id)
		}
	}
	for _, tc := range []struct{ store, id, want string }{
		{"default", strings.Repeat("d", 64), "step spec of model.m v2 (running as slurm job 12)"},
		{"default", strings.Repeat("c", 64), "code archive of model.m v2 (running) and 1 more"},
		{"default", "00000001" + strings.Repeat("0", 56), "dataset.d@000000010000 (used by model.m@1)"},
		{"default", strings.Repeat("a", 64), "artifacts of model.m@1"},
		{"default", strings.Repeat("3", 64), "environment record of model.m@1 and 1 more"},
		{"default", strings.Repeat("4", 64), "environment record or model card of model.m v2 (running) and 1 more"},
		{"default", strings.Repeat("e", 64), "params of model.m v2 (running)"},
		{"default", strings.Repeat("f", 64), "step spec of the evaluation of model.m v1 (running as slurm job 13)"},
		{"default", strings.Repeat("2", 64), "params or code of the evaluation of model.m v1 (running)"},
		{"other", strings.Repeat("a", 64), ""},
		{"default", strings.Repeat("b", 64), ""},
	} {
		if got := DescribeRef(st, tc.store, tc.id); got != tc.want {
			t.Errorf("DescribeRef(%s, %.8s) = %q, want %q", tc.store, tc.id, got, tc.want)
		}
	}
}

var testNow = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
