package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestExpand(t *testing.T) {
	const head = "variable \"regions\" {\n  default = { eu = 12, us = 10 }\n}\n"
	tests := []struct {
		name     string
		src      string
		datasets []string
		models   []string
		check    func(t *testing.T, c *Config)
	}{
		{
			name: "for_each map with each.value and references between instances",
			src: head + `
dataset "sales" {
  for_each = var.regions
  source   = "d/${each.key}"
}
model "churn" {
  for_each = var.regions
  datasets = [dataset.sales[each.key]]
  train {
    command = ["t"]
    params  = { min = each.value, region = each.key }
  }
}
`,
			datasets: []string{`sales["eu"]`, `sales["us"]`},
			models:   []string{`churn["eu"]`, `churn["us"]`},
			check: func(t *testing.T, c *Config) {
				m := c.Models[`churn["us"]`]
				if m.Datasets[0] != `sales["us"]` || m.Train.Params["min"] != float64(10) || m.Train.Params["region"] != "us" {
					t.Errorf("churn[us] = %+v", m)
				}
				if c.Datasets[`sales["eu"]`].Source != "d/eu" {
					t.Errorf("sales[eu] source = %q", c.Datasets[`sales["eu"]`].Source)
				}
			},
		},
		{
			name: "for_each over another block, set of strings, count",
			src: `
dataset "part" {
  count  = 2
  source = "d/${count.index}"
}
model "m" {
  for_each = toset(["a", "b"])
  datasets = dataset.part
  train { command = ["t", each.value] }
}
model "follow" {
  for_each = model.m
  datasets = [dataset.part[0]]
  train { command = ["t", each.value.name] }
}
retrain_policy "all" {
  models = concat(values(model.m), values(model.follow))
}
promotion "p" {
  for_each = model.follow
  model    = each.value
  alias    = "prod"
}
`,
			datasets: []string{"part[0]", "part[1]"},
			models:   []string{`follow["a"]`, `follow["b"]`, `m["a"]`, `m["b"]`},
			check: func(t *testing.T, c *Config) {
				if got := c.Models[`follow["b"]`].Train.Command; got[1] != `m["b"]` {
					t.Errorf("each.value of a model collection: command %q", got)
				}
				if got := c.Models[`m["a"]`].Datasets; !slices.Equal(got, []string{"part[0]", "part[1]"}) {
					t.Errorf("dataset.part = %q", got)
				}
				if got := len(c.RetrainPolicies["all"].Models); got != 4 {
					t.Errorf("policy models = %d, want 4", got)
				}
				if p := c.Promotions[`p["a"]`]; p == nil || p.Model != `follow["a"]` {
					t.Errorf("promotion p[a] = %+v", p)
				}
			},
		},
		{
			name: "gates see each at apply time",
			src: `
model "m" {
  for_each = { eu = 0.7, us = 0.9 }
  train { command = ["t"] }
}
promotion "p" {
  for_each = { eu = 0.7, us = 0.9 }
  model    = model.m[each.key]
  alias    = "prod"
  gate { condition = candidate.metrics.auc >= each.value }
}
`,
			models: []string{`m["eu"]`, `m["us"]`},
			check: func(t *testing.T, c *Config) {
				for _, tc := range []struct {
					promotion string
					want      bool
				}{{`p["eu"]`, true}, {`p["us"]`, false}} {
					ok, diags := c.EvalGate(c.Promotions[tc.promotion].Gates[0], map[string]float64{"auc": 0.8}, nil)
					if diags.HasErrors() || ok != tc.want {
						t.Errorf("%s gate with auc 0.8 = %v (%v), want %v", tc.promotion, ok, diags, tc.want)
					}
				}
			},
		},
		{
			name:     "empty for_each and count 0 declare nothing",
			src:      "dataset \"a\" {\n  for_each = {}\n  source = \"x\"\n}\ndataset \"b\" {\n  count = 0\n  source = \"x\"\n}\n",
			datasets: nil,
		},
		{
			name: "outputs per instance, evaluated against the world",
			src: `
model "m" {
  for_each = toset(["a"])
  train { command = ["t"] }
}
promotion "p" {
  for_each = model.m
  model    = each.value
  alias    = "prod"
}
output "v" {
  for_each = promotion.p
  value    = "${each.key}=${each.value.version}"
}
`,
			models: []string{`m["a"]`},
			check: func(t *testing.T, c *Config) {
				outs, diags := c.EvalOutputs(World{Promotions: map[string]PromotionWorld{`p["a"]`: {Version: 3, Alias: "prod", Model: `m["a"]`}}})
				if diags.HasErrors() {
					t.Fatal(diags)
				}
				if v := outs[`v["a"]`].Value; !v.RawEquals(cty.StringVal("a=3")) {
					t.Errorf(`output v["a"] = %#v`, v)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := loadOK(t, writeFiles(t, map[string]string{"main.mlf.hcl": tt.src}), LoadOptions{})
			if got := keys(c.Datasets); !slices.Equal(sorted(got), tt.datasets) && !(len(got) == 0 && tt.datasets == nil) {
				t.Errorf("datasets = %q, want %q", sorted(got), tt.datasets)
			}
			if tt.models != nil {
				if got := sorted(keys(c.Models)); !slices.Equal(got, tt.models) {
					t.Errorf("models = %q, want %q", got, tt.models)
				}
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func sorted(s []string) []string { slices.Sort(s); return s }

func TestExpandErrors(t *testing.T) {
	tests := []struct {
		name, src, at, want string
	}{
		{"both", "dataset \"a\" {\n  for_each = toset([\"x\"])\n  count = 1\n  source = \"x\"\n}\n", "3:3", `Invalid combination of "count" and "for_each"`},
		{"list", "dataset \"a\" {\n  for_each = [\"x\"]\n  source = \"x\"\n}\n", "2:14", "toset(LIST)"},
		{"number", "dataset \"a\" {\n  for_each = 3\n  source = \"x\"\n}\n", "2:14", "must be a map, or set of strings"},
		{"null", "dataset \"a\" {\n  for_each = null\n  source = \"x\"\n}\n", "2:14", "is null"},
		{"bad key", "dataset \"a\" {\n  for_each = toset([\"a.b\"])\n  source = \"x\"\n}\n", "2:14", `"a.b" holds "."`},
		{"long key", "dataset \"a\" {\n  for_each = toset([\"" + strings.Repeat("k", 65) + "\"])\n  source = \"x\"\n}\n", "2:14", "at most 64"},
		{"negative count", "dataset \"a\" {\n  count = -2\n  source = \"x\"\n}\n", "2:11", "greater than or equal to zero"},
		{"string count", "dataset \"a\" {\n  count = \"two\"\n  source = \"x\"\n}\n", "2:11", "a number is required"},
		{"huge count", "dataset \"a\" {\n  count = 100000\n  source = \"x\"\n}\n", "2:11", "at most 10000 instances"},
		{"each without for_each", "dataset \"a\" {\n  source = each.key\n}\n", "2:12", "only available in a block that sets for_each"},
		{"count.index without count", "dataset \"a\" {\n  for_each = {}\n  source = count.index\n}\n", "3:12", "only available in a block that sets count"},
		{"each.other", "dataset \"a\" {\n  for_each = {}\n  source = each.name\n}\n", "3:12", "each has two attributes"},
		{"each in for_each", "dataset \"a\" {\n  for_each = toset([each.key])\n  source = \"x\"\n}\n", "2:21", "cannot refer to each"},
		{"collection where one is wanted", "dataset \"a\" {\n  count = 1\n  source = \"x\"\n}\nmodel \"m\" {\n  datasets = [dataset.a]\n  train { command = [\"t\"] }\n}\n", "6:14", "pick one instance, like dataset.a[each.key]"},
		{"collection by name", "dataset \"a\" {\n  count = 1\n  source = \"x\"\n}\nmodel \"m\" {\n  datasets = [\"a\"]\n  train { command = [\"t\"] }\n}\n", "6:14", "sets for_each or count: name one instance"},
		{"missing instance", "dataset \"a\" {\n  count = 1\n  source = \"x\"\n}\nmodel \"m\" {\n  datasets = [dataset.a[3]]\n  train { command = [\"t\"] }\n}\n", "6:24", "Invalid index"},
		{"sensitive for_each", "variable \"s\" {\n  default = [\"x\"]\n  sensitive = true\n}\ndataset \"a\" {\n  for_each = toset(var.s)\n  source = \"x\"\n}\n", "6:14", "Sensitive values"},
		{"moved kind", "moved {\n  from = model.a\n  to = dataset.b\n}\ndataset \"b\" {\n  source = \"x\"\n}\n", "3:8", "from and to must be of one kind"},
		{"moved string", "moved {\n  from = \"model.a\"\n  to = model.b\n}\nmodel \"b\" {\n  train { command = [\"t\"] }\n}\n", "2:10", "must be a reference"},
		{"moved twice", "moved {\n  from = model.a\n  to = model.b\n}\nmoved {\n  from = model.a\n  to = model.c\n}\nmodel \"b\" {\n  train { command = [\"t\"] }\n}\nmodel \"c\" {\n  train { command = [\"t\"] }\n}\n", "6:10", "already moved by the moved block at"},
		{"moved bad key", "moved {\n  from = model.a[\"x/y\"]\n  to = model.b\n}\nmodel \"b\" {\n  train { command = [\"t\"] }\n}\n", "2:10", "invalid key"},
		{"moved output", "moved {\n  from = output.a\n  to = output.b\n}\n", "2:10", "moves a dataset, a model, a retrain_policy, a promotion"},
		{"moved policy to undeclared", "moved {\n  from = retrain_policy.a\n  to = retrain_policy.b\n}\n", "3:8", "retrain_policy.b is not declared"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantLoadError(t, map[string]string{"main.mlf.hcl": tt.src}, "main.mlf.hcl:"+tt.at, tt.want)
		})
	}
}
