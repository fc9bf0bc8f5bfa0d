package config

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestMetricRef: the expression a hint suggests for a metric is valid HCL
// that reads exactly that metric, whatever characters its name holds.
func TestMetricRef(t *testing.T) {
	tests := []struct {
		name, want string
	}{
		{"accuracy", "champion.metrics.accuracy"},
		{"f1_macro", "champion.metrics.f1_macro"},
		{"f1-score", `champion.metrics["f1-score"]`},
		{"val/acc", `champion.metrics["val/acc"]`},
		{"1st", `champion.metrics["1st"]`},
		{"top 5", `champion.metrics["top 5"]`},
		{`q"uote\`, `champion.metrics["q\"uote\\"]`},
		{"${x}", `champion.metrics["$${x}"]`},
		{"%{if}", `champion.metrics["%%{if}"]`},
		{"", `champion.metrics[""]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := metricRef("champion", tt.name)
			if got != tt.want {
				t.Fatalf("metricRef = %s; want %s", got, tt.want)
			}
			expr, diags := hclsyntax.ParseExpression([]byte("try("+got+", 0)"), "hint", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatalf("hint does not parse: %v", diags)
			}
			vars := expr.Variables()
			if len(vars) != 1 || len(vars[0]) != 3 {
				t.Fatalf("hint reads %d traversals; want one champion.metrics.X", len(vars))
			}
			if m, ok := MetricStep(vars[0][2]); !ok || m != tt.name {
				t.Fatalf("hint reads metric %q; want %q", m, tt.name)
			}
		})
	}
}

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
