package config

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// regional is a module whose objects the tests below call.
const regional = `
variable "region" {
  type = string
  validation {
    condition     = length(var.region) == 2
    error_message = "A region is two letters."
  }
}
variable "min_auc" {
  type    = number
  default = 0.7
}
variable "storage" {
  default = "default"
}
dataset "sales" {
  source  = "data/${var.region}"
  storage = var.storage
}
model "churn" {
  datasets = [dataset.sales]
  train { command = ["t", var.region] }
}
promotion "prod" {
  model = model.churn
  alias = "prod"
  gate { condition = candidate.metrics.auc >= var.min_auc }
}
output "model" {
  value = model.churn
}
output "region" {
  value = upper(var.region)
}
`

// withRegional returns a workspace holding the regional module and the
// given root file.
func withRegional(main string) map[string]string {
	return map[string]string{"modules/regional/main.mlf.hcl": regional, "main.mlf.hcl": main}
}

func TestModules(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		models []string
		check  func(t *testing.T, c *Config)
	}{
		{
			name: "for_each module, outputs, a root policy over its models, shared storage",
			files: withRegional(`
storage "shared" {
  url = "file://store"
}
module "region" {
  source   = "./modules/regional"
  for_each = { eu = 0.8, us = 0.6 }
  region   = each.key
  min_auc  = each.value
  storage  = storage.shared
}
retrain_policy "all" {
  models    = [for r in module.region : r.model]
  on_change = ["data"]
}
locals {
  upper = module.region["eu"].region
}
`),
			models: []string{`module.region["eu"].churn`, `module.region["us"].churn`},
			check: func(t *testing.T, c *Config) {
				m := c.Models[`module.region["eu"].churn`]
				if !slices.Equal(m.Datasets, []string{`module.region["eu"].sales`}) || m.Train.Command[1] != "eu" {
					t.Errorf("model = %+v", m)
				}
				if d := c.Datasets[`module.region["us"].sales`]; d.Storage != "shared" || d.Source != "data/us" {
					t.Errorf("dataset = %+v", d)
				}
				if p := c.RetrainPolicies["all"]; len(p.Models) != 2 || p.Models[0] != `module.region["eu"].churn` {
					t.Errorf("policy models = %v", p.Models)
				}
				if got := c.Locals["upper"].Value.AsString(); got != "EU" {
					t.Errorf("local from module output = %q", got)
				}
				if _, ok := c.Variables["region"]; ok {
					t.Error("a module's variable became a root variable")
				}
				// Gates evaluate in their module: var.min_auc is 0.8 in eu.
				for _, tc := range []struct {
					promotion string
					want      bool
				}{{`module.region["eu"].prod`, false}, {`module.region["us"].prod`, true}} {
					p := c.Promotions[tc.promotion]
					ok, diags := c.EvalGate(p.Gates[0], map[string]float64{"auc": 0.7}, nil)
					if diags.HasErrors() || ok != tc.want {
						t.Errorf("%s gate = %v %v, want %v", tc.promotion, ok, diags, tc.want)
					}
				}
			},
		},
		{
			name: "count, and a root object passed in by variable",
			files: withRegional(`
storage "archive" {
  url = "file://archive"
}
module "r" {
  source  = "./modules/regional"
  count   = 2
  region  = ["eu", "us"][count.index]
  storage = storage.archive
}
locals {
  second = module.r[1].model.name
  all    = length(module.r)
}
`),
			models: []string{"module.r[0].churn", "module.r[1].churn"},
			check: func(t *testing.T, c *Config) {
				if got := c.Locals["second"].Value.AsString(); got != "module.r[1].churn" {
					t.Errorf("module.r[1].model.name = %q", got)
				}
				if d := c.Datasets["module.r[0].sales"]; d.Storage != "archive" {
					t.Errorf("storage = %q, want the root's archive", d.Storage)
				}
			},
		},
		{
			name: "a renamed module call moves every object in it",
			files: withRegional(`
module "regions" {
  source   = "./modules/regional"
  for_each = toset(["eu"])
  region   = each.key
}
moved {
  from = module.region
  to   = module.regions
}
`),
			models: []string{`module.regions["eu"].churn`},
			check: func(t *testing.T, c *Config) {
				var got []string
				for _, m := range c.Moved {
					got = append(got, m.From+" -> "+m.To)
				}
				want := []string{
					`dataset.module.region["eu"].sales -> dataset.module.regions["eu"].sales`,
					`model.module.region["eu"].churn -> model.module.regions["eu"].churn`,
					`promotion.module.region["eu"].prod -> promotion.module.regions["eu"].prod`,
				}
				if !slices.Equal(got, want) {
					t.Errorf("moves = %q, want %q", got, want)
				}
			},
		},
		{
			name:   "a module call that gained for_each keeps its objects in one instance",
			files:  withRegional("module \"region\" {\n  source   = \"./modules/regional\"\n  for_each = toset([\"eu\", \"us\"])\n  region   = each.key\n}\nmoved {\n  from = module.region\n  to   = module.region[\"eu\"]\n}\n"),
			models: []string{`module.region["eu"].churn`, `module.region["us"].churn`},
			check: func(t *testing.T, c *Config) {
				if len(c.Moved) != 3 || c.Moved[1].From != "model.module.region.churn" || c.Moved[1].To != `model.module.region["eu"].churn` {
					t.Errorf("moves = %+v", c.Moved)
				}
			},
		},
		{
			name: "nested modules, moved into a module",
			files: map[string]string{
				"modules/regional/main.mlf.hcl": regional,
				"modules/pair/main.mlf.hcl": `
module "one" {
  source = "../regional"
  region = "eu"
}
output "model_name" {
  value = module.one.model.name
}
`,
				"main.mlf.hcl": `
module "pair" {
  source = "./modules/pair"
}
moved {
  from = model.churn
  to   = module.pair.module.one.model.churn
}
`,
			},
			models: []string{"module.pair.module.one.churn"},
			check: func(t *testing.T, c *Config) {
				if len(c.Moved) != 1 || c.Moved[0].From != "model.churn" || c.Moved[0].To != "model.module.pair.module.one.churn" {
					t.Errorf("moved = %+v", c.Moved)
				}
				kept := false
				for name := range c.Files {
					kept = kept || strings.HasSuffix(name, "modules/regional/main.mlf.hcl")
				}
				if !kept {
					t.Error("module files are not kept for snippets")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			cfg := loadOK(t, dir, LoadOptions{Getenv: noEnv})
			if models := slices.Sorted(maps.Keys(cfg.Models)); !slices.Equal(models, tt.models) {
				t.Errorf("models = %q, want %q", models, tt.models)
			}
			if tt.check != nil {
				tt.check(t, cfg)
			}
		})
	}
}

func TestModuleErrors(t *testing.T) {
	withFile := func(files map[string]string, name, text string) map[string]string {
		files[name] = text
		return files
	}
	call := func(body string) map[string]string {
		return withRegional("module \"r\" {\n" + body + "}\n")
	}
	tests := []struct {
		name  string
		files map[string]string
		at    string // file:line:col
		want  string
	}{
		{"remote source", call("  source = \"git::https://example.com/m.git\"\n  region = \"eu\"\n"), "main.mlf.hcl:2:12", "Only local modules are supported"},
		{"registry source", call("  source = \"hashicorp/consul/aws\"\n  region = \"eu\"\n"), "main.mlf.hcl:2:12", "Module source not supported"},
		{"escape", call("  source = \"../outside\"\n  region = \"eu\"\n"), "main.mlf.hcl:2:12", "outside the workspace"},
		{"missing dir", call("  source = \"./modules/none\"\n  region = \"eu\"\n"), "main.mlf.hcl:2:12", "Module directory not found"},
		{"no configuration files", withFile(call("  source = \"./modules/empty\"\n  region = \"eu\"\n"), "modules/empty/README.md", "not configuration\n"), "main.mlf.hcl:2:12", "contains no *.mlf.hcl files: a module is a directory of them"},
		{"no source", call("  region = \"eu\"\n"), "main.mlf.hcl:1:1", `The argument "source" is required`},
		{"source not literal", withRegional("module \"r\" {\n  source = \"./modules/${var.x}\"\n  region = \"eu\"\n}\nvariable \"x\" {\n  default = \"regional\"\n}\n"), "main.mlf.hcl:2:25", "A module source must be a literal value"},
		// A template of literals is a literal, as in HCL (a string template
		// calls a hidden function, lang.CountLoops); a call is refused.
		{"source template", call("  source = \"./modules/${\"regional\"}\"\n  region = \"europe\"\n"), "main.mlf.hcl:3:12", "A region is two letters."},
		{"source for expression", call("  source = \"./modules/${[for s in [\"regional\"] : s][0]}\"\n  region = \"europe\"\n"), "main.mlf.hcl:3:12", "A region is two letters."},
		{"source calls a function", call("  source = \"./modules/${lower(\"REGIONAL\")}\"\n  region = \"eu\"\n"), "main.mlf.hcl:2:25", "Functions may not be called here."},
		{"missing variable", call("  source = \"./modules/regional\"\n"), "main.mlf.hcl:1:1", `The argument "region" is required in module "r"`},
		{"misspelt source", call("  soruce = \"./modules/regional\"\n  region = \"eu\"\n"), "main.mlf.hcl:2:3", `An argument named "soruce" is not expected in module "r". Did you mean "source"?`},
		{"misspelt for_each", call("  source = \"./modules/regional\"\n  region = \"eu\"\n  for_eahc = {}\n"), "main.mlf.hcl:4:3", `declares no variable "for_eahc". Did you mean "for_each"?`},
		{"unknown argument", call("  source = \"./modules/regional\"\n  region = \"eu\"\n  regoin = \"x\"\n"), "main.mlf.hcl:4:3", `Did you mean "region"?`},
		{"wrong type", call("  source = \"./modules/regional\"\n  region = \"eu\"\n  min_auc = \"high\"\n"), "main.mlf.hcl:4:13", "not suitable for its type constraint"},
		{"validation", call("  source = \"./modules/regional\"\n  region = \"europe\"\n"), "main.mlf.hcl:3:12", "A region is two letters."},
		{"unknown output", withRegional("module \"r\" {\n  source = \"./modules/regional\"\n  region = \"eu\"\n}\nlocals {\n  x = module.r.modle\n}\n"), "main.mlf.hcl:6:15", `attribute named "modle". Did you mean "model"?`},
		{"undeclared module", map[string]string{"main.mlf.hcl": "locals {\n  x = module.r.model\n}\n"}, "main.mlf.hcl:2:7", `No module named "r"`},
		{"error inside module", map[string]string{"modules/bad/main.mlf.hcl": "dataset \"d\" {\n  source = var.nope\n}\n",
			"main.mlf.hcl": "module \"b\" {\n  source = \"./modules/bad\"\n}\n"}, "modules/bad/main.mlf.hcl:2:12", "Reference to undeclared input variable"},
		{"self call", map[string]string{"modules/loop/main.mlf.hcl": "module \"again\" {\n  source = \"./\"\n}\n",
			"main.mlf.hcl": "module \"l\" {\n  source = \"./modules/loop\"\n}\n"}, "modules/loop/main.mlf.hcl:2:12", "modules may not call themselves"},
		{"mlform block in module", map[string]string{"modules/m/main.mlf.hcl": "mlform {\n}\n",
			"main.mlf.hcl": "module \"m\" {\n  source = \"./modules/m\"\n}\n"}, "modules/m/main.mlf.hcl:1:1", "belongs in the root module"},
		{"promotion in module output", map[string]string{"modules/m/main.mlf.hcl": "output \"v\" {\n  value = promotion.p.version\n}\n",
			"main.mlf.hcl": "module \"m\" {\n  source = \"./modules/m\"\n}\n"}, "modules/m/main.mlf.hcl:2:11", "cannot be used in a module"},
		{"moved from a module still called", withRegional("module \"r\" {\n  source = \"./modules/regional\"\n  region = \"eu\"\n}\nmoved {\n  from = module.r\n  to   = model.x\n}\n"), "main.mlf.hcl:7:10", "moves a module to a model"},
		{"moved to undeclared module object", withRegional("module \"r\" {\n  source = \"./modules/regional\"\n  region = \"eu\"\n}\nmoved {\n  from = model.churn\n  to   = module.r.model.chrun\n}\n"), "main.mlf.hcl:7:10", "module.r.model.chrun is not declared"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantLoadError(t, tt.files, tt.at, tt.want)
		})
	}
}
