package gate

import (
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
			got := MetricRef("champion", tt.name)
			if got != tt.want {
				t.Fatalf("MetricRef = %s; want %s", got, tt.want)
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
