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

func TestMain(m *testing.M) { executortest.Main(m) }

func TestConformance(t *testing.T) {
	executortest.RunConformance(t, func(t *testing.T) executor.Executor {
		return local.New(local.Options{})
	})
}

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
