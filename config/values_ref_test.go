package config

import (
	"strings"
	"testing"
)

// TestRefSensitive: a reference keeps only the referenced object's name,
// so an object holding a secret (an environment's env) may be referenced,
// but a name or a choice of object derived from a secret may not; and the
// secret never shows in the diagnostics.
func TestRefSensitive(t *testing.T) {
	const vars = "variable \"t\" {\n  sensitive = true\n  default = \"hunter2-secret\"\n}\nvariable \"pick\" {\n  sensitive = true\n  default = true\n}\n"
	const env = "environment \"e\" {\n  env = { T = var.t }\n}\nenvironment \"f\" {}\n"
	tests := []struct {
		name  string
		model string
		at    string // "" when the configuration is valid
	}{
		{"env with secret by reference", "model \"m\" {\n  environment = environment.e\n  train { command = [\"true\"] }\n}\n", ""},
		{"env with secret by name", "model \"m\" {\n  environment = \"e\"\n  train { command = [\"true\"] }\n}\n", ""},
		{"env with secret via name attribute", "model \"m\" {\n  environment = environment.e.name\n  train { command = [\"true\"] }\n}\n", ""},
		{"choice by secret", "model \"m\" {\n  environment = var.pick ? environment.e : environment.f\n  train { command = [\"true\"] }\n}\n", "14:17"},
		{"name from secret", "model \"m\" {\n  environment = var.t\n  train { command = [\"true\"] }\n}\n", "14:17"},
		{"list chosen by secret", "dataset \"a\" { source = \"x\" }\nmodel \"m\" {\n  datasets = var.pick ? [dataset.a] : []\n  train { command = [\"true\"] }\n}\n", "15:14"},
		{"list element from secret", "dataset \"a\" { source = \"x\" }\nmodel \"m\" {\n  datasets = [var.t]\n  train { command = [\"true\"] }\n}\n", "15:14"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"main.mlf.hcl": vars + env + tt.model})
			cfg, diags := Load(dir, LoadOptions{Getenv: noEnv})
			text := diagText(diags, cfg)
			if strings.Contains(text, "hunter2") {
				t.Fatalf("diagnostics show the secret:\n%s", text)
			}
			if tt.at == "" {
				if len(diags) > 0 {
					t.Fatalf("unexpected diagnostics:\n%s", text)
				}
				m := cfg.Models["m"]
				if m.Environment != "e" || len(cfg.Environments["e"].Secrets) == 0 {
					t.Fatalf("model environment %q, env sensitive %v", m.Environment, cfg.Environments["e"].Secrets != nil)
				}
				return
			}
			if !diags.HasErrors() {
				t.Fatal("no error; want a sensitive reference refused")
			}
			d := diags.Errs()[0]
			want := "main.mlf.hcl:" + tt.at + ": Sensitive value not allowed"
			if !strings.Contains(text, want) || !strings.Contains(d.Error(), "cannot be derived from a sensitive variable") {
				t.Fatalf("want %q:\n%s", want, text)
			}
		})
	}
}
