package planner

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mlform/mlform/planner/dataset"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/state"
)

// An include pattern that keeps no file while the dataset's other patterns
// keep some is a plan note naming the pattern (a mistyped glob would
// otherwise go unnoticed); a dataset that keeps nothing has the one empty
// note instead.
func TestUnmatchedIncludeNotes(t *testing.T) {
	files := map[string]string{"a.csv": "x", "sub/b.csv": "y"}
	tests := []struct {
		name             string
		include, exclude []string
		want             []string // note messages, in order
		wantEmpty        bool
	}{
		{"all keep files", []string{"*.csv", "sub"}, nil, nil, false},
		{"one pattern alone", []string{"**/*.csv"}, nil, nil, false},
		{"one mistyped", []string{"**/*.csv", "**/*.parqet"}, nil,
			[]string{`include pattern "**/*.parqet" keeps no file of source data (the other patterns keep 2 files): check it for a typo`}, false},
		{"two mistyped", []string{"*.tsv", "sub/**", "valid/"}, nil,
			[]string{`include pattern "*.tsv" keeps no file of source data (the other patterns keep 1 file): check it for a typo`,
				`include pattern "valid/" keeps no file of source data (the other patterns keep 1 file): check it for a typo`}, false},
		{"excluded away", []string{"*.csv", "sub"}, []string{"sub/b.csv"},
			[]string{`include pattern "sub" keeps no file of source data outside exclude ["sub/b.csv"] (the other patterns keep 1 file): check it for a typo`}, false},
		{"none keeps a file", []string{"*.tsv", "*.parquet"}, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
				t.Fatal(err)
			}
			writeFiles(t, filepath.Join(dir, "data"), files)
			ws := testWorkspace(t, dir, map[string]string{"d": "data"})
			spec := ws.Datasets["d"]
			spec.Include, spec.Exclude = tt.include, tt.exclude
			ws.Datasets["d"] = spec
			p := mustPlan(t, ws, state.New(), engine.PlanOptions{Refresh: true})
			var got []string
			empty := false
			for _, n := range p.Notes {
				switch n.Code {
				case dataset.NoteUnmatchedInclude:
					if n.Addr != "dataset.d" {
						t.Errorf("note on %s, want dataset.d", n.Addr)
					}
					got = append(got, n.Message)
				case dataset.NoteEmpty:
					empty = true
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("notes:\n%q\nwant\n%q", got, tt.want)
			}
			if empty != tt.wantEmpty {
				t.Errorf("empty note %v, want %v", empty, tt.wantEmpty)
			}
		})
	}
}
