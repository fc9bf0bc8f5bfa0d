package planner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/state/statemgr"
	"github.com/mlform/mlform/state/statetest"
)

// Apply through a state Manager records the first action whole and every
// later one in the journal, and folds the journal into the document when
// it ends: the backup is the first whole write, the journal is gone, and
// the document is the state apply left in memory.
func TestApplyJournalsThroughManager(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	datasets := map[string]string{}
	for _, name := range []string{"a", "b", "c"} {
		writeFiles(t, dir, map[string]string{"data/" + name + "/rows.csv": "x,y\n1," + name + "\n"})
		datasets[name] = "data/" + name
	}
	ws := testWorkspace(t, dir, datasets)
	m := openFileState(ctx, t, dir)
	st, err := m.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Plan(ctx, ws, st, engine.PlanOptions{Refresh: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Apply(ctx, ws, nil, p, st, m, ApplyOptions{Parallelism: 1})
	if err != nil || res.Failed() {
		t.Fatalf("apply: %v %v", err, res.Errors())
	}
	if st.Serial != 3 {
		t.Fatalf("serial %d after three snapshots, want 3", st.Serial)
	}
	stateDir := filepath.Join(dir, ".mlform", "state")
	if _, err := os.Stat(filepath.Join(stateDir, statemgr.ObjectJournal)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("journal left after apply: %v", err)
	}
	if b := statetest.ReadBackup(t, m); b.Serial != 1 {
		t.Fatalf("backup serial %d; want the first whole write (serial 1): later actions go to the journal", b.Serial)
	}
	if got := statetest.ReadDocument(t, stateDir); got.Serial != 3 || len(got.Datasets) != 3 {
		t.Fatalf("state.json after apply: serial %d, %d datasets; want 3 and 3", got.Serial, len(got.Datasets))
	}
}
