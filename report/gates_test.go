package report

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/testtree"
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
			th, ok := gateThreshold(e, func(e hclsyntax.Expression) (cty.Value, bool) {
				v, diags := e.Value(ctx)
				return v, !diags.HasErrors()
			})
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
		"Churn":    "model-~churn.html",
		"CHURN":    "model-~c~h~u~r~n.html",
		`m["EU"]`:  "model-m.5b.22~e~u.22.5d.html",
	}
	for in, want := range tests {
		if got := pageName("model", in); got != want {
			t.Errorf("pageName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPageNameFileSystems: names that differ only by case (both legal:
// model "Churn" and model "churn") or are long (a 128-byte Unicode
// identifier, a nested module address) get page files that are distinct
// on a case-insensitive file system (macOS, Windows) and fit in 255 bytes.
func TestPageNameFileSystems(t *testing.T) {
	long := strings.Repeat("м", 64) // 128 bytes, a legal identifier in state
	mod := `module.region["` + strings.Repeat("K", 64) + `"].module.tier["` + strings.Repeat("k", 64) + `"].churn`
	names := []string{"churn", "Churn", "CHURN", "cHurn", "~churn", ".7ehurn", "churn.2e", "churn.",
		long, long + "x", strings.Repeat("Ж", 64), strings.Repeat("ж", 64), mod, strings.ToLower(mod),
		strings.Repeat("a", 200), strings.Repeat("a", 201), strings.Repeat("a", 202)}
	seen := map[string]string{}
	for _, kind := range []string{"model", "dataset"} {
		for _, n := range names {
			p := pageName(kind, n)
			if len(p) > 255 {
				t.Errorf("pageName(%q, %q) is %d bytes, over 255", kind, n, len(p))
			}
			folded := strings.ToLower(p)
			if other, ok := seen[folded]; ok {
				t.Errorf("pageName(%q) = %q collides with that of %q on a case-insensitive file system", n, p, other)
			}
			seen[folded] = n
		}
	}
}

// TestGatesForModuleInstances: a gate's threshold is the one apply
// compares with: in a module, with that instance's variables (not a root
// variable of the same name), and never one derived from a sensitive
// variable.
func TestGatesForModuleInstances(t *testing.T) {
	dir := testtree.Temp(t, map[string]string{
		"main.mlf.hcl": `
variable "floor" { default = 0.9 }
variable "secret_floor" {
  default   = 0.4
  sensitive = true
}
module "region" {
  source   = "./modules/regional"
  for_each = { eu = 0.6, uk = 0.5 }
  floor    = each.value
}
module "hidden" {
  source = "./modules/regional"
  floor  = var.secret_floor
}
model "root" {
  train { command = ["true"] }
}
promotion "root" {
  model = model.root
  alias = "production"
  gate {
    condition = candidate.metrics.accuracy >= var.floor
  }
}
`,
		"modules/regional/main.mlf.hcl": `
variable "floor" { type = number }
model "churn" {
  train { command = ["true"] }
}
promotion "production" {
  model = model.churn
  alias = "production"
  gate {
    condition     = candidate.metrics.accuracy >= var.floor
    error_message = "below the floor"
  }
}
`,
	})
	cfg, diags := config.Load(dir, config.LoadOptions{Getenv: func(string) string { return "" }})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for model, want := range map[string]string{
		`module.region["eu"].churn`: "accuracy >= 0.6",
		`module.region["uk"].churn`: "accuracy >= 0.5",
		`module.hidden.churn`:       "",
		"root":                      "accuracy >= 0.9",
	} {
		gi := gatesFor(cfg, model)
		var got []string
		for _, th := range gi.Thresholds {
			got = append(got, strings.Join([]string{th.Metric, th.Op, formatFloat(th.Value)}, " "))
		}
		if strings.Join(got, "; ") != want {
			t.Errorf("%s: thresholds %q, want %q (described: %q)", model, got, want, gi.Described)
		}
		if want == "" && (len(gi.Described) != 1 || !strings.Contains(gi.Described[0], "gate not drawn (below the floor)")) {
			t.Errorf("%s: described %q, want the gate listed as not drawn", model, gi.Described)
		}
	}
}
