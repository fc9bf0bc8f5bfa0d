package executor

import (
	"context"
	"errors"
	"time"

	"github.com/mlform/mlform/state"
)

// ErrJobGone is wrapped by a Batch's Attach (and Describe) for a job the
// batch system does not know: never queued, deleted, or purged after it
// ended. It is final, unlike a controller that does not answer: a caller
// that finds no step result either records the attempt as lost instead
// of waiting for the job on every run.
var ErrJobGone = errors.New("the batch system does not know the job")

// RefusedError is what a Batch's Submit returns when the batch system
// refused the job outright (sbatch's error, the API server's refusal to
// create it): no job exists, so nothing ran and nothing is left to
// collect. Settings names the executor settings the refusal is about,
// when the system's answer says (a partition, a namespace), for the
// caller to point at where they are set.
type RefusedError struct {
	Settings []string
	Err      error
}

func (e *RefusedError) Error() string { return e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

// Batch is an executor whose steps run as jobs of a batch system (Slurm,
// Kubernetes): a job outlives the process that submitted it, so the
// caller records its id before waiting and any later process can collect
// it. Batch executors run steps through the remote-step protocol
// (providers/executor/remote): the Task they are given runs
// `mlform step run`, which fetches the step's inputs from the store on
// whatever machine the job lands on.
type Batch interface {
	Executor
	// Submit queues the task and returns the job's id. It checks what it
	// can on this machine first (the command exists and is executable).
	Submit(ctx context.Context, t Task) (string, error)
	// Attach follows job id until it ends (streaming its output to the
	// task's writers and its queue states to t.Progress) and returns the
	// result; a cancelled ctx stops the job.
	Attach(ctx context.Context, id string, t Task) (Result, error)
	// Find lists the ids of the jobs the system knows for the task (by
	// its model, version and step), oldest first: a caller killed between
	// submitting and recording the id finds the job instead of submitting
	// another.
	Find(ctx context.Context, t Task) ([]string, error)
	// Describe reports a job's queue state now.
	Describe(ctx context.Context, id string) (Progress, error)
	// RemoteBinary is the path of the mlform binary the jobs run (the
	// same version as this one, on a path the nodes see); checked to be
	// an executable file here.
	RemoteBinary() (string, error)
}

// RunBatch is Run for a batch executor: Submit, then Attach with the same
// ctx (a cancelled ctx or the task's timeout stops the job). A ctx
// cancelled before anything was submitted is a cancelled result; a task
// that could not be submitted, a failed one that never started. now
// stamps those results.
func RunBatch(ctx context.Context, b Batch, t Task, now func() time.Time) (Result, error) {
	if err := ctx.Err(); err != nil {
		if verr := t.Validate(); verr != nil {
			return notStarted(now()), verr
		}
		at := now()
		return Result{Status: state.StatusCancelled, ExitCode: -1, StartedAt: at, EndedAt: at}, nil
	}
	id, err := b.Submit(ctx, t)
	if err != nil {
		return notStarted(now()), err
	}
	return b.Attach(ctx, id, t)
}

func notStarted(at time.Time) Result {
	return Result{Status: state.StatusFailed, ExitCode: -1, StartedAt: at, EndedAt: at}
}

// JobClock times a batch job against its task's timeout. The timeout
// counts from when the job's command started: when this Attach first saw
// it run or, for a job already running when Attach first looks (a
// re-attach by a later process), from the start the batch system reports,
// so that re-attaching does not extend it. The zero value has no timeout.
type JobClock struct {
	Timeout time.Duration
	started time.Time
}

// Running records that the command runs. reported is the start the batch
// system gives (zero: unknown); it is believed only on Attach's first
// look, when the job may have been running for a while.
func (c *JobClock) Running(reported time.Time, firstLook bool) {
	if !c.started.IsZero() {
		return
	}
	c.started = time.Now()
	if firstLook && !reported.IsZero() {
		c.started = reported
	}
}

// Left returns the time until the timeout, and false when there is none
// to wait for: the task has no timeout or the command has not started.
func (c *JobClock) Left() (time.Duration, bool) {
	if c.Timeout <= 0 || c.started.IsZero() {
		return 0, false
	}
	return time.Until(c.started.Add(c.Timeout)), true
}

// Expired reports whether the timeout has passed.
func (c *JobClock) Expired() bool {
	d, ok := c.Left()
	return ok && d <= 0
}
