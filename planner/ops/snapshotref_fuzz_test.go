package ops

import (
	"strings"
	"testing"

	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/state"
)

// FuzzParseSnapshotRef: a command-line snapshot reference never panics, and
// what it accepts is a valid dataset name and a lowercase hex prefix of at
// least MinIDPrefix characters, which resolve without panicking.
func FuzzParseSnapshotRef(f *testing.F) {
	for _, s := range []string{"dataset.churn", "dataset.churn@1a2b3c4d", "dataset.churn@ABCDEF0123", "dataset.@", "model.x@1", "dataset.a@b@c", "dataset.a@"} {
		f.Add(s)
	}
	st := state.New()
	st.Datasets["churn"] = &state.Dataset{Snapshots: []*state.Snapshot{{ID: strings.Repeat("ab", 32)}}}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := ParseSnapshotRef(s)
		if err != nil {
			return
		}
		if !state.IsIdentifier(ref.Dataset) {
			t.Fatalf("%q: accepted dataset name %q", s, ref.Dataset)
		}
		if ref.Prefix != "" {
			if len(ref.Prefix) < plans.MinIDPrefix || strings.Trim(ref.Prefix, "0123456789abcdef") != "" {
				t.Fatalf("%q: accepted prefix %q", s, ref.Prefix)
			}
		}
		_, _ = resolveSnapshot(st, ref)
	})
}
