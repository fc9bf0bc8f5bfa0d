package slurm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlform/mlform/providers/executor"
)

// Describe implements executor.Batch: the job's queue state now.
func (e *Executor) Describe(ctx context.Context, id string) (executor.Progress, error) {
	info, err := e.Query(ctx, id)
	if err != nil {
		return executor.Progress{}, err
	}
	since := info.Submit
	if info.State == "RUNNING" && !info.Start.IsZero() {
		since = info.Start
	}
	return executor.Progress{JobID: info.ID, State: info.State, Reason: info.Reason, Host: info.Node, Since: since}, nil
}

// RemoteBinary implements executor.Batch: Options.Binary, by default the
// running mlform binary, which must be an executable regular file; nodes
// must see it at the same path (a shared filesystem), which this machine
// cannot check.
func (e *Executor) RemoteBinary() (string, error) {
	bin := e.opts.Binary
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return "", fmt.Errorf("the mlform binary for slurm jobs: %w", err)
		}
		bin = exe
	}
	if !filepath.IsAbs(bin) {
		return "", fmt.Errorf("the mlform binary for slurm jobs %q: want an absolute path the nodes see", bin)
	}
	info, err := os.Stat(bin)
	switch {
	case err != nil:
		return "", fmt.Errorf("the mlform binary for slurm jobs: %w", err)
	case !info.Mode().IsRegular() || info.Mode()&0o111 == 0:
		return "", fmt.Errorf("the mlform binary for slurm jobs %s is not an executable file", bin)
	}
	return bin, nil
}

var _ executor.Batch = (*Executor)(nil)
