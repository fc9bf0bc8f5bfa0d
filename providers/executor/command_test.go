package executor

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mlform/mlform/internal/wanterr"
)

func TestResolveCommand(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	write := func(p string, mode os.FileMode) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(bin, "trainer"), 0o755)
	write(filepath.Join(bin, "data.csv"), 0o644)
	write(filepath.Join(dir, "other", "trainer"), 0o755)
	tests := []struct {
		name, cmd, path string
		want            string
		wantErr         string
	}{
		{"relative to dir", "./bin/trainer", "", filepath.Join(bin, "trainer"), ""},
		{"slash without dot", "bin/trainer", "", filepath.Join(bin, "trainer"), ""},
		{"absolute", filepath.Join(bin, "trainer"), "", filepath.Join(bin, "trainer"), ""},
		{"bare name in PATH order", "trainer", bin + ":" + filepath.Join(dir, "other"), filepath.Join(bin, "trainer"), ""},
		{"PATH skips relative entries", "trainer", "bin:" + filepath.Join(dir, "other"), filepath.Join(dir, "other", "trainer"), ""},
		{"bare name not in PATH", "nope", bin, "", `"nope" not found in PATH`},
		{"not executable", "./bin/data.csv", "", "", "is not executable"},
		{"directory", "./bin", "", "", "is a directory"},
		{"missing", "./bin/missing", "", "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveCommand(tt.cmd, dir, tt.path)
			if wanterr.Check(t, err, tt.wantErr) {
				return
			}
			if got != tt.want {
				t.Fatalf("resolveCommand = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestBuildEnv(t *testing.T) {
	parent := map[string]string{
		"PATH": "/usr/bin", "HOME": "/home/u", "GOCACHE": "/cache",
		"AWS_SECRET_ACCESS_KEY": "secret", "MLFORM_VAR_token": "secret", "SLURM_CONF": "/c/slurm.conf",
	}
	getenv := func(k string) string { return parent[k] }
	tests := []struct {
		name  string
		task  map[string]string
		extra []string
		want  []string
	}{
		{"inherits only the allow-list", nil, nil, []string{"GOCACHE=/cache", "HOME=/home/u", "PATH=/usr/bin"}},
		{"task adds and wins", map[string]string{"PATH": "/opt/bin", "MLFORM_MODEL": "churn"}, nil,
			[]string{"GOCACHE=/cache", "HOME=/home/u", "MLFORM_MODEL=churn", "PATH=/opt/bin"}},
		{"task may pass a secret explicitly", map[string]string{"API_KEY": "k"}, nil,
			[]string{"API_KEY=k", "GOCACHE=/cache", "HOME=/home/u", "PATH=/usr/bin"}},
		{"an executor's extra names", nil, []string{"SLURM_CONF"}, []string{"GOCACHE=/cache", "HOME=/home/u", "PATH=/usr/bin", "SLURM_CONF=/c/slurm.conf"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BuildEnv(getenv, tt.task, tt.extra...); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("BuildEnv = %v, want %v", got, tt.want)
			}
		})
	}
}
