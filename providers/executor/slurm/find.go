package slurm

import (
	"context"
	"fmt"
	"strings"

	"github.com/mlform/mlform/providers/executor"
)

// Find lists the ids of the jobs Slurm knows for a task (by its job name,
// JobName), oldest first, queued, running or recently finished. It closes
// the gap between sbatch returning and the caller recording the id: a
// caller killed in between finds the job it submitted instead of
// submitting a second one. Only the current user's jobs are listed.
func (e *Executor) Find(ctx context.Context, t executor.Task) ([]string, error) {
	name := JobName(t)
	out, err := e.command(ctx, nil, nil, "squeue", "-h", "--me", "-t", "all", "--name="+name, "-o", "%i", "--sort=i")
	if err != nil {
		return nil, fmt.Errorf("find slurm jobs named %s: %w", name, err)
	}
	return strings.Fields(out), nil
}
