package cli

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestPlanFlagsOutputFormat(t *testing.T) {
	tests := []struct {
		asJSON bool
		format string
		want   string
		err    string
	}{
		{false, "human", "human", ""},
		{true, "human", "json", ""},
		{false, "json", "json", ""},
		{true, "json", "json", ""},
		{false, "markdown", "markdown", ""},
		{true, "markdown", "", "contradict"},
		{false, "yaml", "", "want human, json or markdown"},
	}
	for _, tt := range tests {
		f := planFlags{asJSON: tt.asJSON, format: tt.format}
		got, err := f.outputFormat()
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("json=%v format=%s: err %v, want %q", tt.asJSON, tt.format, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("json=%v format=%s: %q, %v; want %q", tt.asJSON, tt.format, got, err, tt.want)
		}
	}
}

func TestPlanFlagsClock(t *testing.T) {
	env := map[string]string{}
	g := &Globals{Getenv: func(k string) string { return env[k] }}
	tests := []struct {
		flag, env string
		want      time.Time
		err       string
	}{
		{"2026-01-05T12:00:00Z", "", time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC), ""},
		{"", "2026-02-01T03:00:00+01:00", time.Date(2026, 2, 1, 2, 0, 0, 0, time.UTC), ""},
		{"2026-01-05T12:00:00Z", "2030-01-01T00:00:00Z", time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC), ""},
		{"yesterday", "", time.Time{}, `-now="yesterday": want an RFC 3339 time`},
		{"", "2026-01-05", time.Time{}, `MLFORM_NOW="2026-01-05": want an RFC 3339 time`},
	}
	for _, tt := range tests {
		env[nowEnv] = tt.env
		f := planFlags{now: tt.flag}
		got, err := f.clock(g)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("-now=%q env=%q: err %v, want %q", tt.flag, tt.env, err, tt.err)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("-now=%q env=%q: %v, %v; want %v", tt.flag, tt.env, got, err, tt.want)
		}
	}
	env[nowEnv] = ""
	if got, err := (&planFlags{}).clock(g); err != nil || time.Since(got) > time.Minute {
		t.Errorf("default clock: %v %v", got, err)
	}
}

func TestCheckPlanOut(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/f"
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, err string
	}{
		{dir + "/tfplan", ""},
		{file, ""}, // an existing plan file is replaced
		{dir, "is a directory: give a file name"},
		{dir + "/missing/tfplan", "directory " + dir + "/missing does not exist"},
		{file + "/tfplan", "is not a directory"},
	}
	for _, tt := range tests {
		err := checkPlanOut(tt.path)
		if (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("checkPlanOut(%q) = %v, want %q", tt.path, err, tt.err)
		}
	}
}
