package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/storedoc"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

// serialWriter stands in for the state backend: each write is a new
// serial, as a Manager's would be.
type serialWriter struct{}

func (serialWriter) Write(_ context.Context, st *state.State) error { st.Serial++; return nil }

func rootID(c string) string { return strings.Repeat(c, 64) }

// version is a recorded version referencing artifacts a and code c in the
// default store.
func version(n int, a, c string) *state.Version {
	return &state.Version{Version: n, Status: state.StatusSucceeded, ArtifactsID: rootID(a), CodeID: rootID(c)}
}

// TestRootWriterIncremental: the roots follow the state through announced
// changes (only the announced entries are looked at), unannounced ones and
// ones the state shows incomplete (rebuilt from the whole state), ids
// shared between entries, and a store whose root cannot be written for a
// while; each write rewrites only the roots whose ids changed.
func TestRootWriterIncremental(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken") // a file where the store's directory belongs
	ws := &Workspace{BaseDir: dir, StoreURLs: map[string]string{DefaultStorage: "file://store", "other": "file://" + broken}}
	defer ws.Close()
	st := state.New()
	rw := ws.NewRootWriter(serialWriter{})
	rw.verify = true
	steps := []struct {
		name     string
		announce func(ctx context.Context) context.Context
		change   func(st *state.State)
		want     map[string][]string // roots in the stores that can be read
		// rewritten: stores whose root carries this write's serial
		rewritten []string
		wantErr   string
	}{
		{"first write, other store broken", nil, func(st *state.State) {
			st.EnsureModel("m").Versions = []*state.Version{version(1, "a", "c")}
			os.WriteFile(broken, []byte("x"), 0o600)
		}, map[string][]string{DefaultStorage: {rootID("a"), rootID("c")}}, []string{DefaultStorage}, ""},
		{"a second model shares the code archive; other store repaired and retried", func(ctx context.Context) context.Context {
			return statemgr.ChangingModel(ctx, "n")
		}, func(st *state.State) {
			st.EnsureModel("n").Versions = []*state.Version{version(1, "b", "c")}
			os.Remove(broken)
		}, map[string][]string{DefaultStorage: {rootID("a"), rootID("b"), rootID("c")}, "other": {}}, []string{DefaultStorage, "other"}, ""},
		{"the first model forgotten: its code archive is still used", func(ctx context.Context) context.Context {
			return statemgr.ChangingModel(ctx, "m")
		}, func(st *state.State) { delete(st.Models, "m") },
			map[string][]string{DefaultStorage: {rootID("b"), rootID("c")}, "other": {}}, []string{DefaultStorage}, ""},
		{"a change that references nothing new", func(ctx context.Context) context.Context {
			return statemgr.ChangingModel(statemgr.ChangingPolicy(ctx, "p"), "n")
		}, func(st *state.State) {
			st.Models["n"].Versions[0].Metrics = map[string]float64{"auc": 0.9}
		}, map[string][]string{DefaultStorage: {rootID("b"), rootID("c")}, "other": {}}, nil, ""},
		{"announced, but a new entry too: rebuilt", func(ctx context.Context) context.Context {
			return statemgr.ChangingModel(ctx, "n")
		}, func(st *state.State) {
			st.Datasets["d"] = &state.Dataset{Name: "d", Snapshots: []*state.Snapshot{{ID: rootID("d"), Store: "other"}}}
		}, map[string][]string{DefaultStorage: {rootID("b"), rootID("c")}, "other": {rootID("d")}}, []string{"other"}, ""},
		{"unannounced", nil, func(st *state.State) {
			st.Datasets["d"].Snapshots[0].ProfileID = rootID("e")
		}, map[string][]string{DefaultStorage: {rootID("b"), rootID("c")}, "other": {rootID("d"), rootID("e")}}, []string{"other"}, ""},
		{"an announcement that missed a change fails in test builds", func(ctx context.Context) context.Context {
			return statemgr.ChangingModel(ctx, "n")
		}, func(st *state.State) {
			st.Datasets["d"].Snapshots[0].ProfileID = rootID("f")
		}, nil, nil, "announced as touching only"},
	}
	for _, step := range steps {
		step.change(st)
		wctx := ctx
		if step.announce != nil {
			wctx = step.announce(ctx)
		}
		// A root this write rewrote is a new document: a guard root
		// (written before the state write, at the serial before it) or
		// one written after it, at the state's serial.
		before := map[string]time.Time{}
		for name := range step.want {
			if store, err := ws.Store(ctx, name); err == nil {
				if r, err := store.GetRoot(ctx, storedoc.WorkspaceRootName(st.Lineage, "", name)); err == nil {
					before[name] = r.Written
				}
			}
		}
		err := rw.Write(wctx, st)
		if step.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), step.wantErr) {
				t.Fatalf("%s: err = %v, want %q", step.name, err, step.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		for name, want := range step.want {
			r := readRoot(t, ws, name, st.Lineage)
			if !slices.Equal(r.IDs, want) {
				t.Errorf("%s: storage %q root ids %v, want %v", step.name, name, r.IDs, want)
			}
			prev, had := before[name]
			if got, want := !had || !r.Written.Equal(prev), slices.Contains(step.rewritten, name); got != want {
				t.Errorf("%s: storage %q root serial %d, state serial %d: rewritten = %v, want %v", step.name, name, r.Serial, st.Serial, got, want)
			} else if got && r.Serial != st.Serial && r.Serial != st.Serial-1 {
				t.Errorf("%s: storage %q root rewritten at serial %d, state serial %d: want the state's, or the one before it for a guard root", step.name, name, r.Serial, st.Serial)
			}
		}
	}
	// Finish writes what the refused write left due.
	if err := rw.Finish(ctx, st); err != nil {
		t.Fatal(err)
	}
	if r := readRoot(t, ws, "other", st.Lineage); !slices.Contains(r.IDs, rootID("f")) {
		t.Errorf("after Finish: other root ids %v lack the missed id", r.IDs)
	}
}

// TestRootWriterFinishRepairs: release builds trust announcements; a
// change that escaped its announcement is still in the roots once Finish
// has checked the whole state.
func TestRootWriterFinishRepairs(t *testing.T) {
	ctx := context.Background()
	ws := &Workspace{BaseDir: t.TempDir(), StoreURLs: map[string]string{DefaultStorage: "file://store"}}
	defer ws.Close()
	st := state.New()
	st.EnsureModel("m").Versions = []*state.Version{version(1, "a", "c")}
	st.EnsureModel("n").Versions = []*state.Version{version(1, "b", "c")}
	rw := ws.NewRootWriter(serialWriter{})
	rw.verify = false
	if err := rw.Write(ctx, st); err != nil {
		t.Fatal(err)
	}
	st.Models["n"].Versions[0].LogsID = rootID("d")
	if err := rw.Write(statemgr.ChangingModel(ctx, "m"), st); err != nil {
		t.Fatal(err)
	}
	if err := rw.Finish(ctx, st); err != nil {
		t.Fatal(err)
	}
	want := []string{rootID("a"), rootID("b"), rootID("c"), rootID("d")}
	if r := readRoot(t, ws, DefaultStorage, st.Lineage); !slices.Equal(r.IDs, want) || r.Serial != st.Serial {
		t.Errorf("after Finish: root ids %v at serial %d, want %v at %d", r.IDs, r.Serial, want, st.Serial)
	}
}

func readRoot(t *testing.T, ws *Workspace, name, lineage string) *storage.Root {
	t.Helper()
	store, err := ws.Store(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	// serialWriter has no Location: the root's backend is "".
	r, err := store.GetRoot(context.Background(), storedoc.WorkspaceRootName(lineage, "", name))
	if err != nil {
		t.Fatalf("storage %q: %v", name, err)
	}
	return r
}

// rootFleet is a state of n models and datasets shaped like the fleet
// `make bench` applies: one snapshot (and profile) per dataset, one
// version (artifacts, logs, environment, card, code) per model.
func rootFleet(n int) *state.State {
	st := state.New()
	id := func(kind, i int) string { return fmt.Sprintf("%02x%062x", kind, i) }
	for i := range n {
		name := fmt.Sprintf("m%04d", i)
		st.Datasets[name] = &state.Dataset{Name: name, Snapshots: []*state.Snapshot{{ID: id(1, i), ProfileID: id(2, i)}}}
		st.EnsureModel(name).Versions = []*state.Version{{Version: 1, Status: state.StatusSucceeded,
			ArtifactsID: id(3, i), LogsID: id(4, i), EnvironmentID: id(5, i), CardID: id(6, i), CodeID: id(7, i)}}
	}
	return st
}

// BenchmarkRootWriter is the root bookkeeping of one apply action (one
// model gains a version, announced as apply's runners do) in a workspace
// of N models, on local disk; the state write itself is left out. What
// remains proportional to N is the root object itself (one document of
// every id, providers/storage).
func BenchmarkRootWriter(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ctx := context.Background()
			ws := &Workspace{BaseDir: b.TempDir(), StoreURLs: map[string]string{DefaultStorage: "file://store"}}
			defer ws.Close()
			st := rootFleet(n)
			rw := ws.NewRootWriter(serialWriter{})
			if err := rw.Write(ctx, st); err != nil {
				b.Fatal(err)
			}
			for i := 0; b.Loop(); i++ {
				m := st.Models[fmt.Sprintf("m%04d", i%n)]
				v := *m.Versions[0]
				v.Version, v.ArtifactsID = len(m.Versions)+1, fmt.Sprintf("%064x", 1<<40+i)
				m.Versions = append(m.Versions, &v)
				if err := rw.Write(statemgr.ChangingModel(ctx, m.Name), st); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// rootCheckingWriter is a state backend that, at each write, checks that
// the default store's root already names every id the state being written
// references there: the moment the state names an id, a root does too.
type rootCheckingWriter struct {
	t  *testing.T
	ws *Workspace
}

func (w rootCheckingWriter) Write(ctx context.Context, st *state.State) error {
	w.t.Helper()
	store, err := w.ws.Store(ctx, DefaultStorage)
	if err != nil {
		w.t.Fatal(err)
	}
	var named []string
	if r, err := store.GetRoot(ctx, storedoc.WorkspaceRootName(st.Lineage, "", DefaultStorage)); err == nil {
		named = r.IDs
	}
	for _, id := range Referenced(st)[DefaultStorage] {
		if !slices.Contains(named, id) {
			w.t.Errorf("serial %d: the state is written naming %.8s, which no root names yet (a run killed now would leave it to a gc elsewhere)", st.Serial+1, id)
		}
	}
	st.Serial++
	return nil
}

// TestRootWriterGuardsBeforeWrite: every state write that adds a
// reference finds it in the store's root already (announced, unannounced
// and first writes), and a write that drops one keeps it in the root
// until the state no longer names it. Before, the root was written only
// after the state: a run killed in between left the new ids to any gc.
func TestRootWriterGuardsBeforeWrite(t *testing.T) {
	ctx := context.Background()
	ws := &Workspace{BaseDir: t.TempDir(), StoreURLs: map[string]string{DefaultStorage: "file://store"}}
	defer ws.Close()
	st := state.New()
	rw := ws.NewRootWriter(rootCheckingWriter{t: t, ws: ws})
	rw.verify = true
	steps := []struct {
		announce func(ctx context.Context) context.Context
		change   func(st *state.State)
	}{
		{nil, func(st *state.State) { st.EnsureModel("m").Versions = []*state.Version{version(1, "a", "c")} }},
		{func(ctx context.Context) context.Context { return statemgr.ChangingModel(ctx, "m") }, func(st *state.State) {
			m := st.Models["m"]
			m.Versions = append(m.Versions, version(2, "b", "d"))
		}},
		{nil, func(st *state.State) { st.EnsureModel("n").Versions = []*state.Version{version(1, "e", "c")} }},
		{func(ctx context.Context) context.Context { return statemgr.ChangingModel(ctx, "m") }, func(st *state.State) {
			m := st.Models["m"]
			m.Versions = []*state.Version{version(3, "f", "d")} // drops a, b; adds f
		}},
	}
	for i, step := range steps {
		step.change(st)
		wctx := ctx
		if step.announce != nil {
			wctx = step.announce(ctx)
		}
		if err := rw.Write(wctx, st); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if err := rw.Finish(ctx, st); err != nil {
		t.Fatal(err)
	}
	want := Referenced(st)[DefaultStorage]
	if r := readRoot(t, ws, DefaultStorage, st.Lineage); !slices.Equal(r.IDs, want) || r.Serial != st.Serial {
		t.Errorf("final root %v at serial %d, want %v at %d", r.IDs, r.Serial, want, st.Serial)
	}
}

// TestGuardAndEnsureRoots: GuardRoots names what either the stored or the
// pushed state references (a push's window between its state write and
// its root write protects both), and EnsureRoots puts back a root that
// was forgotten while the workspace was in use, leaving a present one as
// it is.
func TestGuardAndEnsureRoots(t *testing.T) {
	ctx := context.Background()
	old := state.New()
	old.EnsureModel("m").Versions = []*state.Version{version(1, "a", "c")}
	pushed := state.New()
	pushed.Lineage = old.Lineage
	pushed.Serial = 7
	pushed.EnsureModel("m").Versions = []*state.Version{version(1, "b", "c")}
	tests := []struct {
		name string
		run  func(ws *Workspace) error
		want []string // the root's ids afterwards; nil: no root
	}{
		{"guard: union of both", func(ws *Workspace) error { return ws.GuardRoots(ctx, old, pushed, "") },
			[]string{rootID("a"), rootID("b"), rootID("c")}},
		{"guard: no stored state", func(ws *Workspace) error { return ws.GuardRoots(ctx, nil, pushed, "") },
			[]string{rootID("b"), rootID("c")}},
		{"ensure: missing root written", func(ws *Workspace) error { return ws.EnsureRoots(ctx, old, "") },
			[]string{rootID("a"), rootID("c")}},
		{"ensure: present root kept", func(ws *Workspace) error {
			if err := ws.GuardRoots(ctx, old, pushed, ""); err != nil {
				return err
			}
			return ws.EnsureRoots(ctx, pushed, "")
		}, []string{rootID("a"), rootID("b"), rootID("c")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := &Workspace{BaseDir: t.TempDir(), StoreURLs: map[string]string{DefaultStorage: "file://store"}}
			defer ws.Close()
			if err := tt.run(ws); err != nil {
				t.Fatal(err)
			}
			if r := readRoot(t, ws, DefaultStorage, old.Lineage); !slices.Equal(r.IDs, tt.want) {
				t.Errorf("root ids %v, want %v", r.IDs, tt.want)
			}
		})
	}
}

// TestAddedRefs counts what a pushed state references beyond the current
// one: state push takes the store lock and guards its roots only when
// this is not zero.
func TestAddedRefs(t *testing.T) {
	model := func(vs ...*state.Version) *state.State {
		st := state.New()
		st.Models["m"] = &state.Model{Name: "m", Versions: vs}
		return st
	}
	withSnapshot := model(version(1, "a", "c"))
	withSnapshot.Datasets["d"] = &state.Dataset{Name: "d", Snapshots: []*state.Snapshot{{ID: rootID("d"), Store: "other"}}}
	tests := []struct {
		name        string
		old, pushed *state.State
		want        int
	}{
		{"no readable state", nil, model(version(1, "a", "c")), 2},
		{"same ids", model(version(1, "a", "c")), model(version(1, "a", "c")), 0},
		{"fewer ids", model(version(1, "a", "c"), version(2, "b", "c")), model(version(1, "a", "c")), 0},
		{"a new version sharing code", model(version(1, "a", "c")), model(version(1, "a", "c"), version(2, "b", "c")), 1},
		{"a snapshot in another store", model(version(1, "a", "c")), withSnapshot, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AddedRefs(tt.old, tt.pushed); got != tt.want {
				t.Errorf("AddedRefs = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestLockStores: a store opened before LockStores is opened again under
// the shared store lock (taken before its index is read), the one opened
// before stays readable, and Close releases the lock.
func TestLockStores(t *testing.T) {
	ctx := context.Background()
	ws := &Workspace{BaseDir: t.TempDir(), StoreURLs: map[string]string{DefaultStorage: "file://store"}}
	defer ws.Close()
	before, err := ws.Store(ctx, DefaultStorage)
	if err != nil {
		t.Fatal(err)
	}
	ws.LockStores(StoreLocking{Command: "reproduce"})
	locked, err := ws.Store(ctx, DefaultStorage)
	if err != nil {
		t.Fatal(err)
	}
	if locked == before {
		t.Fatal("LockStores kept the store opened without the lock")
	}
	locks, err := before.Locks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(locks) != 1 || locks[0].Holder.Kind != storage.LockShared || locks[0].Holder.Command != "reproduce" {
		t.Fatalf("locks after LockStores: %+v", locks)
	}
	// A second call keeps the lock it has.
	ws.LockStores(StoreLocking{Command: "other"})
	if again, _ := ws.Store(ctx, DefaultStorage); again != locked {
		t.Fatal("a second LockStores reopened the store")
	}
	if err := ws.Close(); err != nil {
		t.Fatal(err)
	}
	reader, err := storage.Open(ctx, "file://"+filepath.Join(ws.BaseDir, "store"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if locks, err := reader.Locks(ctx); err != nil || len(locks) != 0 {
		t.Fatalf("locks after Close: %+v, %v", locks, err)
	}
}
