package config

import (
	"strings"
	"testing"
)

func TestCheckMetricNames(t *testing.T) {
	const model = `
dataset "d" { source = "data" }
model "m" {
  datasets = [dataset.d]
  train {
    command = ["t"]
    %s
  }
  %s
}
`
	const evaluate = `evaluate {
    command = ["e"]
    metrics = ["accuracy", "auc"]
  }`
	tests := []struct {
		name      string
		train     string // train step's metrics line
		evaluate  string // the evaluate block, if any
		rest      string
		wantError string // "" for none
	}{
		{
			name: "gate typo against the evaluate step", evaluate: evaluate,
			rest:      `promotion "p" {` + "\n  model = model.m\n  alias = \"prod\"\n  gate { condition = candidate.metrics.acuracy > 0.8 }\n}",
			wantError: `main.mlf.hcl:17:22: Undeclared metric: candidate.metrics.acuracy in promotion "p" reads the metric "acuracy", but the evaluate step of model.m declares only "accuracy", "auc" (metrics at main.mlf.hcl:11:15). Did you mean "accuracy"?`,
		},
		{
			name: "champion index form", evaluate: evaluate,
			rest:      `promotion "p" {` + "\n  model = model.m\n  alias = \"prod\"\n  gate { condition = champion.metrics[\"f1\"] < 1 }\n}",
			wantError: `Undeclared metric: champion.metrics.f1 in promotion "p" reads the metric "f1", but the evaluate step of model.m declares only "accuracy", "auc" (metrics at main.mlf.hcl:11:15). Add it to the evaluate step's metrics if the command writes it.`,
		},
		{
			name: "declared names pass", evaluate: evaluate,
			rest: `promotion "p" {` + "\n  model = model.m\n  alias = \"prod\"\n  gate { condition = candidate.metrics.auc >= champion.metrics.auc }\n  must_beat { metric = \"accuracy\" }\n}",
		},
		{
			name: "must_beat against the train step without evaluate", train: `metrics = ["loss"]`,
			rest:      `promotion "p" {` + "\n  model = model.m\n  alias = \"prod\"\n  must_beat {\n    metric = \"los\"\n    direction = \"lower\"\n  }\n}",
			wantError: `main.mlf.hcl:15:14: Undeclared metric: must_beat in promotion "p" reads the metric "los", but the train step of model.m declares only "loss"`,
		},
		{
			name: "gates read evaluate, not train, when both exist", train: `metrics = ["train_loss"]`, evaluate: evaluate,
			rest:      `promotion "p" {` + "\n  model = model.m\n  alias = \"prod\"\n  gate { condition = candidate.metrics.train_loss < 1 }\n}",
			wantError: `reads the metric "train_loss", but the evaluate step of model.m declares only "accuracy", "auc"`,
		},
		{
			name: "metric trigger typo", evaluate: evaluate,
			rest:      "retrain_policy \"r\" {\n  models = [model.m]\n  metric \"accurcy\" { below = 0.8 }\n}",
			wantError: `main.mlf.hcl:16:3: Undeclared metric: metric trigger "accurcy" in retrain_policy "r" reads the metric "accurcy"`,
		},
		{
			name: "no declaration, no check", evaluate: "evaluate { command = [\"e\"] }",
			rest: `promotion "p" {` + "\n  model = model.m\n  alias = \"prod\"\n  gate { condition = candidate.metrics.anything > 0 }\n}",
		},
		{
			name: "a name twice", train: `metrics = ["a", "a"]`,
			wantError: `Invalid metrics: metrics in model "m" train lists "a" twice.`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(strings.Replace(model, "%s", tt.train, 1), "%s", tt.evaluate, 1) + tt.rest + "\n"
			dir := writeFiles(t, map[string]string{"main.mlf.hcl": src, "data/x": "1"})
			cfg, diags := Load(dir, LoadOptions{Getenv: noEnv})
			if tt.wantError == "" {
				if len(diags) > 0 {
					t.Fatalf("unexpected diagnostics:\n%s", diagText(diags, cfg))
				}
				return
			}
			got := diagLines(diags, dir)
			if len(diags) != 1 || !strings.Contains(got, tt.wantError) {
				t.Fatalf("diagnostics:\n%s\nwant %q", got, tt.wantError)
			}
		})
	}
}
