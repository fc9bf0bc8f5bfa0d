package config

import (
	"testing"

	"github.com/mlform/mlform/internal/wanttext"
)

// TestEnvironmentEnvNames: an env name no executor can pass on (a dot, a
// space, a dash, a leading digit) or one of the training contract's
// MLFORM_* names is an error at the env argument, at validate, before a
// batch executor's runner would refuse it at apply.
func TestEnvironmentEnvNames(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		wantErr []string // nil: valid
	}{
		{"portable", `{ TOKEN = "x", _a9 = "y" }`, nil},
		{"dot", `{ "MY.VAR" = "x" }`, []string{"main.mlf.hcl:7:9", "Invalid environment variable name", `env in environment "e" sets "MY.VAR"`}},
		{"space", `{ "MY VAR" = "x" }`, []string{"Invalid environment variable name", `"MY VAR"`}},
		{"dash", `{ "my-var" = "x" }`, []string{"Invalid environment variable name"}},
		{"leading digit", `{ "9LIVES" = "x" }`, []string{"Invalid environment variable name"}},
		{"reserved", `{ MLFORM_OUTPUT_DIR = "x" }`, []string{"Reserved environment variable", "MLFORM_OUTPUT_DIR"}},
		{"secret name", `var.secret_env`, []string{"Invalid environment variable name", "a name derived from a sensitive value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"main.mlf.hcl": `
variable "secret_env" {
  default   = { "s3cr.et" = "x" }
  sensitive = true
}
environment "e" {
  env = ` + tt.env + `
}
`})
			cfg, diags := Load(dir, LoadOptions{Getenv: noEnv})
			text := diagText(diags, cfg)
			if tt.wantErr == nil {
				if len(diags) > 0 {
					t.Fatalf("unexpected diagnostics:\n%s", text)
				}
				return
			}
			wanttext.Check(t, text, tt.wantErr, []string{"s3cr.et"})
		})
	}
}
