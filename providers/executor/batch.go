package executor

import (
	"context"
	"errors"
)

// ErrJobGone is wrapped by a Batch's Attach (and Describe) for a job the
// batch system does not know: never queued, deleted, or purged after it
// ended. It is final, unlike a controller that does not answer: a caller
// that finds no step result either records the attempt as lost instead
// of waiting for the job on every run.
var ErrJobGone = errors.New("the batch system does not know the job")

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
