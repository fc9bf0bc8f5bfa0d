package planner

import (
	"context"
	"strings"
	"testing"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/ops"
	"github.com/mlform/mlform/state/statemgr"
)

// init reports every part it prepared, warns when a part is mem:// (it
// forgets everything when the process ends), and is idempotent.
func TestInitSteps(t *testing.T) {
	tests := []struct {
		name        string
		backend     string
		store       string
		warnBackend bool
		warnStorage bool
	}{
		{"on disk", "file://.mlform/state", "file://.mlform/store", false, false},
		{"memory store", "file://.mlform/state", "mem://", false, true},
		{"memory backend", "mem://", "file://.mlform/store", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			ws := testWorkspace(t, dir, nil)
			ws.StoreURLs[engine.DefaultStorage] = tt.store
			m, err := statemgr.OpenManager(ctx, tt.backend, dir)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			for run, want := range []string{"created empty state", "state exists (serial 1"} {
				steps, err := ops.Init(ctx, ws, m)
				if err != nil {
					t.Fatalf("init #%d: %v", run+1, err)
				}
				if len(steps) != 3 {
					t.Fatalf("init #%d: %d steps, want state, storage, cache: %+v", run+1, len(steps), steps)
				}
				if !strings.Contains(steps[0].Result, want) && !tt.warnBackend {
					t.Errorf("init #%d: state step %q, want %q", run+1, steps[0].Result, want)
				}
				if got := strings.Contains(steps[0].Result, "WARNING: mem://"); got != tt.warnBackend {
					t.Errorf("backend warning = %v, want %v: %q", got, tt.warnBackend, steps[0].Result)
				}
				if got := strings.Contains(steps[1].Result, "WARNING: mem://"); got != tt.warnStorage {
					t.Errorf("storage warning = %v, want %v: %q", got, tt.warnStorage, steps[1].Result)
				}
			}
		})
	}
}
