// Package slurm is the executor that runs a step as a Slurm batch job:
// `sbatch --parsable` submits it, `scontrol show job` (and `sacct` once a
// finished job has left the controller's memory, where accounting exists)
// follows it through the queue, and `scancel` stops it. Slurm has no watch
// API, so the executor polls with backoff.
//
// A job outlives the process that submitted it by design: Submit returns
// the job id for the caller to record and Attach collects the job later,
// from the same or another process; Run is Submit then Attach.
//
// The job runs the task's command in the task's directory with the task's
// environment, so every node must see that directory, the command and the
// scratch directory holding the job's output files at the same paths (a
// shared filesystem); docs/executors.md lists what nodes need.
package slurm

import (
	"context"
	"os"
	"time"

	"github.com/mlform/mlform/providers/executor"
)

// Name is the executor's name in `executor = "slurm"`.
const Name = "slurm"

// Options configure an Executor. The zero value submits to the cluster's
// defaults.
type Options struct {
	// Partition, Account and QOS are sbatch's --partition, --account and
	// --qos; "" leaves the cluster's default.
	Partition, Account, QOS string
	// CPUs is --cpus-per-task; zero leaves the default (one).
	CPUs int
	// Memory is --mem, the memory per node: "4096" (megabytes) or with a
	// K, M, G or T suffix.
	Memory string
	// GPUs is --gres=gpu:N: a count ("2") or type and count ("a100:2").
	GPUs string
	// Constraint is --constraint, a node feature expression.
	Constraint string
	// ExtraArgs are passed to sbatch after everything else, one flag a
	// word. Flags the executor sets itself (output files, job name, time
	// limit, ...) are refused by the extra_args setting's check.
	ExtraArgs []string

	// Binary is the mlform binary jobs run (`mlform step run`, the
	// remote-step protocol), at a path every node sees; "" is the running
	// binary. RemoteBinary checks it.
	Binary string

	// Commands is the directory holding sbatch, scontrol, scancel and
	// sacct; "" finds them in PATH.
	Commands string
	// ScratchDir is where each job gets a directory for its output files;
	// "" means os.TempDir(). Nodes must see it at the same path.
	ScratchDir string
	// PollMin and PollMax bound the backoff between queries to Slurm:
	// it starts at PollMin after a change and doubles up to PollMax.
	// Zero means 100ms and 5s.
	PollMin, PollMax time.Duration
	// Grace replaces executor.DefaultGrace for tasks that leave Grace zero.
	Grace time.Duration
	// Getenv reads the environment inherited by jobs and by the Slurm
	// commands; nil means os.Getenv.
	Getenv func(string) string
	// Now stamps results; nil means time.Now.
	Now func() time.Time
}

// Executor submits tasks as Slurm batch jobs. Safe for concurrent use.
type Executor struct {
	opts Options
}

// New returns a Slurm executor. It does not contact the cluster: a
// missing sbatch is reported by the first Submit.
func New(opts Options) *Executor {
	if opts.PollMin <= 0 {
		opts.PollMin = 100 * time.Millisecond
	}
	if opts.PollMax <= 0 {
		opts.PollMax = 5 * time.Second
	}
	if opts.PollMax < opts.PollMin {
		opts.PollMax = opts.PollMin
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Executor{opts: opts}
}

// Register adds the Slurm executor to r (see Spec).
func Register(r *executor.Registry) { r.Add(Name, Spec()) }

// Name implements executor.Executor.
func (e *Executor) Name() string { return Name }

// Run implements executor.Executor: it submits the task and waits for the
// job to end. A cancelled ctx or the task's timeout stops the job with
// scancel (SIGTERM, then SIGKILL after the grace period).
func (e *Executor) Run(ctx context.Context, t executor.Task) (executor.Result, error) {
	return executor.RunBatch(ctx, e, t, e.opts.Now)
}
