//go:build unix

package local_test

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/executortest"
	"github.com/mlform/mlform/providers/executor/local"
	"github.com/mlform/mlform/state"
)

// BenchmarkRun is the executor's own cost per step: start a process group,
// stream its output, reap it and sweep the group (the helper command is the
// re-executed test binary, which dominates).
func BenchmarkRun(b *testing.B) { benchRun(b, "exit", "0", 0) }

// BenchmarkRunOutput streams 10,000 lines on each stream through one run.
func BenchmarkRunOutput(b *testing.B) { benchRun(b, "flood", "10000", 2*10000*110) }

// benchRun runs the executor test helper in mode (with arg) once per
// iteration; bytes is what each run streams (0: not measured).
func benchRun(b *testing.B, mode, arg string, bytes int64) {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	e := local.New(local.Options{})
	task := executor.Task{
		Model: "bench", Version: 1, Step: executor.StepTrain,
		Command: []string{self, arg},
		Env:     map[string]string{executortest.HelperEnv: mode},
		Timeout: time.Minute, Stdout: io.Discard, Stderr: io.Discard,
	}
	if bytes > 0 {
		b.SetBytes(bytes)
	}
	for b.Loop() {
		if res, err := e.Run(context.Background(), task); err != nil || res.Status != state.StatusSucceeded {
			b.Fatalf("%+v %v", res, err)
		}
	}
}
