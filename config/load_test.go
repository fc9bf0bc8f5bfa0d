package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/mlform/mlform/config/diag"
	"github.com/mlform/mlform/internal/testtree"
)

// writeFiles creates files (name -> content) under a new temp dir.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	return testtree.Temp(t, files)
}

func noEnv(string) string { return "" }

func writeFile(dir, name, content string) error {
	return os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
}

// loadOK loads a configuration that must have no diagnostics at all.
func loadOK(t *testing.T, dir string, opts LoadOptions) *Config {
	t.Helper()
	if opts.Getenv == nil {
		opts.Getenv = noEnv
	}
	cfg, diags := Load(dir, opts)
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", diagText(diags, cfg))
	}
	return cfg
}

// wantLoadError loads files and fails unless an error mentions want at
// the position at (file:line:col).
func wantLoadError(t *testing.T, files map[string]string, at, want string) {
	t.Helper()
	dir := writeFiles(t, files)
	cfg, diags := Load(dir, LoadOptions{Getenv: noEnv})
	text := diagText(diags, cfg)
	if !diags.HasErrors() || !strings.Contains(text, want) {
		t.Fatalf("want an error containing %q, got:\n%s", want, text)
	}
	if !strings.Contains(text, at+":") {
		t.Errorf("want the error at %s, got:\n%s", at, text)
	}
}

// diagLines renders diags one a line as "file:line:col: summary: detail",
// with paths relative to dir.
func diagLines(diags hcl.Diagnostics, dir string) string {
	var lines []string
	for _, d := range diags {
		pos := ""
		if d.Subject != nil {
			pos = strings.TrimPrefix(rangeString(*d.Subject), dir+"/") + ": "
		}
		lines = append(lines, pos+d.Summary+": "+strings.ReplaceAll(d.Detail, dir+"/", ""))
	}
	return strings.Join(lines, "\n")
}

func diagText(diags hcl.Diagnostics, cfg *Config) string {
	var b strings.Builder
	var files map[string]*hcl.File
	if cfg != nil {
		files = cfg.Files
	}
	_ = diag.Write(&b, diags, files, false)
	return b.String()
}

func TestLoadDesignExample(t *testing.T) {
	cfg := loadOK(t, "testdata/design", LoadOptions{Version: "0.1.0"})
	if cfg.Backend.URL != "file://.mlform/state" || cfg.Backend.Type != "blob" {
		t.Errorf("backend = %+v", cfg.Backend)
	}
	if cfg.RequiredVersion != ">= 0.1" {
		t.Errorf("required_version = %q", cfg.RequiredVersion)
	}
	if got := cfg.Storage["default"].URL; got != "file://.mlform/store" {
		t.Errorf("storage default = %q", got)
	}
	env := cfg.Environments["trainer"]
	if env.Executor != "local" || !reflect.DeepEqual(env.Files, []string{"trainer/go.sum"}) || env.Env["GOFLAGS"] != "-mod=readonly" || env.Secrets != nil {
		t.Errorf("environment = %+v", env)
	}
	d := cfg.Datasets["churn"]
	if d.Source != "data/churn" || !reflect.DeepEqual(d.Include, []string{"**/*.csv"}) || d.Stats == nil ||
		!reflect.DeepEqual(d.Stats.Columns, []string{"tenure", "monthly_charges", "contract"}) || d.Storage != "" {
		t.Errorf("dataset = %+v", d)
	}
	m := cfg.Models["churn"]
	wantParams := map[string]any{"learning_rate": 0.05, "epochs": float64(30)}
	if !reflect.DeepEqual(m.Datasets, []string{"churn"}) || m.Environment != "trainer" ||
		!reflect.DeepEqual(m.Code, []string{"trainer/**"}) ||
		!reflect.DeepEqual(m.Train.Command, []string{"./bin/churn-trainer", "train"}) ||
		!reflect.DeepEqual(m.Train.Params, wantParams) || m.Train.Timeout != 30*time.Minute ||
		m.Evaluate == nil || !reflect.DeepEqual(m.Evaluate.Command, []string{"./bin/churn-trainer", "evaluate"}) {
		t.Errorf("model = %+v (evaluate %+v)", m, m.Evaluate)
	}
	p := cfg.RetrainPolicies["churn"]
	if !reflect.DeepEqual(p.Models, []string{"churn"}) || !reflect.DeepEqual(p.OnChange, []string{"data", "code", "params", "environment"}) ||
		p.Schedule != "0 3 * * 1" || p.Cooldown != 6*time.Hour || len(p.Metrics) != 1 || p.Metrics[0].Name != "accuracy" ||
		p.Metrics[0].Below == nil || *p.Metrics[0].Below != 0.85 || p.Metrics[0].Above != nil ||
		p.Drift == nil || p.Drift.Method != "psi" || p.Drift.Threshold != 0.2 {
		t.Errorf("policy = %+v", p)
	}
	pr := cfg.Promotions["churn_production"]
	if pr.Model != "churn" || pr.Alias != "production" || len(pr.Gates) != 1 || pr.Gates[0].ErrorMessage != "accuracy below the floor" ||
		pr.MustBeat == nil || *pr.MustBeat != (MustBeat{Metric: "accuracy", Direction: "higher", Range: pr.MustBeat.Range, MetricRange: pr.MustBeat.MetricRange}) || pr.Version != 0 {
		t.Errorf("promotion = %+v", pr)
	}
	if _, ok := cfg.Outputs["production_version"]; !ok {
		t.Errorf("outputs = %v", cfg.Outputs)
	}
	if len(cfg.Digest) != 64 {
		t.Errorf("digest = %q", cfg.Digest)
	}
	if v := cfg.Variables["min_accuracy"]; v.Source != "default" || v.Value.AsBigFloat().String() != "0.85" {
		t.Errorf("variable = %+v", v)
	}
}

func TestLoadExampleWorkspace(t *testing.T) {
	loadOK(t, "../examples/churn", LoadOptions{Version: "0.1.0"})
}

func TestLoadDefaults(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mlf.hcl": `
environment "e" {}
model "m" {
  train { command = ["t"] }
}
`})
	cfg := loadOK(t, dir, LoadOptions{})
	if cfg.Backend.URL != DefaultBackendURL {
		t.Errorf("backend = %q", cfg.Backend.URL)
	}
	if s := cfg.Storage[DefaultStorageName]; s == nil || s.URL != DefaultStorageURL {
		t.Errorf("storage = %+v", cfg.Storage)
	}
	if cfg.Environments["e"].Executor != "local" {
		t.Errorf("executor = %q", cfg.Environments["e"].Executor)
	}
	m := cfg.Models["m"]
	if m.Evaluate != nil || m.Train.Timeout != 0 || m.Train.Params != nil || m.Datasets != nil {
		t.Errorf("model = %+v", m)
	}
}

// TestLoadErrors: every invalid configuration yields an error at the
// expected position whose text contains the expected words.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		opts LoadOptions
		at   string // "line:col" in main.mlf.hcl ("" for no position)
		want string
	}{
		{"unknown block", `dataset "a" { source = "x" }` + "\nmodels \"m\" {}\n", LoadOptions{}, "2:1", `Did you mean "model"?`},
		{"unknown attr in nested", "model \"m\" {\n  train {\n    comand = [\"t\"]\n  }\n}\n", LoadOptions{}, "3:5", `Did you mean "command"?`},
		{"argument of another block", "model \"m\" {\n  schedule = \"@daily\"\n  train { command = [\"t\"] }\n}\n", LoadOptions{}, "2:3", `"schedule" belongs in: retrain_policy.`},
		{"argument of nested blocks", "storage \"s\" {\n  url = \"mem://\"\n  source = \"x\"\n}\n", LoadOptions{}, "3:3", `"source" belongs in: dataset.`},
		{"attribute at top", "source = 1\n", LoadOptions{}, "1:1", "not expected at the top level"},
		{"missing command", "model \"m\" {\n  train {}\n}\n", LoadOptions{}, "2:3", `"command" is required in train`},
		{"duplicate dataset", "dataset \"a\" { source = \"x\" }\ndataset \"a\" { source = \"y\" }\n", LoadOptions{}, "2:9", `Duplicate dataset "a"`},
		{"duplicate output", "output \"a\" { value = 1 }\noutput \"a\" { value = 2 }\n", LoadOptions{}, "2:8", `An output named "a" was already declared at `},
		{"duplicate storage", "storage \"s\" { url = \"mem://\" }\nstorage \"s\" { url = \"mem://\" }\n", LoadOptions{}, "2:9", `A storage named "s" was already declared`},
		{"duplicate local", "locals { a = 1 }\nlocals { a = 2 }\n", LoadOptions{}, "2:10", "Duplicate local value"},
		{"duplicate param", "model \"m\" {\n  train {\n    command = [\"t\"]\n    params  = { lr = 0.1, \"lr\" = 0.01 }\n  }\n}\n", LoadOptions{}, "4:27", `The key "lr" was already given at`},
		{"duplicate nested key", "locals {\n  a = [{ x = { y = 1, y = 2 } }]\n}\n", LoadOptions{}, "2:23", "Duplicate object key"},
		{"self cycle", "locals {\n  a = local.a\n}\n", LoadOptions{}, "2:7", "local.a -> local.a"},
		{"object cycle", "dataset \"a\" {\n  source = model.m.name\n}\nmodel \"m\" {\n  datasets = [dataset.a]\n  train { command = [\"t\"] }\n}\n", LoadOptions{}, "2:12", "dataset.a -> model.m -> dataset.a"},
		{"bare var", "locals {\n  a = var\n}\n", LoadOptions{}, "2:7", "must be followed by a name"},
		{"path attr", "locals {\n  a = path.home\n}\n", LoadOptions{}, "2:7", "module, root and cwd"},
		{"champion outside gate", "locals {\n  a = champion.metrics.x\n}\n", LoadOptions{}, "2:7", "only available in the condition"},
		{"candidate without metrics", "model \"m\" {\n  train { command = [\"t\"] }\n}\npromotion \"p\" {\n  model = model.m\n  alias = \"a\"\n  gate { condition = candidate.accuracy > 1 }\n}\n", LoadOptions{}, "7:22", "candidate has one attribute, metrics"},
		{"retrain_policy ref", "locals {\n  a = retrain_policy.p\n}\n", LoadOptions{}, "2:7", "cannot be referred to"},
		{"empty command", "model \"m\" {\n  train {\n    command = []\n  }\n}\n", LoadOptions{}, "3:15", "must name a program"},
		{"params not object", "model \"m\" {\n  train {\n    command = [\"t\"]\n    params = [1]\n  }\n}\n", LoadOptions{}, "4:14", "must be an object"},
		{"params sensitive", "variable \"k\" {\n  sensitive = true\n  default = \"x\"\n}\nmodel \"m\" {\n  train {\n    command = [\"t\"]\n    params = { key = var.k }\n  }\n}\n", LoadOptions{}, "8:14", "Sensitive value not allowed"},
		{"dup dataset ref", "dataset \"a\" { source = \"x\" }\nmodel \"m\" {\n  datasets = [dataset.a, \"a\"]\n  train { command = [\"t\"] }\n}\n", LoadOptions{}, "3:14", "names dataset.a twice"},
		{"datasets not list", "dataset \"a\" { source = \"x\" }\nmodel \"m\" {\n  datasets = dataset.a\n  train { command = [\"t\"] }\n}\n", LoadOptions{}, "3:14", "must be a list of dataset references"},
		{"ref wrong type", "model \"m\" {\n  environment = 3\n  train { command = [\"t\"] }\n}\n", LoadOptions{}, "2:17", "must refer to a environment"},
		{"storage undeclared", "dataset \"a\" {\n  source = \"x\"\n  storage = \"fast\"\n}\n", LoadOptions{}, "3:13", "storage.fast, which is not declared"},
		{"negative timeout", "model \"m\" {\n  train {\n    command = [\"t\"]\n    timeout = \"-5m\"\n  }\n}\n", LoadOptions{}, "4:15", "must be positive"},
		{"zero every", "model \"m\" {\n  train { command = [\"t\"] }\n}\nretrain_policy \"p\" {\n  models = [model.m]\n  every = \"0s\"\n}\n", LoadOptions{}, "6:11", "must be positive"},
		{"metric bounds", "model \"m\" {\n  train { command = [\"t\"] }\n}\nretrain_policy \"p\" {\n  models = [model.m]\n  metric \"a\" {\n    below = 0.9\n    above = 0.5\n  }\n}\n", LoadOptions{}, "6:3", "below must be less than above"},
		{"dup metric", "model \"m\" {\n  train { command = [\"t\"] }\n}\nretrain_policy \"p\" {\n  models = [model.m]\n  metric \"a\" { below = 1 }\n  metric \"a\" { above = 2 }\n}\n", LoadOptions{}, "7:3", `already has a metric "a" block`},
		{"empty metric name", "model \"m\" {\n  train { command = [\"t\"] }\n}\nretrain_policy \"p\" {\n  models = [model.m]\n  metric \"\" { below = 1 }\n}\n", LoadOptions{}, "6:10", "Empty metric name"},
		{"ks threshold", "model \"m\" {\n  train { command = [\"t\"] }\n}\nretrain_policy \"p\" {\n  models = [model.m]\n  drift {\n    method = \"ks\"\n    threshold = 2\n  }\n}\n", LoadOptions{}, "8:17", "at most 1 for ks"},
		{"stats empty", "dataset \"a\" {\n  source = \"x\"\n  stats { columns = [] }\n}\n", LoadOptions{}, "3:21", "lists no column"},
		{"two promotions one alias", "model \"m\" {\n  train { command = [\"t\"] }\n}\npromotion \"a\" {\n  model = model.m\n  alias = \"prod\"\n}\npromotion \"b\" {\n  model = model.m\n  alias = \"prod\"\n}\n", LoadOptions{}, "10:11", "already moves model.m@prod"},
		{"must_beat as an argument", "model \"m\" {\n  train { command = [\"t\"] }\n}\npromotion \"a\" {\n  model = model.m\n  alias = \"prod\"\n  must_beat = \"x\"\n}\n", LoadOptions{}, "7:3", "Did you mean to define a block of type \"must_beat\"? Write:\n  must_beat { metric = \"x\" }"},
		{"must_beat as an object", "model \"m\" {\n  train { command = [\"t\"] }\n}\npromotion \"a\" {\n  model = model.m\n  alias = \"prod\"\n  must_beat = { metric = \"loss\", direction = \"lower\" }\n}\n", LoadOptions{}, "7:3", "Write:\n  must_beat {\n    metric    = \"loss\"\n    direction = \"lower\"\n  }"},
		{"publish as an argument", "model \"m\" {\n  train { command = [\"t\"] }\n}\npromotion \"a\" {\n  model = model.m\n  alias = \"prod\"\n  publish = \"file://out\"\n}\n", LoadOptions{}, "7:3", "Write:\n  publish { url = \"file://out\" }"},
		{"commas in a one-line block", "model \"m\" {\n  train { command = [\"t\"], timeout = \"1h\" }\n}\n", LoadOptions{}, "2:26", "write one argument a line:\n  train {\n    command = [\"t\"]\n    timeout = \"1h\"\n  }"},
		{"must_beat empty", "model \"m\" {\n  train { command = [\"t\"] }\n}\npromotion \"a\" {\n  model = model.m\n  alias = \"prod\"\n  must_beat { metric = \"\" }\n}\n", LoadOptions{}, "7:24", "must name a metric"},
		{"min_delta negative", "model \"m\" {\n  train { command = [\"t\"] }\n}\npromotion \"a\" {\n  model = model.m\n  alias = \"prod\"\n  must_beat {\n    metric = \"x\"\n    min_delta = -1\n  }\n}\n", LoadOptions{}, "9:17", "must be 0 or more"},
		{"pin not whole", "model \"m\" {\n  train { command = [\"t\"] }\n}\npromotion \"a\" {\n  model = model.m\n  alias = \"prod\"\n  version = 1.5\n}\n", LoadOptions{}, "7:13", "whole number"},
		{"publish url", "model \"m\" {\n  train { command = [\"t\"] }\n}\npromotion \"a\" {\n  model = model.m\n  alias = \"prod\"\n  publish { url = \"out\" }\n}\n", LoadOptions{}, "7:19", "is not a URL"},
		{"backend url", "mlform {\n  backend \"blob\" {\n    url = \"gopher://x\"\n  }\n}\n", LoadOptions{}, "3:11", `unsupported URL scheme "gopher"`},
		{"backend var", "variable \"u\" { default = \"file://x\" }\nmlform {\n  backend \"blob\" {\n    url = var.u\n  }\n}\n", LoadOptions{}, "4:11", "Variables not allowed"},
		{"executor name", "environment \"e\" {\n  executor = \"my executor\"\n}\n", LoadOptions{}, "2:14", "Invalid executor"},
		{"env not map", "environment \"e\" {\n  env = [\"A=1\"]\n}\n", LoadOptions{}, "2:9", "map of strings required"},
		{"env reserved name", "environment \"e\" {\n  env = { A = \"1\", MLFORM_OUTPUT_DIR = \"/x\" }\n}\n", LoadOptions{}, "2:9", "sets MLFORM_OUTPUT_DIR: MLFORM_* names belong to the training contract"},
		{"files glob", "environment \"e\" {\n  files = [\"../go.sum\"]\n}\n", LoadOptions{}, "2:11", `uses ".."`},
		{"default type", "variable \"n\" {\n  type = number\n  default = \"abc\"\n}\n", LoadOptions{}, "3:13", "not compatible with the variable's type constraint"},
		{"default null not nullable", "variable \"n\" {\n  nullable = false\n  default = null\n}\n", LoadOptions{}, "3:13", "null default value is not valid"},
		{"bad type expr", "variable \"n\" {\n  type = numbr\n}\n", LoadOptions{}, "2:10", "numbr"},
		{"default refers", "variable \"n\" {\n  default = local.x\n}\nlocals { x = 1 }\n", LoadOptions{}, "2:13", "Variables not allowed"},
		{"validation not bool", "variable \"n\" {\n  default = 1\n  validation {\n    condition = \"maybe\"\n    error_message = \"no\"\n  }\n}\n", LoadOptions{}, "4:17", "must be a bool"},
		{"required var", "variable \"n\" {}\n", LoadOptions{}, "1:1", "No value for required variable"},
		{"unknown -var", "variable \"n\" { default = 1 }\n", LoadOptions{Vars: []string{"m=1"}}, "", `"m" was assigned with -var`},
		{"missing -var-file", "variable \"n\" { default = 1 }\n", LoadOptions{VarFiles: []string{"/nonexistent/x.vars"}}, "", "Cannot read variables file"},
		{"version", "mlform {\n  required_version = \"~> 1.0\"\n}\n", LoadOptions{Version: "0.1.0"}, "2:22", "requires mlform ~> 1.0, but this is mlform 0.1.0"},
		{"templatefile missing var", "locals {\n  a = templatefile(\"t.tpl\", {})\n}\n", LoadOptions{}, "2:29", "uses name, which is not among the variables given"},
		{"file missing", "locals {\n  a = file(\"nope.txt\")\n}\n", LoadOptions{}, "2:13", "no file nope.txt in the configuration directory"},
		{"file absolute outside", "locals {\n  a = file(\"/etc/passwd\")\n}\n", LoadOptions{}, "2:13", "outside the configuration directory"},
		{"file symlink escape", "locals {\n  a = file(\"link/passwd\")\n}\n", LoadOptions{}, "2:13", "outside the configuration directory"},
		{"output sensitive", "variable \"s\" {\n  sensitive = true\n  default = \"x\"\n}\noutput \"o\" {\n  value = var.s\n}\n", LoadOptions{}, "6:11", "add sensitive = true"},
		{"output bad attr", "model \"m\" {\n  train { command = [\"t\"] }\n}\noutput \"o\" {\n  value = model.m.versions\n}\n", LoadOptions{}, "5:18", "Unsupported attribute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"main.mlf.hcl": tt.src, "t.tpl": "hello ${name}"})
			if err := os.Symlink("/etc", filepath.Join(dir, "link")); err != nil {
				t.Fatal(err)
			}
			tt.opts.Getenv = noEnv
			cfg, diags := Load(dir, tt.opts)
			if !diags.HasErrors() {
				t.Fatalf("no error; want %q", tt.want)
			}
			text := diagText(diags, cfg)
			if !strings.Contains(text, tt.want) {
				t.Fatalf("diagnostics do not mention %q:\n%s", tt.want, text)
			}
			var found bool
			for _, d := range diags.Errs() {
				hd := d.(*hcl.Diagnostic)
				if !strings.Contains(hd.Summary+" "+hd.Detail, tt.want) {
					continue
				}
				found = true
				switch {
				case tt.at == "" && hd.Subject != nil:
					t.Errorf("error has a position %s; want none", rangeString(*hd.Subject))
				case tt.at != "" && hd.Subject == nil:
					t.Errorf("error has no position; want %s", tt.at)
				case tt.at != "" && rangeString(*hd.Subject) != filepath.Join(dir, "main.mlf.hcl")+":"+tt.at:
					t.Errorf("error at %s; want main.mlf.hcl:%s\n%s", rangeString(*hd.Subject), tt.at, text)
				}
			}
			if !found {
				t.Fatalf("no single diagnostic mentions %q:\n%s", tt.want, text)
			}
		})
	}
}

func TestMetricNamesAnyText(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mlf.hcl": `
model "m" {
  train { command = ["t"] }
  evaluate { command = ["e"] }
}
retrain_policy "p" {
  models = [model.m]
  metric "val/accuracy" { below = 0.8 }
}
promotion "q" {
  model = model.m
  alias = "production"
  gate { condition = candidate.metrics["val/accuracy"] > 0.8 }
  must_beat { metric = "val/accuracy" }
}
`})
	cfg := loadOK(t, dir, LoadOptions{})
	if got := cfg.RetrainPolicies["p"].Metrics[0].Name; got != "val/accuracy" {
		t.Fatalf("metric = %q", got)
	}
	ok, diags := cfg.EvalGate(cfg.Promotions["q"].Gates[0], map[string]float64{"val/accuracy": 0.9}, nil)
	if !ok || diags.HasErrors() {
		t.Fatalf("EvalGate = %v, %v", ok, diags)
	}
	ok, diags = cfg.EvalGate(cfg.Promotions["q"].Gates[0], map[string]float64{"accuracy": 0.9}, nil)
	if ok || !strings.Contains(diags.Error(), `The candidate reports no metric "val/accuracy"; it reports: accuracy.`) {
		t.Fatalf("EvalGate without the metric = %v, %v", ok, diags)
	}
}

// A second mlform block is reported once, at its own position: within a
// file (syntax.CheckBody) and across files (the loader's collect) each
// report what the other does not. Two blocks in one file were reported
// twice, with two wordings.
func TestDuplicateMLFormBlockOnce(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // "file:line:col" of each Duplicate mlform block
	}{
		{"one file", map[string]string{"main.mlf.hcl": "mlform {\n}\nmlform {\n}\n"}, []string{"main.mlf.hcl:3:1"}},
		{"one file, three", map[string]string{"main.mlf.hcl": "mlform {\n}\nmlform {\n}\nmlform {\n}\n"}, []string{"main.mlf.hcl:3:1", "main.mlf.hcl:5:1"}},
		{"two files", map[string]string{"a.mlf.hcl": "mlform {\n}\n", "b.mlf.hcl": "mlform {\n}\n"}, []string{"b.mlf.hcl:1:1"}},
		{"one, then two", map[string]string{"a.mlf.hcl": "mlform {\n}\n", "b.mlf.hcl": "mlform {\n}\nmlform {\n}\n"}, []string{"b.mlf.hcl:1:1", "b.mlf.hcl:3:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			_, diags := Load(dir, LoadOptions{Getenv: noEnv})
			var got []string
			for _, d := range diags {
				if d.Summary == "Duplicate mlform block" {
					got = append(got, strings.TrimPrefix(rangeString(*d.Subject), dir+"/"))
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Duplicate mlform block at %q, want %q\n%s", got, tt.want, diagLines(diags, dir))
			}
		})
	}
}
