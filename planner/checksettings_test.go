package planner

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/providers/executor"
)

// TestCheckExecutorSettings: the settings blocks of every environment are
// checked against the executors' declarations, each problem at the
// file:line:col of what is wrong, with the severity users rely on.
func TestCheckExecutorSettings(t *testing.T) {
	reg := executor.NewRegistry()
	reg.Register("local", func(executor.Settings) (executor.Executor, error) { return nil, nil })
	reg.Add("batch", executor.Spec{
		Factory: func(executor.Settings) (executor.Executor, error) { return nil, nil },
		Settings: []executor.Setting{
			{Name: "queue", Type: executor.String},
			{Name: "args", Type: executor.StringList, Check: func(v any) error {
				for i, a := range v.([]string) {
					if a == "bad" {
						return &executor.ElementError{Index: i, Err: fmt.Errorf("%q is refused", a)}
					}
				}
				return nil
			}},
			{Name: "cpus", Type: executor.Int, Check: func(v any) error {
				if v.(int) > 64 {
					return fmt.Errorf("%d is more than a node has", v)
				}
				return nil
			}},
		},
		Validate: func(s executor.Settings) error {
			if s.String("queue") == "tiny" && s.Int("cpus") > 1 {
				return &executor.SettingError{Executor: "batch", Problem: "the tiny queue runs one CPU"}
			}
			return nil
		},
	})
	tests := []struct {
		name string
		body string   // an environment "e"
		want []string // "SEVERITY LINE:COL summary|detail substring"; nil: no diagnostics
	}{
		{"fine", `executor = "batch"
  batch {
    queue = "gpu"
    cpus  = 8
  }`, nil},
		{"no block", `executor = "batch"`, nil},
		{"unknown setting", `executor = "batch"
  batch {
    queu = "gpu"
  }`, []string{`error 4:5 Unknown executor setting|no setting "queu" (environment "e"). Did you mean "queue"? Its settings are: args, cpus, queue.`}},
		{"wrong type", `executor = "batch"
  batch {
    cpus = "many"
  }`, []string{`error 4:12 Invalid executor setting|cpus in the batch block of environment "e": want a whole number, not the string "many".`}},
		{"refused value", `executor = "batch"
  batch {
    cpus = 128
  }`, []string{`error 4:12 Invalid executor setting|128 is more than a node has`}},
		{"refused element", `executor = "batch"
  batch {
    args = ["ok",
      "bad"]
  }`, []string{`error 5:7 Invalid executor setting|"bad" is refused`}},
		{"element of the wrong type", `executor = "batch"
  batch {
    args = ["ok", 3]
  }`, []string{`error 4:19 Invalid executor setting|element 1: want a string, not the number 3`}},
		{"conflict", `executor = "batch"
  batch {
    queue = "tiny"
    cpus  = 2
  }`, []string{`error 3:3 Invalid executor settings|batch settings: the tiny queue runs one CPU.`}},
		{"block for no executor", `executor = "batch"
  bach {
  }`, []string{`error 3:3 Settings for an unknown executor|no executor called "bach" (it has: batch, local); a settings block is named after the executor it configures. Did you mean "batch"?`}},
		{"another executor's block", `executor = "local"
  batch {
    queue = "gpu"
  }`, []string{`warning 3:3 Settings for another executor|runs its steps with executor "local", so its batch block is ignored.`}},
		{"another executor's block is not checked", `batch {
    queu = "gpu"
  }`, []string{`warning 2:3 Settings for another executor|executor "local"`}},
		{"executor without settings", `executor = "local"
  local {
    grace = "1s"
  }`, []string{`error 4:5 Unknown executor setting|The local executor has no setting "grace" (environment "e"). It has no settings.`}},
		{"unknown executor: one error, its block not checked", `executor = "bacth"
  bacth {
  }`, []string{`error 2:14 Unknown executor|Did you mean "batch"?`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			src := "environment \"e\" {\n  " + tt.body + "\n}\n"
			if err := os.WriteFile(filepath.Join(dir, "main.mlf.hcl"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, diags := config.Load(dir, config.LoadOptions{Getenv: func(string) string { return "" }})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			got := CheckExecutors(cfg, reg)
			if len(got) != len(tt.want) {
				t.Fatalf("%d diagnostics, want %d:\n%s", len(got), len(tt.want), diagsText(got))
			}
			for i, w := range tt.want {
				head, detail, _ := strings.Cut(w, "|")
				d := got[i]
				sev := "error"
				if d.Severity == hcl.DiagWarning {
					sev = "warning"
				}
				h := fmt.Sprintf("%s %d:%d %s", sev, d.Subject.Start.Line, d.Subject.Start.Column, d.Summary)
				if h != head || !strings.Contains(d.Detail, detail) || d.Subject.Filename != filepath.Join(dir, "main.mlf.hcl") {
					t.Errorf("diagnostic %d: %s (%s) %q, want %s %q", i, h, d.Subject.Filename, d.Detail, head, detail)
				}
			}
		})
	}
}

func diagsText(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "%v %s: %s\n", d.Subject, d.Summary, d.Detail)
	}
	return b.String()
}
