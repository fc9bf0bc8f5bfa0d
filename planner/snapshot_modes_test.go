package planner

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/state"
)

// A snapshot recorded before modes were kept as 0644 or 0755 (a file
// recorded 0664 under umask 002, 0600, 0444) is the same data as the
// files now observed: plan keeps it, so an upgrade neither re-snapshots
// nor retrains. A change the new rule still sees (an execute bit) or new
// content is planned as before.
func TestPlanKeepsSnapshotRecordedWithOtherModes(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		recorded uint32 // the mode the old snapshot recorded for data/a.csv
		change   func(t *testing.T, dir string)
		snapshot bool
	}{
		{"group-writable", 0o664, func(*testing.T, string) {}, false},
		{"private", 0o600, func(*testing.T, string) {}, false},
		{"read-only", 0o444, func(*testing.T, string) {}, false},
		{"executable bit set since", 0o664, func(t *testing.T, dir string) {
			if err := os.Chmod(filepath.Join(dir, "data", "a.csv"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"content changed since", 0o664, func(t *testing.T, dir string) {
			writeFiles(t, dir, map[string]string{"data/a.csv": "a\n2\n"})
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"data/a.csv": "a\n1\n", "data/b.csv": "b\n"})
			ws := testWorkspace(t, dir, map[string]string{"d": "data"})
			st := state.New()
			mustApply(t, ws, mustPlan(t, ws, st, engine.PlanOptions{Refresh: true}), st)
			snap := st.Datasets["d"].Snapshots[0]
			store, err := ws.Store(ctx, snap.Store)
			if err != nil {
				t.Fatal(err)
			}
			m, err := store.GetManifest(ctx, snap.ID)
			if err != nil {
				t.Fatal(err)
			}
			for i := range m.Files {
				if m.Files[i].Path == "a.csv" {
					m.Files[i].Mode = tt.recorded
				}
			}
			oldID, err := store.PutManifest(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			if oldID == snap.ID {
				t.Fatal("the manifest with other modes has the same id: the test proves nothing")
			}
			snap.ID = oldID
			tt.change(t, dir)
			p := mustPlan(t, ws, st, engine.PlanOptions{Refresh: true})
			if got := len(p.Actions) > 0; got != tt.snapshot {
				t.Fatalf("snapshot planned = %v, want %v: %+v", got, tt.snapshot, p.Actions)
			}
			if !tt.snapshot && len(p.Notes) != 0 {
				t.Errorf("notes: %+v", p.Notes)
			}
			if tt.snapshot {
				return
			}
			// The next plan knows the answer without the store: it read
			// the old manifest once, not once per plan (moved away here,
			// so reading it would fail the plan's diff with a note).
			mpath := filepath.Join(dir, ".mlform", "store", "manifests", oldID)
			if err := os.Rename(mpath, mpath+".away"); err != nil {
				t.Fatal(err)
			}
			p = mustPlan(t, ws, st, engine.PlanOptions{Refresh: true})
			if len(p.Actions) != 0 || len(p.Notes) != 0 {
				t.Fatalf("second plan read the recorded manifest again: actions %+v, notes %+v", p.Actions, p.Notes)
			}
		})
	}
}
