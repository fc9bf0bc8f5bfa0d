package ops

import (
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/state"
)

func historyState() *state.State {
	st := &state.State{Datasets: map[string]*state.Dataset{}, Models: map[string]*state.Model{}}
	st.Datasets["churn"] = &state.Dataset{Name: "churn", Snapshots: []*state.Snapshot{
		{ID: "aaaa1111" + strings.Repeat("0", 56), Files: 2, Bytes: 100},
		{ID: "aaaa2222" + strings.Repeat("0", 56), Files: 3, Bytes: 150},
		{ID: "bbbb0000" + strings.Repeat("1", 56), Files: 1, Bytes: 10},
	}}
	st.Datasets["empty"] = &state.Dataset{Name: "empty"}
	return st
}

func TestParseSnapshotRef(t *testing.T) {
	tests := []struct {
		in   string
		want SnapshotRef
		err  string
	}{
		{"dataset.churn", SnapshotRef{Dataset: "churn"}, ""},
		{"dataset.churn@AAAA1111", SnapshotRef{Dataset: "churn", Prefix: "aaaa1111"}, ""},
		{"dataset.churn@aaaa", SnapshotRef{}, "at least 8"},
		{"dataset.churn@zzzzzzzzzz", SnapshotRef{}, "not a snapshot id"},
		{"model.churn@3", SnapshotRef{}, "want dataset.NAME"},
		{"dataset.", SnapshotRef{}, "want dataset.NAME"},
		{"dataset.a/b", SnapshotRef{}, "want dataset.NAME"},
		{"churn", SnapshotRef{}, "want dataset.NAME"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSnapshotRef(tt.in)
			if wanterr.Check(t, err, tt.err) {
				return
			}
			if got != tt.want {
				t.Errorf("ParseSnapshotRef(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestResolveSnapshot(t *testing.T) {
	st := historyState()
	tests := []struct {
		ref    SnapshotRef
		wantID string
		err    string
	}{
		{SnapshotRef{Dataset: "churn"}, "bbbb0000", ""},
		{SnapshotRef{Dataset: "churn", Prefix: "aaaa2222"}, "aaaa2222", ""},
		{SnapshotRef{Dataset: "churn", Prefix: "aaaa1111000"}, "aaaa1111", ""},
		{SnapshotRef{Dataset: "churn", Prefix: "aaaa0000"}, "", "has no snapshot aaaa0000"},
		{SnapshotRef{Dataset: "empty"}, "", "has no snapshots"},
		{SnapshotRef{Dataset: "nope"}, "", "has no snapshots"},
	}
	for _, tt := range tests {
		t.Run(tt.ref.Dataset+"@"+tt.ref.Prefix, func(t *testing.T) {
			got, err := resolveSnapshot(st, tt.ref)
			if wanterr.Check(t, err, tt.err) {
				return
			}
			if !strings.HasPrefix(got.ID, tt.wantID) {
				t.Errorf("%+v: got %v", tt.ref, got)
			}
		})
	}
	// Two ids sharing the prefix: ambiguous.
	st.Datasets["churn"].Snapshots[1].ID = "aaaa1111" + strings.Repeat("f", 56)
	if _, err := resolveSnapshot(st, SnapshotRef{Dataset: "churn", Prefix: "aaaa1111"}); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("ambiguous prefix: %v", err)
	}
}

func TestSnapshotHistory(t *testing.T) {
	h, err := SnapshotHistory(historyState(), "churn")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 || !h[0].First || h[0].Current || !h[2].Current {
		t.Fatalf("flags wrong: %+v", h)
	}
	if h[1].FilesDelta != 1 || h[1].BytesDelta != 50 || h[2].FilesDelta != -2 || h[2].BytesDelta != -140 {
		t.Errorf("deltas wrong: %+v %+v", h[1], h[2])
	}
	if _, err := SnapshotHistory(historyState(), "nope"); err == nil {
		t.Error("unknown dataset accepted")
	}
}

func TestResolvePull(t *testing.T) {
	st := historyState()
	art := strings.Repeat("c", 64)
	st.Models["churn"] = &state.Model{Name: "churn",
		Versions: []*state.Version{{Version: 1, Status: state.StatusSucceeded, ArtifactsID: art, Store: "models"}, {Version: 2, Status: state.StatusFailed}},
		Aliases:  map[string]*state.Alias{"production": {Name: "production", Version: 1}, "broken": {Name: "broken", Version: 2}}}
	tests := []struct {
		addr, label, store, id, err string
	}{
		{"dataset.churn", "dataset.churn@bbbb0000", "default", "bbbb0000", ""},
		{"dataset.churn@aaaa2222", "dataset.churn@aaaa2222", "default", "aaaa2222", ""},
		{"model.churn@1", "model.churn@1", "models", art, ""},
		{"model.churn@production", "model.churn@1", "models", art, ""},
		{"model.churn@broken", "", "", "", "model.churn@2 has no artifacts (status failed)"},
		{"model.churn@7", "", "", "", "has no version 7"},
		{"model.churn@staging", "", "", "", `has no alias "staging"`},
		{"model.churn", "", "", "", "pull needs a version or an alias"},
		{"model.other@1", "", "", "", "model.other is not in state"},
		{"widget.x", "", "", "", "unknown kind"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got, err := ResolvePull(st, tt.addr)
			if wanterr.Check(t, err, tt.err) {
				return
			}
			if !strings.HasPrefix(got.Label, tt.label) || got.Store != tt.store || !strings.HasPrefix(got.ManifestID, tt.id) {
				t.Errorf("%s: %+v", tt.addr, got)
			}
		})
	}
}
