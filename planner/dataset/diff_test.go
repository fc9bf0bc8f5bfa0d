package dataset

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/mlform/mlform/planner/plans"
)

func files(spec ...string) []plans.ObservedFile {
	// spec: "path:size:hash[:mode]"
	var out []plans.ObservedFile
	for _, s := range spec {
		var f plans.ObservedFile
		var p, h string
		var size int64
		var mode uint32
		n, _ := fmt.Sscanf(s, "%s %d %s %o", &p, &size, &h, &mode)
		if n < 3 {
			panic(s)
		}
		f.Path, f.Size, f.Hash, f.Mode = p, size, h, mode
		out = append(out, f)
	}
	return out
}

func TestDiffFiles(t *testing.T) {
	tests := []struct {
		name                    string
		old, cur                []plans.ObservedFile
		added, changed, removed int
		addB, chgB, remB        int64
		paths                   []plans.PathChange
	}{
		{name: "identical", old: files("a 1 h1", "b 2 h2"), cur: files("a 1 h1", "b 2 h2")},
		{name: "first", cur: files("a 1 h1", "b 2 h2"), added: 2, addB: 3,
			paths: []plans.PathChange{{Path: "a", Change: "added", Delta: 1}, {Path: "b", Change: "added", Delta: 2}}},
		{name: "one changed one added", old: files("a 10 h1", "c 5 h3"), cur: files("a 15 h9", "b 7 h2", "c 5 h3"),
			added: 1, changed: 1, addB: 7, chgB: 5, paths: []plans.PathChange{{Path: "a", Change: "changed", Delta: 5}, {Path: "b", Change: "added", Delta: 7}}},
		{name: "removed", old: files("a 1 h1", "b 2 h2", "c 3 h3"), cur: files("b 2 h2"), removed: 2, remB: 4,
			paths: []plans.PathChange{{Path: "a", Change: "removed", Delta: -1}, {Path: "c", Change: "removed", Delta: -3}}},
		{name: "mode only", old: files("a 1 h1 644"), cur: files("a 1 h1 755"), changed: 1,
			paths: []plans.PathChange{{Path: "a", Change: "changed", Delta: 0}}},
		{name: "shrunk", old: files("a 10 h1"), cur: files("a 4 h2"), changed: 1, chgB: -6,
			paths: []plans.PathChange{{Path: "a", Change: "changed", Delta: -6}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s plans.SnapshotChange
			diffFiles(tt.old, tt.cur, &s)
			if s.Added != tt.added || s.Changed != tt.changed || s.Removed != tt.removed {
				t.Errorf("counts +%d ~%d -%d, want +%d ~%d -%d", s.Added, s.Changed, s.Removed, tt.added, tt.changed, tt.removed)
			}
			if s.AddedBytes != tt.addB || s.ChangedBytes != tt.chgB || s.RemovedBytes != tt.remB {
				t.Errorf("bytes +%d ~%d -%d, want +%d ~%d -%d", s.AddedBytes, s.ChangedBytes, s.RemovedBytes, tt.addB, tt.chgB, tt.remB)
			}
			if !reflect.DeepEqual(s.Paths, tt.paths) {
				t.Errorf("paths %v, want %v", s.Paths, tt.paths)
			}
			if !s.DiffKnown {
				t.Error("DiffKnown not set")
			}
		})
	}
}

func TestDiffFilesCapsPaths(t *testing.T) {
	var cur []plans.ObservedFile
	for i := 0; i < 100; i++ {
		cur = append(cur, plans.ObservedFile{Path: fmt.Sprintf("f%03d", i), Size: 1, Hash: "h"})
	}
	var s plans.SnapshotChange
	diffFiles(nil, cur, &s)
	if s.Added != 100 || len(s.Paths) != maxPlanPaths || s.Paths[0].Path != "f000" {
		t.Errorf("added %d, %d paths, first %v", s.Added, len(s.Paths), s.Paths[0])
	}
}
