package report

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

func TestGateThreshold(t *testing.T) {
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{
		"var":   cty.ObjectVal(map[string]cty.Value{"floor": cty.NumberFloatVal(0.7)}),
		"local": cty.EmptyObjectVal,
	}}
	tests := []struct {
		expr string
		want string // "" = not drawn
	}{
		{`candidate.metrics.accuracy >= 0.82`, "accuracy >= 0.82"},
		{`candidate.metrics["f1"] > var.floor`, "f1 > 0.7"},
		{`0.3 >= candidate.metrics.loss`, "loss <= 0.3"},
		{`candidate.metrics.auc < var.floor + 0.1`, "auc < 0.8"},
		{`candidate.metrics.loss <= champion.metrics.loss`, ""},
		{`candidate.metrics.acc >= var.secret`, ""}, // a sensitive variable is not in the context
		{`candidate.metrics.acc == 1`, ""},
		{`candidate.metrics.acc >= 0.8 && candidate.metrics.auc >= 0.7`, ""},
		{`candidate.other.acc >= 0.8`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, diags := hclsyntax.ParseExpression([]byte(tt.expr), "x.hcl", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			th, ok := gateThreshold(e, ctx)
			got := ""
			if ok {
				got = strings.Join([]string{th.Metric, th.Op, formatFloat(th.Value)}, " ")
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPageName(t *testing.T) {
	tests := map[string]string{
		"churn":    "model-churn.html",
		"churn_v2": "model-churn_v2.html",
		"../etc":   "model-.2e.2e.2fetc.html",
		"a.b":      "model-a.2eb.html",
		"":         "model-.00.html",
		"a/b\x00":  "model-a.2fb.00.html",
	}
	for in, want := range tests {
		if got := pageName("model", in); got != want {
			t.Errorf("pageName(%q) = %q, want %q", in, got, want)
		}
	}
}
