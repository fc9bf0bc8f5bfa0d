package syntax

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func TestParseMovedRef(t *testing.T) {
	cases := []struct {
		src     string
		want    MovedRef
		problem string // a part of the problem; "" when src is valid
	}{
		{src: `model.churn`, want: MovedRef{Kind: "model", Base: "churn"}},
		{src: `dataset.sales[0]`, want: MovedRef{Kind: "dataset", Base: "sales", Suffix: "[0]"}},
		{src: `promotion.prod["eu"]`, want: MovedRef{Kind: "promotion", Base: "prod", Suffix: `["eu"]`}},
		{src: `module.region["eu"].model.churn`, want: MovedRef{Kind: "model", Base: `module.region["eu"].churn`, Path: `module.region["eu"]`}},
		{src: `module.a.module.b[2].retrain_policy.nightly`, want: MovedRef{Kind: "retrain_policy", Base: "module.a.module.b[2].nightly", Path: "module.a.module.b[2]"}},
		{src: `module.region`, want: MovedRef{Kind: "module", Path: "module.region"}},
		{src: `module.region["us"]`, want: MovedRef{Kind: "module", Path: `module.region["us"]`}},
		{src: `"model.churn"`, problem: "must be a reference like model.churn"},
		{src: `model`, problem: "must be a reference like"},
		{src: `model.churn.extra.more`, problem: "must be a reference like"},
		{src: `variable.x`, problem: "variable is none of them"},
		{src: `model.churn.x`, problem: "must end with an instance key"},
		{src: `model.churn[-1]`, problem: "must be a reference like"},
		{src: `model.churn[99999999999]`, problem: "want [\"KEY\"] or an index from 0 to"},
		{src: `model.churn[1.5]`, problem: "want [\"KEY\"] or an index from 0 to"},
		{src: `module.r[true].model.m`, problem: "has an invalid module path"},
		{src: `module.r[99999999999].model.m`, problem: "has an invalid module path"},
	}
	for _, tc := range cases {
		t.Run(tc.src, func(t *testing.T) {
			expr, diags := hclsyntax.ParseExpression([]byte(tc.src), "x.hcl", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatalf("parse: %v", diags)
			}
			got, problem := ParseMovedRef(expr)
			if tc.problem != "" {
				if !strings.Contains(problem, tc.problem) {
					t.Fatalf("problem = %q, want it to contain %q", problem, tc.problem)
				}
				return
			}
			if problem != "" || got != tc.want {
				t.Fatalf("ParseMovedRef = %+v, %q; want %+v", got, problem, tc.want)
			}
		})
	}
}
