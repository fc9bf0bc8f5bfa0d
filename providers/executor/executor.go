// Package executor is the seam between mlform's apply engine and whatever
// actually runs a model's train or evaluate command: a local process group
// today, a Slurm job or a Kubernetes Job later. Every executor satisfies the
// same small interface and passes the same conformance suite
// (executortest.RunConformance), so switching `executor = "..."` in an
// environment block changes where a step runs and nothing else.
//
// The package also owns the training contract of docs/training-contract.md: the environment
// variables a command receives (Contract), the read-only data directory
// (MakeReadOnly) and the metrics file it must write (ReadMetrics).
package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Steps a Task can run.
const (
	StepTrain    = "train"
	StepEvaluate = "evaluate"
)

// DefaultGrace is how long an executor waits between asking a step to stop
// (SIGTERM) and forcing it (SIGKILL) when Task.Grace is zero.
const DefaultGrace = 10 * time.Second

// Executor runs one step of a model. Implementations must be safe for
// concurrent use: apply runs independent trains in parallel.
type Executor interface {
	// Name is the value of `executor = "..."` that selects this executor.
	Name() string
	// Run runs the task to completion, timeout or cancellation. It returns
	// an error only when the command could not be started (not found, not
	// executable, bad task); a non-zero exit, a timeout or a cancellation is
	// a Result with the matching state.Status* and a nil error.
	Run(ctx context.Context, t Task) (Result, error)
}

// Task is one step to run.
type Task struct {
	// Model and Version identify the attempt (for messages and remote job
	// names); Model is the model's name, e.g. "churn".
	Model   string
	Version int
	// Step is StepTrain or StepEvaluate.
	Step string
	// Attempt, when set, is short text unique to this attempt (a remote
	// step's spec id prefix): batch executors put it in the job's name, so
	// that finding a job by name never picks another workspace's job for
	// the same model and version.
	Attempt string
	// Command is the argv. Command[0] containing a slash is resolved
	// relative to Dir; otherwise it is looked up in the PATH the command
	// will see.
	Command []string
	// Dir is the working directory (the workspace); "" means the current
	// directory.
	Dir string
	// Image is the environment's image, for executors that run steps in
	// a container (those registered as honouring "image"); "" when none.
	Image string
	// Env is added to the executor's minimal inherited environment and wins
	// over it: the Contract variables plus the environment block's env.
	// Values may be secret; executors never print them.
	Env map[string]string
	// Timeout bounds the run; zero means none. Grace is the time between
	// SIGTERM and SIGKILL once the step must stop; zero means DefaultGrace.
	Timeout, Grace time.Duration
	// Stdout and Stderr receive the command's output byte for byte, one
	// whole line per Write (a line longer than 64 KiB takes several; a final
	// line without a newline gets one), so output of parallel steps
	// interleaves by line. nil discards. The executor adds no prefix, so the
	// same writer can feed the stored logs; wrap the terminal in a
	// PrefixWriter to label lines.
	Stdout, Stderr io.Writer
	// Progress, when set, is called as a queued step changes state (a batch
	// executor's PENDING with the queue's reason, then RUNNING on a node).
	// Executors that start steps at once (local) never call it. Calls for
	// one task are sequential; nil ignores progress.
	Progress func(Progress)
}

// Progress is a step's state in a queue, as a batch system reports it.
type Progress struct {
	// JobID is the scheduler's id for the step ("1234" on Slurm).
	JobID string
	// State is the scheduler's own name for it: "PENDING", "RUNNING".
	State string
	// Reason is why a pending step waits ("Resources", "Priority"); "" when
	// there is none.
	Reason string
	// Host is the node a running step runs on.
	Host string
	// Since is when the step entered State.
	Since time.Time
}

// Result is how a run ended.
type Result struct {
	// Status is state.StatusSucceeded, StatusFailed, StatusTimedOut or
	// StatusCancelled.
	Status string
	// ExitCode is the command's exit code, 128+N when it was killed by
	// signal N, and -1 when it never started.
	ExitCode  int
	StartedAt time.Time
	EndedAt   time.Time
	// Host is where the command ran.
	Host string
	// Reason says why a step that did not succeed ended, in the words of
	// whatever ran it when that is more than the exit code tells (a batch
	// system's "slurm job 12 NODE_FAIL on node-3"); "" otherwise.
	Reason string
	// Detail says, for lineage, what of the run the executor saw beyond
	// Host (Kubernetes: "pod NAME, image REF"); "" when nothing.
	Detail string
	// ImageDigest is the image's content digest as the system that ran
	// the step resolved it (Kubernetes: the container's imageID); "" when
	// unknown.
	ImageDigest string
}

// Validate reports what is wrong with a task before anything runs.
func (t Task) Validate() error {
	var errs []error
	if len(t.Command) == 0 || t.Command[0] == "" {
		errs = append(errs, errors.New("command is empty"))
	}
	if t.Step != StepTrain && t.Step != StepEvaluate {
		errs = append(errs, fmt.Errorf("step %q is not %q or %q", t.Step, StepTrain, StepEvaluate))
	}
	if t.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %s is negative", t.Timeout))
	}
	if t.Grace < 0 {
		errs = append(errs, fmt.Errorf("grace %s is negative", t.Grace))
	}
	for k := range t.Env {
		if !validEnvKey(k) {
			errs = append(errs, fmt.Errorf("environment variable name %q is not valid", k))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%s task for %s: %w", t.Step, t.Label(), err)
	}
	return nil
}

// Label names the attempt in messages: "model.churn v3".
func (t Task) Label() string {
	if t.Version > 0 {
		return fmt.Sprintf("model.%s v%d", t.Model, t.Version)
	}
	return "model." + t.Model
}

// validEnvKey accepts what a POSIX environment can carry unambiguously: a
// non-empty name without '=' or NUL.
func validEnvKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] == '=' || k[i] == 0 {
			return false
		}
	}
	return true
}
