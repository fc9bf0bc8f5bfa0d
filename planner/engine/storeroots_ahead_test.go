package engine

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/state"
)

// TestRootsAhead: a state older than the one this workspace's root was
// written from (restored by hand) is refused by every command that
// checks or writes roots, so gc cannot delete what the newer state
// recorded, even one write older (state.json.backup copied over
// state.json); a run killed between its guard root and its state write
// leaves no root ahead (the guard root carries the serial before the
// write), and is allowed. A guard root for a forced push of an older
// document is not refused by the newer state's root.
func TestRootsAhead(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		rootSerial  uint64
		stateSerial uint64
		ahead       bool
	}{
		{"same serial", 7, 7, false},
		{"state newer", 7, 9, false},
		{"restored one write older (state.json.backup)", 7, 6, true},
		{"restored older state", 7, 5, true},
		{"restored first state", 7, 0, true},
		{"state at the last serial", math.MaxUint64 - 1, math.MaxUint64, false},
		{"restored one write older at the last serial", math.MaxUint64, math.MaxUint64 - 1, true},
		{"far below the last serial", math.MaxUint64, 3, true},
	}
	calls := []struct {
		name string
		run  func(ws *Workspace, st *state.State) error
	}{
		{"CheckRoots", func(ws *Workspace, st *state.State) error { return ws.CheckRoots(ctx, st, "") }},
		{"EnsureRoots", func(ws *Workspace, st *state.State) error { return ws.EnsureRoots(ctx, st, "") }},
		{"WriteRoots", func(ws *Workspace, st *state.State) error { return ws.WriteRoots(ctx, st, "") }},
		{"PeekRoots", func(ws *Workspace, st *state.State) error { return ws.PeekRoots(ctx, st, "") }},
	}
	for _, tt := range tests {
		for _, c := range calls {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				newer, ws := rootedAt(t, tt.rootSerial)
				older := state.New()
				older.Lineage, older.Serial = newer.Lineage, tt.stateSerial
				older.EnsureModel("m").Versions = []*state.Version{version(1, "a", "c")}
				err := c.run(ws, older)
				var ahead *storage.RootAheadError
				if got := errors.As(err, &ahead); got != tt.ahead {
					t.Fatalf("error %v: root ahead = %v, want %v", err, got, tt.ahead)
				}
				if !tt.ahead && err != nil {
					t.Fatal(err)
				}
				if tt.ahead {
					// Nothing the newer state recorded stopped being named.
					if r := readRoot(t, ws, DefaultStorage, newer.Lineage); r.Serial != tt.rootSerial || len(r.IDs) != 3 {
						t.Errorf("root at serial %d names %v, want the newer state's at %d", r.Serial, r.IDs, tt.rootSerial)
					}
				}
			})
		}
	}

	t.Run("guard for a forced push of an older document", func(t *testing.T) {
		newer, ws := rootedAt(t, 7)
		dir := ws.BaseDir
		pushed := state.New()
		pushed.Lineage, pushed.Serial = newer.Lineage, 2
		if err := ws.GuardRoots(ctx, newer, pushed, ""); err != nil {
			t.Fatal(err)
		}
		if r := readRoot(t, ws, DefaultStorage, newer.Lineage); r.Serial != 7 || len(r.IDs) != 3 {
			t.Errorf("guard root at serial %d names %v, want serial 7 (the replaced state's) naming both states' ids", r.Serial, r.IDs)
		}
		// The same push over an older copy put back by hand (serial 3):
		// the guard root is not refused, and stays at the roots' serial.
		ws.Close()
		ws = &Workspace{BaseDir: dir, StoreURLs: map[string]string{DefaultStorage: "file://store"}}
		defer ws.Close()
		restored := state.New()
		restored.Lineage, restored.Serial = newer.Lineage, 3
		if err := ws.GuardRoots(ctx, restored, pushed, ""); err != nil {
			t.Fatal(err)
		}
		if r := readRoot(t, ws, DefaultStorage, newer.Lineage); r.Serial != 7 {
			t.Errorf("guard root over a restored copy at serial %d, want 7", r.Serial)
		}
	})

	// A run killed between a guard root and its state write (here: the
	// state write fails) leaves a root the next command accepts.
	t.Run("run killed between guard root and state write", func(t *testing.T) {
		dir := t.TempDir()
		ws := &Workspace{BaseDir: dir, StoreURLs: map[string]string{DefaultStorage: "file://store"}}
		st := state.New()
		st.Serial = 4
		if err := ws.WriteRoots(ctx, st, ""); err != nil {
			t.Fatal(err)
		}
		rw := ws.NewRootWriter(failingWriter{})
		st.EnsureModel("m").Versions = []*state.Version{version(1, "a", "c")}
		if err := rw.Write(ctx, st); err == nil {
			t.Fatal("write did not fail")
		}
		ws.Close()
		if r := readRoot(t, ws, DefaultStorage, st.Lineage); len(r.IDs) != 2 {
			t.Fatalf("guard root names %v, want the new ids", r.IDs)
		}
		ws = &Workspace{BaseDir: dir, StoreURLs: map[string]string{DefaultStorage: "file://store"}}
		defer ws.Close()
		recorded := state.New()
		recorded.Lineage, recorded.Serial = st.Lineage, 4
		if err := ws.CheckRoots(ctx, recorded, ""); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("guard keeps what the roots name", func(t *testing.T) {
		// The stored state is gone (or an older copy): the roots are the
		// only record of what the newest state referenced, and a push's
		// guard root must not drop it.
		newer, ws := rootedAt(t, 7)
		pushed := state.New()
		pushed.Lineage, pushed.Serial = newer.Lineage, 5
		pushed.EnsureModel("m").Versions = []*state.Version{version(1, "a", "c")}
		if err := ws.GuardRoots(ctx, nil, pushed, ""); err != nil {
			t.Fatal(err)
		}
		r := readRoot(t, ws, DefaultStorage, newer.Lineage)
		if want := []string{rootID("a"), rootID("b"), rootID("c")}; !slices.Equal(r.IDs, want) || r.Serial != 7 {
			t.Errorf("guard root at serial %d names %v, want %v at 7", r.Serial, r.IDs, want)
		}
		// The same process then writing the older state's root is refused
		// without reading the root back.
		var ahead *storage.RootAheadError
		if err := ws.WriteRoots(ctx, pushed, ""); !errors.As(err, &ahead) {
			t.Fatalf("WriteRoots of the older state after the guard: %v, want a RootAheadError", err)
		}
	})
}

// rootedAt writes the roots of a state at serial that references two
// versions (ids a, b, c), as an earlier process would have, and returns
// that state and a fresh Workspace on the same directory (another
// process: its first write of each root reads it).
func rootedAt(t *testing.T, serial uint64) (*state.State, *Workspace) {
	t.Helper()
	newer := state.New()
	newer.Serial = serial
	newer.EnsureModel("m").Versions = []*state.Version{version(1, "a", "c"), version(2, "b", "c")}
	dir := t.TempDir()
	ws := &Workspace{BaseDir: dir, StoreURLs: map[string]string{DefaultStorage: "file://store"}}
	if err := ws.WriteRoots(context.Background(), newer, ""); err != nil {
		t.Fatal(err)
	}
	ws.Close()
	ws = &Workspace{BaseDir: dir, StoreURLs: map[string]string{DefaultStorage: "file://store"}}
	t.Cleanup(func() { ws.Close() })
	return newer, ws
}

// failingWriter is a state backend whose writes fail, as a run killed
// before its state write leaves it.
type failingWriter struct{}

func (failingWriter) Write(context.Context, *state.State) error { return errors.New("killed") }
