//go:build unix

package executortest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/syncbuf"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/state"
)

// Cases about running a command faithfully: contract, exit codes, output,
// working directory, bad tasks, concurrency.

func (s *suite) testContractEnv(t *testing.T) {
	const leak = "MLFORM_EXECUTORTEST_MUST_NOT_LEAK"
	t.Setenv(leak, "secret")
	root := t.TempDir()
	c := executor.Contract{
		DataDir:    filepath.Join(root, "data"),
		Datasets:   map[string]string{"churn": filepath.Join(root, "data", "churn"), "web-logs": filepath.Join(root, "data", "web-logs")},
		OutputDir:  filepath.Join(root, "out"),
		ModelDir:   filepath.Join(root, "model"),
		ParamsFile: filepath.Join(root, "params.json"),
		Params:     map[string]any{"learning_rate": 0.05, "epochs": 30, "optimizer": "sgd", "layers": []any{64, 32}},
		Model:      "churn",
		Version:    7,
	}
	if err := c.Prepare(); err != nil {
		t.Fatal(err)
	}
	task := s.task("env")
	for k, v := range c.Env() {
		task.Env[k] = v
	}
	var out syncbuf.Buffer
	task.Stdout = &out
	res := s.run(t, context.Background(), s.newExecutor(t), task)
	if res.Status != state.StatusSucceeded {
		t.Fatalf("status %q (%s), want %q", res.Status, res.Reason, state.StatusSucceeded)
	}
	got := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "@") {
			got[k] = v
		}
	}
	want := map[string]string{
		"MLFORM_DATA_DIR":             c.DataDir,
		"MLFORM_DATASET_CHURN_DIR":    c.Datasets["churn"],
		"MLFORM_DATASET_WEB_LOGS_DIR": c.Datasets["web-logs"],
		"MLFORM_OUTPUT_DIR":           c.OutputDir,
		"MLFORM_MODEL_DIR":            c.ModelDir,
		"MLFORM_PARAMS_FILE":          c.ParamsFile,
		"MLFORM_PARAM_LEARNING_RATE":  "0.05",
		"MLFORM_PARAM_EPOCHS":         "30",
		"MLFORM_PARAM_OPTIMIZER":      "sgd",
		"MLFORM_PARAM_LAYERS":         "[64,32]",
		"MLFORM_MODEL":                "churn",
		"MLFORM_VERSION":              "7",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got[leak]; ok {
		t.Errorf("%s from the parent environment reached the command", leak)
	}
	params, _ := c.ParamsJSON()
	if wantLine := "@params " + strings.TrimSpace(string(params)); !strings.Contains(out.String(), wantLine+"\n") {
		t.Errorf("params file as seen by the command: want line %q in\n%s", wantLine, out.String())
	}
}

func (s *suite) testExitCodes(t *testing.T) {
	tests := []struct {
		name       string
		mode       string
		args       []string
		wantStatus string
		wantCode   int
	}{
		{"zero", "exit", []string{"0"}, state.StatusSucceeded, 0},
		{"one", "exit", []string{"1"}, state.StatusFailed, 1},
		{"three", "exit", []string{"3"}, state.StatusFailed, 3},
		{"killed by signal", "selfkill", nil, state.StatusFailed, 128 + 9},
	}
	e := s.newExecutor(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := s.run(t, context.Background(), e, s.task(tt.mode, tt.args...))
			if res.Status != tt.wantStatus || res.ExitCode != tt.wantCode {
				t.Errorf("status %q exit %d (%s), want %q exit %d", res.Status, res.ExitCode, res.Reason, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func (s *suite) testOutput(t *testing.T) {
	var stdout, stderr syncbuf.Buffer
	task := s.task("exit", "2")
	task.Stdout, task.Stderr = &stdout, &stderr
	s.run(t, context.Background(), s.newExecutor(t), task)
	if got, want := stdout.String(), "to stdout\npartial\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	if got := stderr.String(); !strings.HasPrefix(got, "to stderr\n") {
		t.Errorf("stderr %q, want it to start with %q", got, "to stderr\n")
	}
	// nil writers discard.
	s.run(t, context.Background(), s.newExecutor(t), s.task("exit", "0"))
}

func (s *suite) testLargeOutput(t *testing.T) {
	const n = 5000 // ~1 MiB across both streams: more than any pipe buffer
	var stdout, stderr syncbuf.Buffer
	task := s.task("flood", fmt.Sprint(n))
	task.Stdout, task.Stderr = &stdout, &stderr
	res := s.run(t, context.Background(), s.newExecutor(t), task)
	if res.Status != state.StatusSucceeded {
		t.Fatalf("status %q (%s)", res.Status, res.Reason)
	}
	for name, b := range map[string]*syncbuf.Buffer{"stdout": &stdout, "stderr": &stderr} {
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		if len(lines) < n {
			t.Errorf("%s: %d lines, want %d", name, len(lines), n)
		}
	}
}

func (s *suite) testLongLine(t *testing.T) {
	const n = 300 << 10 // longer than any sensible line buffer
	var stdout syncbuf.Buffer
	task := s.task("longline", fmt.Sprint(n))
	task.Stdout = &stdout
	s.run(t, context.Background(), s.newExecutor(t), task)
	if got, want := stdout.String(), strings.Repeat("x", n)+"\nend\n"; got != want {
		t.Errorf("stdout: %d bytes, want the %d-byte line intact then \"end\\n\"", len(got), n)
	}
}

func (s *suite) testWorkingDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(s.self, filepath.Join(dir, "bin", "helper")); err != nil {
		t.Fatal(err)
	}
	task := s.task("env")
	task.Dir = dir
	task.Command = []string{"./bin/helper"} // relative to Dir, not to the test's cwd
	var out syncbuf.Buffer
	task.Stdout = &out
	res := s.run(t, context.Background(), s.newExecutor(t), task)
	if res.Status != state.StatusSucceeded {
		t.Fatalf("status %q (%s)", res.Status, res.Reason)
	}
	want, _ := filepath.EvalSymlinks(dir)
	var got string
	for _, line := range strings.Split(out.String(), "\n") {
		if cwd, ok := strings.CutPrefix(line, "@cwd "); ok {
			got, _ = filepath.EvalSymlinks(cwd)
		}
	}
	if got != want {
		t.Errorf("command ran in %q, want %q", got, want)
	}
}

func (s *suite) testCommandNotFound(t *testing.T) {
	for _, cmd := range []string{"mlform-executortest-no-such-command", "./no/such/program", "/no/such/program"} {
		t.Run(cmd, func(t *testing.T) {
			task := s.task("exit", "0")
			task.Command = []string{cmd}
			task.Dir = t.TempDir()
			res, err := s.newExecutor(t).Run(context.Background(), task)
			if err == nil {
				t.Fatal("Run succeeded, want an error")
			}
			if res.Status != state.StatusFailed || res.ExitCode != -1 {
				t.Errorf("result %q exit %d, want %q exit -1 (never started)", res.Status, res.ExitCode, state.StatusFailed)
			}
			if !strings.Contains(err.Error(), strings.TrimPrefix(cmd, "./")) {
				t.Errorf("error %q does not name the command %q", err, cmd)
			}
		})
	}
}

func (s *suite) testBadTask(t *testing.T) {
	tests := []struct {
		name string
		edit func(*executor.Task)
	}{
		{"empty command", func(t *executor.Task) { t.Command = nil }},
		{"unknown step", func(t *executor.Task) { t.Step = "deploy" }},
		{"negative timeout", func(t *executor.Task) { t.Timeout = -time.Second }},
		{"bad env name", func(t *executor.Task) { t.Env["A=B"] = "x" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := s.task("exit", "0")
			tt.edit(&task)
			if _, err := s.newExecutor(t).Run(context.Background(), task); err == nil {
				t.Error("Run accepted the task, want an error")
			}
		})
	}
}

func (s *suite) testConcurrent(t *testing.T) {
	e := s.newExecutor(t)
	const n = 4
	var wg sync.WaitGroup
	outs := make([]syncbuf.Buffer, n)
	results := make([]executor.Result, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			task := s.task("exit", fmt.Sprint(i))
			task.Stdout = &outs[i]
			results[i], errs[i] = e.Run(context.Background(), task)
		}()
	}
	wg.Wait()
	for i := 0; i < n; i++ {
		if errs[i] != nil {
			t.Errorf("run %d: %v", i, errs[i])
			continue
		}
		if results[i].ExitCode != i {
			t.Errorf("run %d: exit %d, want %d", i, results[i].ExitCode, i)
		}
		if got := outs[i].String(); got != "to stdout\npartial\n" {
			t.Errorf("run %d: stdout %q", i, got)
		}
	}
}
