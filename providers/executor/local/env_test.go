//go:build unix

package local

import (
	"testing"
	"time"

	"github.com/mlform/mlform/internal/wanterr"
)

func TestFactory(t *testing.T) {
	tests := []struct {
		name      string
		opts      map[string]string
		wantGrace time.Duration
		wantErr   string
	}{
		{"no options", nil, 0, ""},
		{"grace", map[string]string{"grace": "30s"}, 30 * time.Second, ""},
		{"bad grace", map[string]string{"grace": "soon"}, 0, `option grace = "soon"`},
		{"negative grace", map[string]string{"grace": "-1s"}, 0, `option grace = "-1s"`},
		{"unknown", map[string]string{"image": "x"}, 0, "unknown option(s) image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Factory(tt.opts)
			if wanterr.Check(t, err, tt.wantErr) {
				return
			}
			if g := e.(*Executor).opts.Grace; g != tt.wantGrace || e.Name() != Name {
				t.Errorf("grace %s name %q", g, e.Name())
			}
		})
	}
}
