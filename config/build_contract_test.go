package config

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestContractChecks: validate refuses what the training contract cannot
// run, at the argument or block at fault, naming both colliding names;
// what it can run passes.
func TestContractChecks(t *testing.T) {
	const datasets = "dataset \"web-logs\" { source = \"a\" }\ndataset \"web_logs\" { source = \"b\" }\ndataset \"clicks\" { source = \"c\" }\n"
	tests := []struct {
		name  string
		src   string
		at    []string // "line:col" of each error; none for a valid configuration
		wants []string // text each error's detail contains, in the order of at
	}{
		{"datasets collide", datasets + "model \"m\" {\n  datasets = [dataset.web-logs, dataset.web_logs]\n  train { command = [\"t\"] }\n}\n",
			[]string{"5:14"}, []string{`dataset names "web-logs" and "web_logs" both become the environment variable MLFORM_DATASET_WEB_LOGS_DIR`}},
		{"datasets collide in different models", datasets + "model \"a\" {\n  datasets = [dataset.web-logs, dataset.clicks]\n  train { command = [\"t\"] }\n}\nmodel \"b\" {\n  datasets = [\"web_logs\"]\n  train { command = [\"t\"] }\n}\n",
			nil, nil},
		{"train params collide", "model \"m\" {\n  train {\n    command = [\"t\"]\n    params = { \"web-logs\" = 1, web_logs = 2, \"Web.Logs\" = 3 }\n  }\n}\n",
			[]string{"4:14", "4:14"}, []string{`param names "Web.Logs" and "web-logs" both become the environment variable MLFORM_PARAM_WEB_LOGS`, `param names "Web.Logs" and "web_logs"`}},
		{"evaluate params collide", "model \"m\" {\n  train { command = [\"t\"] }\n  evaluate {\n    command = [\"e\"]\n    params = { lr = 1, LR = 2 }\n  }\n}\n",
			[]string{"5:14"}, []string{`params in model "m" evaluate: param names "LR" and "lr" both become the environment variable MLFORM_PARAM_LR`}},
		{"distinct params", "model \"m\" {\n  train {\n    command = [\"t\"]\n    params = { lr = 1, lr2 = 2, l_r = 3 }\n  }\n}\n", nil, nil},
		{"metric trigger without evaluate", "model \"m\" {\n  train { command = [\"t\"] }\n}\nretrain_policy \"p\" {\n  models = [\"m\"]\n  metric \"f1\" { below = 0.8 }\n  metric \"loss\" { above = 0.3 }\n}\n",
			[]string{"6:3"}, []string{`retrain_policy "p" has a metric trigger ("f1", "loss"), but model.m (`, "has no evaluate block: a metric trigger needs the model's evaluate step"}},
		{"metric trigger one model of two", "model \"a\" {\n  train { command = [\"t\"] }\n  evaluate { command = [\"e\"] }\n}\nmodel \"b\" {\n  train { command = [\"t\"] }\n}\nretrain_policy \"p\" {\n  models = [model.a, model.b]\n  metric \"f1\" { below = 0.8 }\n}\n",
			[]string{"10:3"}, []string{"but model.b ("}},
		{"metric trigger with evaluate", "model \"m\" {\n  train { command = [\"t\"] }\n  evaluate { command = [\"e\"] }\n}\nretrain_policy \"p\" {\n  models = [model.m]\n  metric \"f1\" { below = 0.8 }\n}\n", nil, nil},
		{"no metric trigger, no evaluate", "model \"m\" {\n  train { command = [\"t\"] }\n}\nretrain_policy \"p\" {\n  models = [model.m]\n  on_change = [\"data\"]\n}\n", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"main.mlf.hcl": tt.src})
			cfg, diags := Load(dir, LoadOptions{Getenv: noEnv})
			text := diagText(diags, cfg)
			if len(diags) != len(tt.at) {
				t.Fatalf("%d diagnostics; want %d:\n%s", len(diags), len(tt.at), text)
			}
			for i, hd := range diags {
				if hd.Subject == nil || rangeString(*hd.Subject) != filepath.Join(dir, "main.mlf.hcl")+":"+tt.at[i] {
					t.Errorf("error %d at %v; want main.mlf.hcl:%s", i, hd.Subject, tt.at[i])
				}
				if got := hd.Detail; !strings.Contains(got, tt.wants[i]) {
					t.Errorf("error %d: %q does not contain %q", i, got, tt.wants[i])
				}
			}
		})
	}
}
