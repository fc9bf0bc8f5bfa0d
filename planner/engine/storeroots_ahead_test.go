package engine

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/state"
)

// TestRootsAhead: a state older than the one this workspace's root was
// written from (restored by hand) is refused by every command that
// checks or writes roots, so gc cannot delete what the newer state
// recorded; one write ahead is a run killed between its guard root and
// its state write, and is allowed. A guard root for a forced push of an
// older document stands for the write that replaces the newer state.
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
		{"root one write ahead", 7, 6, false},
		{"restored older state", 7, 5, true},
		{"restored first state", 7, 0, true},
		{"state at the last serial", math.MaxUint64 - 1, math.MaxUint64, false},
		{"root at the last serial", math.MaxUint64, math.MaxUint64 - 1, false},
		{"far below the last serial", math.MaxUint64, 3, true},
	}
	calls := []struct {
		name string
		run  func(ws *Workspace, st *state.State) error
	}{
		{"CheckRoots", func(ws *Workspace, st *state.State) error { return ws.CheckRoots(ctx, st, "") }},
		{"EnsureRoots", func(ws *Workspace, st *state.State) error { return ws.EnsureRoots(ctx, st, "") }},
		{"WriteRoots", func(ws *Workspace, st *state.State) error { return ws.WriteRoots(ctx, st, "") }},
	}
	for _, tt := range tests {
		for _, c := range calls {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				dir := t.TempDir()
				newer := state.New()
				newer.Serial = tt.rootSerial
				newer.EnsureModel("m").Versions = []*state.Version{version(1, "a", "c"), version(2, "b", "c")}
				ws := &Workspace{BaseDir: dir, StoreURLs: map[string]string{DefaultStorage: "file://store"}}
				if err := ws.WriteRoots(ctx, newer, ""); err != nil {
					t.Fatal(err)
				}
				ws.Close()

				older := state.New()
				older.Lineage, older.Serial = newer.Lineage, tt.stateSerial
				older.EnsureModel("m").Versions = []*state.Version{version(1, "a", "c")}
				ws = &Workspace{BaseDir: dir, StoreURLs: map[string]string{DefaultStorage: "file://store"}}
				defer ws.Close()
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
		newer := state.New()
		newer.Serial = 7
		newer.EnsureModel("m").Versions = []*state.Version{version(1, "a", "c"), version(2, "b", "c")}
		dir := t.TempDir()
		ws := &Workspace{BaseDir: dir, StoreURLs: map[string]string{DefaultStorage: "file://store"}}
		if err := ws.WriteRoots(ctx, newer, ""); err != nil {
			t.Fatal(err)
		}
		ws.Close()
		// Another process: its first write of the root reads it.
		ws = &Workspace{BaseDir: dir, StoreURLs: map[string]string{DefaultStorage: "file://store"}}
		defer ws.Close()
		pushed := state.New()
		pushed.Lineage, pushed.Serial = newer.Lineage, 2
		if err := ws.GuardRoots(ctx, newer, pushed, ""); err != nil {
			t.Fatal(err)
		}
		if r := readRoot(t, ws, DefaultStorage, newer.Lineage); r.Serial != 8 || len(r.IDs) != 3 {
			t.Errorf("guard root at serial %d names %v, want serial 8 naming both states' ids", r.Serial, r.IDs)
		}
	})
}
