package config

import (
	"reflect"
	"strings"
	"testing"
)

// TestExecutorSettings: an environment's executor-named blocks are read
// generically, whatever executor they name (config knows none), with
// plain values and the ranges validate reports problems at; what is not
// a settings block's shape, or a sensitive value, is config's own error.
func TestExecutorSettings(t *testing.T) {
	tests := []struct {
		name    string
		body    string // inside environment "e" { ... }
		want    map[string]map[string]any
		wantErr []string // substrings of the diagnostics; nil: none
	}{
		{"none", "\n  executor = \"local\"", map[string]map[string]any{}, nil},
		{"values of every kind", `
  executor = "slurm"
  slurm {
    partition  = "gpu-${var.size}"
    cpus       = 4 * 2
    exclusive  = true
    extra_args = ["--exclusive", "--nice=10"]
    labels     = { team = "ml" }
    account    = null
  }`, map[string]map[string]any{"slurm": {
			"partition": "gpu-big", "cpus": 8.0, "exclusive": true,
			"extra_args": []any{"--exclusive", "--nice=10"}, "labels": map[string]any{"team": "ml"}, "account": nil,
		}}, nil},
		{"blocks for several executors", `
  local {
    grace = "5s"
  }
  kubernetes {
    namespace = "ml"
  }`, map[string]map[string]any{"local": {"grace": "5s"}, "kubernetes": {"namespace": "ml"}}, nil},
		{"sensitive value", `
  slurm {
    account = var.token
  }`, nil, []string{"Sensitive value not allowed", "account in environment \"e\" slurm becomes a scheduler flag"}},
		{"labels", `
  slurm "x" {
  }`, nil, []string{"Extraneous label for slurm"}},
		{"twice", `
  slurm {
  }
  slurm {
  }`, nil, []string{"Duplicate slurm block"}},
		{"nested block", `
  slurm {
    inner {
    }
  }`, nil, []string{`Blocks of type "inner" are not expected here`}},
		{"argument as a block", `
  image {
  }`, nil, []string{`Did you mean to define argument "image"?`}},
		{"bad expression", `
  slurm {
    cpus = nosuch.thing
  }`, nil, []string{"nosuch"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"main.mlf.hcl": `
variable "size" {
  default = "big"
}
variable "token" {
  default   = "s3cret"
  sensitive = true
}
environment "e" {` + tt.body + `
}
`})
			cfg, diags := Load(dir, LoadOptions{Getenv: noEnv})
			text := diagText(diags, cfg)
			if tt.wantErr != nil {
				for _, w := range tt.wantErr {
					if !strings.Contains(text, w) {
						t.Errorf("diagnostics do not contain %q:\n%s", w, text)
					}
				}
				if strings.Contains(text, "s3cret") {
					t.Errorf("a sensitive value in the diagnostics:\n%s", text)
				}
				return
			}
			if len(diags) > 0 {
				t.Fatalf("unexpected diagnostics:\n%s", text)
			}
			env := cfg.Environments["e"]
			got := map[string]map[string]any{}
			for typ, s := range env.Settings {
				if s.Executor != typ || s.Range.Start.Line == 0 {
					t.Errorf("block %s: executor %q, range %v", typ, s.Executor, s.Range)
				}
				for name := range s.Values {
					if s.NameRanges[name].Start.Line == 0 || s.ValueRanges[name].Start.Column <= s.NameRanges[name].Start.Column {
						t.Errorf("%s.%s: name range %v, value range %v", typ, name, s.NameRanges[name], s.ValueRanges[name])
					}
				}
				got[typ] = s.Values
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("settings %#v, want %#v", got, tt.want)
			}
		})
	}
}
