//go:build !unix

package local

import (
	"context"
	"fmt"
	"runtime"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/state"
)

// Run refuses: the local executor's guarantees (a process group stopped as
// a whole) need POSIX process groups and signals.
func (e *Executor) Run(ctx context.Context, t executor.Task) (executor.Result, error) {
	now := e.opts.Now()
	res := executor.Result{Status: state.StatusFailed, ExitCode: -1, Host: e.host, StartedAt: now, EndedAt: now}
	return res, fmt.Errorf("%s %s: the local executor needs a POSIX system (process groups and signals), not %s", t.Step, t.Label(), runtime.GOOS)
}
