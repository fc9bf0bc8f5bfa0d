//go:build unix

package local_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/executortest"
	"github.com/mlform/mlform/providers/executor/local"
	"github.com/mlform/mlform/state"
)

func TestMain(m *testing.M) {
	// The supervised executor re-executes this binary as its supervisor,
	// as mlform re-executes itself.
	if len(os.Args) > 1 && os.Args[1] == local.SupervisorArg {
		os.Exit(local.Supervise(os.Args[2:]))
	}
	executortest.MainWithRunner(m, func() (executor.Executor, error) {
		self, err := os.Executable()
		return local.New(local.Options{Supervisor: self}), err
	})
}

func TestConformance(t *testing.T) {
	executortest.RunConformance(t, func(t *testing.T) executor.Executor {
		return local.New(local.Options{})
	})
}

// The supervised executor keeps every promise of the unsupervised one.
func TestConformanceSupervised(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	executortest.RunConformance(t, func(t *testing.T) executor.Executor {
		return local.New(local.Options{Supervisor: self})
	})
}

// Supervised, a step dies with a caller killed by SIGKILL.
func TestCallerKilled(t *testing.T) { executortest.RunCallerKilled(t) }

// A process that escaped the group (setsid) and holds the output pipes must
// not hang Run: after DrainTimeout the pipes are abandoned.
func TestEscapedProcessDoesNotHangRun(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pidfile := filepath.Join(t.TempDir(), "pids")
	t.Cleanup(func() {
		data, _ := os.ReadFile(pidfile)
		for _, f := range strings.Fields(string(data)) {
			if pid, err := strconv.Atoi(f); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	var out strings.Builder
	e := local.New(local.Options{DrainTimeout: 300 * time.Millisecond})
	start := time.Now()
	res, err := e.Run(context.Background(), executor.Task{
		Model: "m", Version: 1, Step: executor.StepTrain,
		Command: []string{self, pidfile},
		Env:     map[string]string{executortest.HelperEnv: "escape"},
		Timeout: time.Minute, Stdout: &out,
	})
	if err != nil || res.Status != state.StatusSucceeded {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Run took %s with a 300ms drain timeout", d)
	}
	if !strings.Contains(out.String(), "ready\n") {
		t.Errorf("output before the leader exited was lost: %q", out.String())
	}
}

// A command the supervisor cannot start (not a valid executable) is a Run
// error, exactly as without a supervisor, and nothing is left running.
func TestSupervisedStartError(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "garbage")
	if err := os.WriteFile(bad, []byte("\x00\x01 not a program"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sup := range []string{"", self} {
		res, err := local.New(local.Options{Supervisor: sup}).Run(context.Background(), executor.Task{
			Model: "m", Version: 1, Step: executor.StepTrain, Command: []string{bad}, Timeout: time.Minute,
		})
		if err == nil || !strings.Contains(err.Error(), "exec format error") {
			t.Errorf("supervisor %q: Run = %+v, %v; want an exec format error", sup, res, err)
		}
		if res.ExitCode != -1 || res.Status != state.StatusFailed {
			t.Errorf("supervisor %q: result %+v, want failed with exit code -1", sup, res)
		}
	}
}
