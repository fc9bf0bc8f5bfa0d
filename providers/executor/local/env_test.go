//go:build unix

package local

import (
	"strings"
	"testing"
	"time"
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
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g := e.(*Executor).opts.Grace; g != tt.wantGrace || e.Name() != Name {
				t.Errorf("grace %s name %q", g, e.Name())
			}
		})
	}
}
