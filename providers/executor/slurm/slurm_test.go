//go:build unix

package slurm_test

import (
	"testing"
	"time"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/executortest"
	"github.com/mlform/mlform/providers/executor/slurm"
	"github.com/mlform/mlform/providers/executor/slurm/slurmtest"
)

func TestMain(m *testing.M) { executortest.Main(m) }

// newExecutor is a Slurm executor for the test cluster, polling fast so
// the suite's sub-second timeouts are enforced promptly.
func newExecutor(t *testing.T) *slurm.Executor {
	t.Helper()
	return slurm.New(slurm.Options{PollMin: 20 * time.Millisecond, PollMax: 500 * time.Millisecond, ScratchDir: t.TempDir()})
}

// TestConformance runs the executor suite, unchanged, against the Slurm
// test cluster.
func TestConformance(t *testing.T) {
	slurmtest.Need(t)
	executortest.RunConformance(t, func(t *testing.T) executor.Executor { return newExecutor(t) })
}
