package config

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

const gateConfig = `
variable "floor" {
  default = 0.8
}
locals {
  margin = 0.01
}
model "m" {
  train { command = ["t"] }
}
promotion "p" {
  model = model.m
  alias = "production"
  gate {
    condition     = candidate.metrics.accuracy >= var.floor
    error_message = "below the floor"
  }
  gate {
    condition = candidate.metrics.accuracy >= try(champion.metrics.accuracy, 0) + local.margin
  }
  gate {
    condition = candidate.metrics.loss < champion.metrics.loss
  }
  gate {
    condition = model.m.name == upper("m") || candidate.metrics.accuracy > 0.5
  }
}
`

func TestEvalGate(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mlf.hcl": gateConfig})
	cfg := loadOK(t, dir, LoadOptions{})
	gates := cfg.Promotions["p"].Gates
	if len(gates) != 4 {
		t.Fatalf("gates = %d", len(gates))
	}
	if gates[1].ErrorMessage != "gate condition candidate.metrics.accuracy >= try(champion.metrics.accuracy, 0) + local.margin is false" {
		t.Errorf("default error message = %q", gates[1].ErrorMessage)
	}
	tests := []struct {
		name      string
		gate      int
		candidate map[string]float64
		champion  map[string]float64
		want      bool
		wantErr   string
	}{
		{name: "passes floor", gate: 0, candidate: map[string]float64{"accuracy": 0.9}, want: true},
		{name: "at floor", gate: 0, candidate: map[string]float64{"accuracy": 0.8}, want: true},
		{name: "below floor", gate: 0, candidate: map[string]float64{"accuracy": 0.7}, want: false},
		{name: "candidate lacks metric", gate: 0, candidate: map[string]float64{"f1": 0.9}, wantErr: `The candidate reports no metric "accuracy"; it reports: f1.`},
		{name: "no metrics at all", gate: 0, candidate: nil, wantErr: "it reports: none"},
		{name: "try without champion", gate: 1, candidate: map[string]float64{"accuracy": 0.5}, want: true},
		{name: "try beats champion", gate: 1, candidate: map[string]float64{"accuracy": 0.95}, champion: map[string]float64{"accuracy": 0.9}, want: true},
		{name: "try within margin", gate: 1, candidate: map[string]float64{"accuracy": 0.905}, champion: map[string]float64{"accuracy": 0.9}, want: false},
		{name: "no champion", gate: 2, candidate: map[string]float64{"loss": 0.1}, wantErr: "There is no champion yet"},
		{name: "champion lacks metric", gate: 2, candidate: map[string]float64{"loss": 0.1}, champion: map[string]float64{"accuracy": 1}, wantErr: `The champion reports no metric "loss"`},
		{name: "lower loss", gate: 2, candidate: map[string]float64{"loss": 0.1}, champion: map[string]float64{"loss": 0.2}, want: true},
		{name: "a model's attribute and a function", gate: 3, candidate: map[string]float64{"accuracy": 0.9}, want: true},
		{name: "a model's attribute and a function, false", gate: 3, candidate: map[string]float64{"accuracy": 0.1}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, diags := cfg.EvalGate(gates[tt.gate], tt.candidate, tt.champion)
			if tt.wantErr != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.wantErr) {
					t.Fatalf("EvalGate = %v, %v; want error %q", got, diags, tt.wantErr)
				}
				if got {
					t.Fatal("a gate that cannot be evaluated must be false")
				}
				return
			}
			if diags.HasErrors() || got != tt.want {
				t.Fatalf("EvalGate = %v, %v; want %v", got, diags, tt.want)
			}
		})
	}
}

func TestEvalGateNotLoaded(t *testing.T) {
	var c Config
	if ok, diags := c.EvalGate(Gate{}, nil, nil); ok || !diags.HasErrors() {
		t.Fatalf("EvalGate on an empty gate = %v, %v", ok, diags)
	}
}

const outputsConfig = `
variable "token" {
  sensitive = true
  default   = "s3cret"
}
dataset "d" {
  source = "data"
}
model "m" {
  datasets = [dataset.d]
  train { command = ["t"] }
}
promotion "p" {
  model = model.m
  alias = "production"
}
output "version" {
  value       = promotion.p.version
  description = "the production version"
}
output "summary" {
  value = "${model.m.name}@${promotion.p.alias} latest=${coalesce(model.m.latest_version, 0)}"
}
output "aliases" {
  value = model.m.aliases
}
output "snapshot" {
  value = dataset.d.snapshot_id
}
output "token" {
  value     = var.token
  sensitive = true
}
`

func TestEvalOutputs(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mlf.hcl": outputsConfig})
	cfg := loadOK(t, dir, LoadOptions{})
	if cfg.Outputs["version"].Description != "the production version" {
		t.Errorf("description = %q", cfg.Outputs["version"].Description)
	}
	w := World{
		Promotions: map[string]PromotionWorld{"p": {Version: 4, Alias: "production", Model: "m"}},
		Models:     map[string]ModelWorld{"m": {LatestVersion: 6, Aliases: map[string]int{"production": 4}}},
		Datasets:   map[string]DatasetWorld{"d": {SnapshotID: "abc123"}},
	}
	out, diags := cfg.EvalOutputs(w)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	checks := map[string]cty.Value{
		"version":  cty.NumberIntVal(4),
		"summary":  cty.StringVal("m@production latest=6"),
		"aliases":  cty.MapVal(map[string]cty.Value{"production": cty.NumberIntVal(4)}),
		"snapshot": cty.StringVal("abc123"),
		"token":    cty.StringVal("s3cret"),
	}
	for name, want := range checks {
		if got := out[name].Value; !got.RawEquals(want) {
			t.Errorf("output %s = %#v; want %#v", name, got, want)
		}
	}
	if !out["token"].Sensitive || out["version"].Sensitive {
		t.Errorf("sensitivity: token %v, version %v", out["token"].Sensitive, out["version"].Sensitive)
	}

	// Nothing recorded yet: values are null, not errors.
	out, diags = cfg.EvalOutputs(World{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if !out["version"].Value.IsNull() || !out["snapshot"].Value.IsNull() {
		t.Errorf("empty world: version %#v, snapshot %#v", out["version"].Value, out["snapshot"].Value)
	}
	if got := out["summary"].Value; !got.RawEquals(cty.StringVal("m@production latest=0")) {
		t.Errorf("empty world summary = %#v", got)
	}
}

// TestReleaseSyntax: after the syntax trees are dropped, gates still
// evaluate and the files keep their text for diagnostics.
func TestReleaseSyntax(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mlf.hcl": gateConfig})
	cfg := loadOK(t, dir, LoadOptions{})
	cfg.ReleaseSyntax()
	gates := cfg.Promotions["p"].Gates
	if ok, diags := cfg.EvalGate(gates[0], map[string]float64{"accuracy": 0.9}, nil); !ok || diags.HasErrors() {
		t.Fatalf("EvalGate after ReleaseSyntax = %v, %v", ok, diags)
	}
	if ok, diags := cfg.EvalGate(gates[3], map[string]float64{"accuracy": 0.1}, nil); ok || diags.HasErrors() {
		t.Fatalf("EvalGate after ReleaseSyntax = %v, %v; want false", ok, diags)
	}
	for name, f := range cfg.Files {
		if !strings.Contains(string(f.Bytes), "promotion") {
			t.Errorf("%s lost its text", name)
		}
	}
}
