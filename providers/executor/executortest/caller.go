//go:build unix

package executortest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/syncbuf"
	"github.com/mlform/mlform/providers/executor"
)

// RunnerEnv makes a re-executed test binary a runner: it builds the
// executor given to MainWithRunner, runs one step with it and exits. The
// value is the step's helper mode and pid file, "MODE:PIDFILE".
const RunnerEnv = "MLFORM_EXECUTORTEST_RUNNER"

// MainWithRunner is Main for executors that promise that no step outlives
// the process that called Run, even when that process is killed with
// SIGKILL (mlform killed mid-train). newExecutor builds the executor in the
// runner process; the package's tests then call RunCallerKilled.
func MainWithRunner(m *testing.M, newExecutor func() (executor.Executor, error)) {
	if spec := os.Getenv(RunnerEnv); spec != "" && os.Getenv(HelperEnv) == "" {
		os.Exit(runRunner(spec, newExecutor))
	}
	Main(m)
}

// runRunner runs one step of helper mode with pidfile and reports its
// result on stdout.
func runRunner(spec string, newExecutor func() (executor.Executor, error)) int {
	mode, pidfile, ok := strings.Cut(spec, ":")
	if !ok {
		fmt.Fprintf(os.Stderr, "%s=%q: want MODE:PIDFILE\n", RunnerEnv, spec)
		return 2
	}
	e, err := newExecutor()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	self, err := os.Executable()
	if err != nil {
		return 2
	}
	res, err := e.Run(context.Background(), executor.Task{
		Model: "runner", Version: 1, Step: executor.StepTrain,
		Command: []string{self, pidfile},
		Env:     map[string]string{HelperEnv: mode},
		Timeout: time.Hour, Stdout: os.Stdout, Stderr: os.Stderr,
	})
	fmt.Printf("runner result %+v %v\n", res, err)
	return 0
}

// RunCallerKilled checks the promise of MainWithRunner: a runner process
// starts a step whose leader and child both ignore SIGTERM, and is killed
// with SIGKILL once both have written their pids. Every process of the
// step must then stop on its own within a few seconds.
func RunCallerKilled(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatalf("test binary: %v", err)
	}
	tests := []struct {
		name, mode string
		pids       int
	}{
		{"WhileRunning", "tree", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "pids")
			runner := exec.Command(self)
			runner.Env = append(os.Environ(), RunnerEnv+"="+tt.mode+":"+pidfile)
			out := syncbuf.NewLineWaiter("ready")
			runner.Stdout, runner.Stderr = out, os.Stderr
			if err := runner.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- runner.Wait() }()
			select {
			case <-out.Seen():
			case err := <-exited:
				t.Fatalf("runner ended before the step was ready: %v", err)
			case <-time.After(30 * time.Second):
				_ = runner.Process.Kill()
				t.Fatal("the step never became ready")
			}
			if !waitLines(pidfile, tt.pids, 10*time.Second) {
				t.Fatalf("the step wrote fewer than %d pids", tt.pids)
			}
			if err := runner.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-exited
			requireGone(t, pidfile, tt.pids)
		})
	}
}
