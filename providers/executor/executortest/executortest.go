// Package executortest is the conformance suite every executor must pass:
// the training contract reaches the command, exit codes and output are
// reported faithfully, and a step that overruns or is cancelled is stopped
// with every process it started. The commands under test are the test
// binary itself re-executed in a helper mode (see Main), so the suite needs
// no shell and behaves the same on every machine.
package executortest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/state"
)

// RunConformance runs the suite against executors made by newExecutor.
// The calling package's TestMain must call Main.
func RunConformance(t *testing.T, newExecutor func(t *testing.T) executor.Executor) {
	self, err := os.Executable()
	if err != nil {
		t.Fatalf("test binary: %v", err)
	}
	s := &suite{self: self, newExecutor: newExecutor}
	t.Run("Name", s.testName)
	t.Run("ContractEnv", s.testContractEnv)
	t.Run("ExitCodes", s.testExitCodes)
	t.Run("Output", s.testOutput)
	t.Run("LargeOutput", s.testLargeOutput)
	t.Run("WorkingDir", s.testWorkingDir)
	t.Run("CommandNotFound", s.testCommandNotFound)
	t.Run("BadTask", s.testBadTask)
	t.Run("TimeoutKillsTree", s.testTimeoutKillsTree)
	t.Run("TimeoutGraceful", s.testTimeoutGraceful)
	t.Run("Cancel", s.testCancel)
	t.Run("CancelledBeforeStart", s.testCancelledBeforeStart)
	t.Run("NoOrphans", s.testNoOrphans)
	t.Run("Concurrent", s.testConcurrent)
}

type suite struct {
	self        string
	newExecutor func(t *testing.T) executor.Executor
}

// task is a train task running the helper in mode with args.
func (s *suite) task(mode string, args ...string) executor.Task {
	return executor.Task{
		Model:   "conformance",
		Version: 1,
		Step:    executor.StepTrain,
		Command: append([]string{s.self}, args...),
		Env:     map[string]string{HelperEnv: mode},
		Timeout: time.Minute,
		Grace:   time.Second,
	}
}

// run runs a task that must start, failing the test otherwise.
func (s *suite) run(t *testing.T, ctx context.Context, e executor.Executor, task executor.Task) executor.Result {
	t.Helper()
	res, err := e.Run(ctx, task)
	if err != nil {
		t.Fatalf("Run(%v): %v", task.Command, err)
	}
	if res.StartedAt.IsZero() || res.EndedAt.Before(res.StartedAt) {
		t.Errorf("StartedAt %v, EndedAt %v: want a start and an end not before it", res.StartedAt, res.EndedAt)
	}
	if res.Host == "" {
		t.Error("Result.Host is empty")
	}
	return res
}

func (s *suite) testName(t *testing.T) {
	if s.newExecutor(t).Name() == "" {
		t.Error("Name() is empty")
	}
}

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
	var out syncBuffer
	task.Stdout = &out
	res := s.run(t, context.Background(), s.newExecutor(t), task)
	if res.Status != state.StatusSucceeded {
		t.Fatalf("status %q, want %q", res.Status, state.StatusSucceeded)
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
				t.Errorf("status %q exit %d, want %q exit %d", res.Status, res.ExitCode, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func (s *suite) testOutput(t *testing.T) {
	var stdout, stderr syncBuffer
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
	var stdout, stderr syncBuffer
	task := s.task("flood", fmt.Sprint(n))
	task.Stdout, task.Stderr = &stdout, &stderr
	res := s.run(t, context.Background(), s.newExecutor(t), task)
	if res.Status != state.StatusSucceeded {
		t.Fatalf("status %q", res.Status)
	}
	for name, b := range map[string]*syncBuffer{"stdout": &stdout, "stderr": &stderr} {
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		if len(lines) < n {
			t.Errorf("%s: %d lines, want %d", name, len(lines), n)
		}
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
	var out syncBuffer
	task.Stdout = &out
	res := s.run(t, context.Background(), s.newExecutor(t), task)
	if res.Status != state.StatusSucceeded {
		t.Fatalf("status %q", res.Status)
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
			_, err := s.newExecutor(t).Run(context.Background(), task)
			if err == nil {
				t.Fatal("Run succeeded, want an error")
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

// startTree runs the "tree" helper (leader and child both ignore SIGTERM)
// and returns its pids once Run returned.
func (s *suite) testTimeoutKillsTree(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pids")
	task := s.task("tree", pidfile)
	task.Timeout, task.Grace = 1500*time.Millisecond, 200*time.Millisecond
	start := time.Now()
	res := s.run(t, context.Background(), s.newExecutor(t), task)
	if res.Status != state.StatusTimedOut {
		t.Errorf("status %q, want %q", res.Status, state.StatusTimedOut)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("Run took %s for a 1.5s timeout and 200ms grace", d)
	}
	requireGone(t, pidfile, 2)
}

func (s *suite) testTimeoutGraceful(t *testing.T) {
	var out syncBuffer
	task := s.task("graceful")
	task.Stdout = &out
	task.Timeout, task.Grace = 500*time.Millisecond, time.Minute
	start := time.Now()
	res := s.run(t, context.Background(), s.newExecutor(t), task)
	if res.Status != state.StatusTimedOut {
		t.Errorf("status %q, want %q even though it exited 0 on SIGTERM", res.Status, state.StatusTimedOut)
	}
	if !strings.Contains(out.String(), "got TERM") {
		t.Errorf("the command was not sent SIGTERM first; output %q", out.String())
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Run waited %s: it must return as soon as the command exits, not after the grace period", d)
	}
}

func (s *suite) testCancel(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pids")
	task := s.task("tree", pidfile)
	task.Grace = 200 * time.Millisecond
	ready := newReadyWriter("ready")
	task.Stdout = ready
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan executor.Result, 1)
	e := s.newExecutor(t)
	go func() { done <- s.run(t, ctx, e, task) }()
	select {
	case <-ready.seen:
	case res := <-done:
		t.Fatalf("helper ended before it was ready: %+v", res)
	case <-time.After(30 * time.Second):
		t.Fatal("helper never became ready")
	}
	cancel()
	select {
	case res := <-done:
		if res.Status != state.StatusCancelled {
			t.Errorf("status %q, want %q", res.Status, state.StatusCancelled)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after cancellation")
	}
	requireGone(t, pidfile, 2)
}

func (s *suite) testCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	marker := filepath.Join(t.TempDir(), "pids")
	res, err := s.newExecutor(t).Run(ctx, s.task("child", marker))
	if err != nil {
		t.Fatalf("Run: %v (a cancelled context is a result, not an error)", err)
	}
	if res.Status != state.StatusCancelled {
		t.Errorf("status %q, want %q", res.Status, state.StatusCancelled)
	}
	if pids, _ := readPids(marker); len(pids) > 0 {
		for _, p := range pids {
			_ = killPid(p)
		}
		t.Error("the command ran although the context was already cancelled")
	}
}

func (s *suite) testNoOrphans(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pids")
	task := s.task("orphan", pidfile)
	start := time.Now()
	res := s.run(t, context.Background(), s.newExecutor(t), task)
	if res.Status != state.StatusSucceeded {
		t.Errorf("status %q, want %q", res.Status, state.StatusSucceeded)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("Run took %s: a child left behind must not hold it up", d)
	}
	requireGone(t, pidfile, 1)
}

func (s *suite) testConcurrent(t *testing.T) {
	e := s.newExecutor(t)
	const n = 4
	var wg sync.WaitGroup
	outs := make([]syncBuffer, n)
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

// requireGone checks that the want pids in pidfile have all stopped,
// allowing a moment for SIGKILL to be delivered. Survivors are killed so a
// failing test leaves nothing behind.
func requireGone(t *testing.T, pidfile string, want int) {
	t.Helper()
	pids, err := readPids(pidfile)
	if err != nil || len(pids) < want {
		t.Fatalf("helper wrote %d pids (%v), want %d: it did not start in time", len(pids), err, want)
	}
	deadline := time.Now().Add(3 * time.Second)
	for _, pid := range pids {
		for !processGone(pid) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !processGone(pid) {
			_ = killPid(pid)
			t.Errorf("process %d is still running after Run returned", pid)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the executor's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// readyWriter closes seen once a line equal to want was written.
type readyWriter struct {
	syncBuffer
	want string
	once sync.Once
	seen chan struct{}
}

func newReadyWriter(want string) *readyWriter {
	return &readyWriter{want: want, seen: make(chan struct{})}
}

func (w *readyWriter) Write(p []byte) (int, error) {
	n, err := w.syncBuffer.Write(p)
	if strings.Contains("\n"+w.String(), "\n"+w.want+"\n") {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}
