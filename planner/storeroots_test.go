package planner

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/storedoc"
	"github.com/mlform/mlform/state"
)

// apply's state writer records the workspace's root in every declared
// store after each state write, but rewrites a root only when what the
// state references in that store changed.
func TestRootWriter(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ws := testWorkspace(t, dir, nil)
	ws.StoreURLs["other"] = "file://.mlform/other"
	defer ws.Close()
	m := openFileState(ctx, t, dir)
	st := state.New()
	// An older mlform's roots: this workspace's under its lineage alone in
	// "other" (replaced by the first write), and a copy's at another
	// backend in the default store (left alone).
	// (An older mlform named a local backend by its path alone, and
	// recorded the host that wrote the root: only this host's is its own.)
	host, _ := os.Hostname()
	legacy := func(store, backend string) {
		s, err := ws.Store(ctx, store)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.PutRoot(ctx, &storage.Root{Lineage: st.Lineage, Backend: backend, Host: host, IDs: []string{strings.Repeat("9", 64)}}); err != nil {
			t.Fatal(err)
		}
	}
	legacy("other", m.Location())
	legacy(engine.DefaultStorage, "/elsewhere/.mlform/state/state.json")
	rw := ws.NewRootWriter(m)
	id := func(c string) string { return strings.Repeat(c, 64) }
	snap := func(c, store string) *state.Snapshot {
		return &state.Snapshot{ID: id(c), CreatedAt: testNow, Source: "data", Store: store}
	}
	steps := []struct {
		name   string
		change func(st *state.State)
		want   map[string][]string
		// rewritten: stores whose root must carry the new serial
		rewritten []string
	}{
		{"first snapshot", func(st *state.State) {
			st.Datasets["d"] = &state.Dataset{Name: "d", Snapshots: []*state.Snapshot{snap("a", "")}}
		}, map[string][]string{engine.DefaultStorage: {id("a")}, "other": {}}, []string{engine.DefaultStorage, "other"}},
		{"no reference changed", func(st *state.State) {
			st.Datasets["d"].Snapshots[0].Files = 3
		}, map[string][]string{engine.DefaultStorage: {id("a")}, "other": {}}, nil},
		{"another store", func(st *state.State) {
			st.Datasets["e"] = &state.Dataset{Name: "e", Snapshots: []*state.Snapshot{snap("b", "other")}}
		}, map[string][]string{engine.DefaultStorage: {id("a")}, "other": {id("b")}}, []string{"other"}},
		{"forgotten", func(st *state.State) {
			delete(st.Datasets, "d")
		}, map[string][]string{engine.DefaultStorage: {}, "other": {id("b")}}, []string{engine.DefaultStorage}},
	}
	for _, step := range steps {
		step.change(st)
		// A root this write rewrote is a new document: a guard root
		// (written before the state write, at the serial before it) or
		// one written after it, at the state's serial.
		before := map[string]time.Time{}
		for name := range step.want {
			if store, err := ws.Store(ctx, name); err == nil {
				if r, err := store.GetRoot(ctx, storedoc.WorkspaceRootName(st.Lineage, m.RootBackend(), name)); err == nil {
					before[name] = r.Written
				}
			}
		}
		if err := rw.Write(ctx, st); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		for name, want := range step.want {
			store, err := ws.Store(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			r, err := store.GetRoot(ctx, storedoc.WorkspaceRootName(st.Lineage, m.RootBackend(), name))
			if err != nil {
				t.Fatalf("%s: storage %q: %v", step.name, name, err)
			}
			if !slices.Equal(r.IDs, want) {
				t.Errorf("%s: storage %q root ids %v, want %v", step.name, name, r.IDs, want)
			}
			prev, had := before[name]
			if got, want := !had || !r.Written.Equal(prev), slices.Contains(step.rewritten, name); got != want {
				t.Errorf("%s: storage %q root serial %d, state serial %d: rewritten = %v, want %v", step.name, name, r.Serial, st.Serial, got, want)
			} else if got && r.Serial != st.Serial && r.Serial != st.Serial-1 {
				t.Errorf("%s: storage %q root rewritten at serial %d, state serial %d: want the state's, or the one before it for a guard root", step.name, name, r.Serial, st.Serial)
			}
			if !strings.Contains(r.Backend, "state.json") || r.Written.Before(time.Now().Add(-time.Hour)) {
				t.Errorf("%s: root backend %q written %s", step.name, r.Backend, r.Written)
			}
		}
	}
	if err := rw.Finish(ctx, st); err != nil {
		t.Fatal(err)
	}
	for store, kept := range map[string]bool{"other": false, engine.DefaultStorage: true} {
		s, err := ws.Store(ctx, store)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetRoot(ctx, st.Lineage); kept != (err == nil) {
			t.Errorf("storage %q: the old root under the lineage alone: %v; want kept = %v", store, err, kept)
		}
	}
}
