//go:build unix

package local

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestBuildEnv(t *testing.T) {
	parent := map[string]string{
		"PATH": "/usr/bin", "HOME": "/home/u", "GOCACHE": "/cache",
		"AWS_SECRET_ACCESS_KEY": "secret", "MLFORM_VAR_token": "secret",
	}
	getenv := func(k string) string { return parent[k] }
	tests := []struct {
		name string
		task map[string]string
		want []string
	}{
		{"inherits only the allow-list", nil, []string{"GOCACHE=/cache", "HOME=/home/u", "PATH=/usr/bin"}},
		{"task adds and wins", map[string]string{"PATH": "/opt/bin", "MLFORM_MODEL": "churn"},
			[]string{"GOCACHE=/cache", "HOME=/home/u", "MLFORM_MODEL=churn", "PATH=/opt/bin"}},
		{"task may pass a secret explicitly", map[string]string{"API_KEY": "k"},
			[]string{"API_KEY=k", "GOCACHE=/cache", "HOME=/home/u", "PATH=/usr/bin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := buildEnv(getenv, tt.task); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("buildEnv = %v, want %v", got, tt.want)
			}
		})
	}
}

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
