package planner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlform/mlform/planner/dataset"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/state"
)

// A dataset whose source keeps no file is planned (an empty snapshot is a
// valid snapshot) but always with a note naming the source and the globs,
// because it is almost always a mistyped path or pattern.
func TestEmptyDatasetNote(t *testing.T) {
	tests := []struct {
		name             string
		files            map[string]string
		include, exclude []string
		wantNote         string // "" : no note
	}{
		{"no files at all", nil, nil, nil, "has no files: its snapshot is empty"},
		{"include matches nothing", map[string]string{"a.csv": "x"}, []string{"**/*.parquet"}, nil, `has no files matching include ["**/*.parquet"]: `},
		{"exclude takes all", map[string]string{"a.csv": "x"}, nil, []string{"**"}, `has no files outside exclude ["**"]: `},
		{"both", map[string]string{"a.csv": "x"}, []string{"*.csv"}, []string{"a*"}, `matching include ["*.csv"] minus exclude ["a*"]`},
		{"files kept", map[string]string{"a.csv": "x"}, []string{"**/*.csv"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
				t.Fatal(err)
			}
			writeFiles(t, filepath.Join(dir, "data"), tt.files)
			ws := testWorkspace(t, dir, map[string]string{"d": "data"})
			spec := ws.Datasets["d"]
			spec.Include, spec.Exclude = tt.include, tt.exclude
			ws.Datasets["d"] = spec
			p := mustPlan(t, ws, state.New(), engine.PlanOptions{Refresh: true})
			if len(p.Actions) != 1 {
				t.Fatalf("want the snapshot planned anyway, got %d actions", len(p.Actions))
			}
			var got []string
			for _, n := range p.Notes {
				if n.Code == dataset.NoteEmpty {
					got = append(got, n.Message)
				}
			}
			switch {
			case tt.wantNote == "" && len(got) > 0:
				t.Errorf("unexpected note %q", got)
			case tt.wantNote != "" && (len(got) != 1 || !strings.Contains(got[0], tt.wantNote)):
				t.Errorf("notes %q, want one containing %q", got, tt.wantNote)
			}
		})
	}
}
