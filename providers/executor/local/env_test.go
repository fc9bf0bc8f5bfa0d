//go:build unix

package local

import (
	"testing"
	"time"

	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/providers/executor"
)

func TestFactory(t *testing.T) {
	tests := []struct {
		name      string
		settings  map[string]any // as config evaluates them
		wantGrace time.Duration
		wantErr   string
	}{
		{"no settings", nil, 0, ""},
		{"grace", map[string]any{"grace": "30s"}, 30 * time.Second, ""},
		{"bad grace", map[string]any{"grace": "soon"}, 0, `local setting grace: want a non-negative duration such as "30s", not "soon"`},
		{"negative grace", map[string]any{"grace": "-1s"}, 0, `not "-1s"`},
		{"number for grace", map[string]any{"grace": 30.0}, 0, "not the number 30"},
		{"unknown", map[string]any{"grase": "1s"}, 0, `executor "local" has no setting "grase"; did you mean "grace"?`},
	}
	r := executor.NewRegistry()
	Register(r)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := r.Open(Name, tt.settings)
			if wanterr.Check(t, err, tt.wantErr) {
				return
			}
			if g := e.(*Executor).opts.Grace; g != tt.wantGrace || e.Name() != Name {
				t.Errorf("grace %s name %q", g, e.Name())
			}
		})
	}
}
