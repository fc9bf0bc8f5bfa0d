//go:build unix

// Package executortest is the conformance suite every executor must pass:
// the training contract reaches the command, exit codes and output are
// reported faithfully, and a step that overruns or is cancelled is stopped
// with every process it started. The commands under test are the test
// binary itself re-executed in a helper mode (see Main), so the suite needs
// no shell and behaves the same on every machine.
package executortest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/mlform/mlform/providers/executor"
)

// RunConformance runs the suite against executors made by newExecutor.
// The calling package's TestMain must call Main, and the calling test must
// not be parallel: the suite sets an environment variable to prove it does
// not leak into commands.
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
	t.Run("LongLine", s.testLongLine)
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
