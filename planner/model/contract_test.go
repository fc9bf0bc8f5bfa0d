package model

import "testing"

func TestMissingDeclared(t *testing.T) {
	tests := []struct {
		name     string
		declared []string
		got      map[string]float64
		want     string
	}{
		{name: "nothing declared", got: map[string]float64{"a": 1}},
		{name: "all written, extras fine", declared: []string{"accuracy"}, got: map[string]float64{"accuracy": 0.9, "rows": 10}},
		{name: "one missing", declared: []string{"accuracy", "auc"}, got: map[string]float64{"acc": 0.9, "auc": 0.8},
			want: `warning: the evaluate step declares the metric "accuracy" but its metrics.json does not have it (it has "acc", "auc"); a gate or trigger that reads it holds its promotion or cannot fire`},
		{name: "none written", declared: []string{"loss", "f1"}, got: map[string]float64{},
			want: `warning: the evaluate step declares the metrics "loss", "f1" but its metrics.json does not have them (it has none); a gate or trigger that reads them holds its promotion or cannot fire`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := missingDeclared("evaluate", tt.declared, tt.got); got != tt.want {
				t.Fatalf("missingDeclared = %q\nwant %q", got, tt.want)
			}
		})
	}
}
