package config

import (
	"strings"
	"testing"
)

// TestMissingChampionHint: the missing-champion error suggests a guard
// the user can paste, for metric names that are not identifiers too.
func TestMissingChampionHint(t *testing.T) {
	const src = "model \"m\" {\n  train { command = [\"t\"] }\n}\npromotion \"p\" {\n  model = model.m\n  alias = \"production\"\n  gate { condition = candidate.metrics.f1-score > champion.metrics.f1-score }\n  gate { condition = candidate.metrics[\"val/acc\"] > champion.metrics[\"val/acc\"] }\n  gate { condition = candidate.metrics.acc > champion.metrics.acc }\n}\n"
	cfg := loadOK(t, writeFiles(t, map[string]string{"main.mlf.hcl": src}), LoadOptions{})
	tests := []struct {
		gate   int
		metric string
		want   string
	}{
		{0, "f1-score", `try(champion.metrics["f1-score"], DEFAULT)`},
		{1, "val/acc", `try(champion.metrics["val/acc"], DEFAULT)`},
		{2, "acc", `try(champion.metrics.acc, DEFAULT)`},
	}
	for _, tt := range tests {
		t.Run(tt.metric, func(t *testing.T) {
			ok, diags := cfg.EvalGate(cfg.Promotions["p"].Gates[tt.gate], map[string]float64{tt.metric: 1}, nil)
			if ok || !diags.HasErrors() {
				t.Fatalf("EvalGate = %v, %v; want a missing-champion error", ok, diags)
			}
			if !strings.Contains(diags.Error(), tt.want) {
				t.Fatalf("error %q does not suggest %s", diags.Error(), tt.want)
			}
		})
	}
}
