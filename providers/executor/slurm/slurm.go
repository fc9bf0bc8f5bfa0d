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
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/state"
)

// Name is the executor's name in `executor = "slurm"`.
const Name = "slurm"

// Settings are the options Factory accepts, the keys of an environment's
// `slurm { ... }` block.
var settingNames = [...]string{"partition", "account", "qos", "cpus", "memory", "gpus", "constraint", "extra_args"}

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
	// GPUs is --gpus: a count ("2") or type and count ("a100:2").
	GPUs string
	// Constraint is --constraint, a node feature expression.
	Constraint string
	// ExtraArgs are passed to sbatch after everything else. Flags the
	// executor sets itself (output files, job name, time limit, ...) are
	// refused by Factory.
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

// Register adds the Slurm executor to r. It honours none of the shared
// environment settings beyond executor, files and env: `image` is refused
// by validate until jobs run in containers.
func Register(r *executor.Registry) { r.Register(Name, Factory) }

// Name implements executor.Executor.
func (e *Executor) Name() string { return Name }

// Run implements executor.Executor: it submits the task and waits for the
// job to end. A cancelled ctx or the task's timeout stops the job with
// scancel (SIGTERM, then SIGKILL after the grace period).
func (e *Executor) Run(ctx context.Context, t executor.Task) (executor.Result, error) {
	if err := ctx.Err(); err != nil {
		if verr := t.Validate(); verr != nil {
			return notStarted(e.opts.Now()), verr
		}
		now := e.opts.Now()
		return executor.Result{Status: state.StatusCancelled, ExitCode: -1, StartedAt: now, EndedAt: now}, nil
	}
	id, err := e.Submit(ctx, t)
	if err != nil {
		return notStarted(e.opts.Now()), err
	}
	return e.Attach(ctx, id, t)
}

// Factory builds a Slurm executor from an environment's `slurm { ... }`
// settings: partition, account, qos, cpus, memory, gpus, constraint and
// extra_args (sbatch flags separated by spaces). Any other key is an error
// naming it.
func Factory(opts map[string]string) (executor.Executor, error) {
	o, err := ParseOptions(opts)
	if err != nil {
		return nil, err
	}
	return New(o), nil
}

var (
	memoryRe = regexp.MustCompile(`^[0-9]+[KMGT]?$`)
	gpusRe   = regexp.MustCompile(`^([A-Za-z0-9_.-]+:)?[1-9][0-9]*$`)
	nameRe   = regexp.MustCompile(`^[A-Za-z0-9_.,:&|()!*+@-]+$`)
)

// ParseOptions reads the settings Factory accepts into Options, naming
// every setting that is unknown or malformed.
func ParseOptions(opts map[string]string) (Options, error) {
	var o Options
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	bad := func(k, v, want string) {
		errs = append(errs, fmt.Errorf("setting %s = %q: want %s", k, v, want))
	}
	for _, k := range keys {
		v := opts[k]
		switch k {
		case "partition", "account", "qos", "constraint":
			if !nameRe.MatchString(v) {
				bad(k, v, "a Slurm name or expression without spaces")
				continue
			}
			switch k {
			case "partition":
				o.Partition = v
			case "account":
				o.Account = v
			case "qos":
				o.QOS = v
			default:
				o.Constraint = v
			}
		case "cpus":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				bad(k, v, "a positive whole number")
				continue
			}
			o.CPUs = n
		case "memory":
			if !memoryRe.MatchString(v) {
				bad(k, v, `megabytes, or a size with a K, M, G or T suffix ("16G")`)
				continue
			}
			o.Memory = v
		case "gpus":
			if !gpusRe.MatchString(v) {
				bad(k, v, `a count ("2") or type:count ("a100:2")`)
				continue
			}
			o.GPUs = v
		case "extra_args":
			args, err := parseExtraArgs(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("setting extra_args: %w", err))
				continue
			}
			o.ExtraArgs = args
		default:
			errs = append(errs, fmt.Errorf("unknown setting %q (the slurm executor accepts: %s)", k, strings.Join(settingNames[:], ", ")))
		}
	}
	return o, errors.Join(errs...)
}

// reserved are the sbatch flags the executor sets itself (or that would
// change how it follows the job), with the setting to use instead where
// there is one.
var reserved = map[string]string{
	"--parsable": "", "--job-name": "", "-J": "", "--output": "", "-o": "",
	"--error": "", "-e": "", "--input": "", "-i": "", "--chdir": "", "-D": "",
	"--export": "", "--export-file": "", "--time": "Timeout", "-t": "Timeout",
	"--wrap": "", "--requeue": "", "--no-requeue": "", "--array": "", "-a": "",
	"--wait": "", "-W": "", "--test-only": "", "--hold": "", "-H": "",
	"--open-mode": "", "--signal": "", "--cluster": "", "--clusters": "", "-M": "",
	"--partition": "partition", "-p": "partition", "--account": "account", "-A": "account",
	"--qos": "qos", "-q": "qos", "--cpus-per-task": "cpus", "-c": "cpus",
	"--mem": "memory", "--gpus": "gpus", "-G": "gpus", "--constraint": "constraint", "-C": "constraint",
}

// parseExtraArgs splits extra_args at spaces; every word must be a flag
// ("--exclusive", "--nice=10") or follow one as its value, and none may be
// one the executor sets.
func parseExtraArgs(v string) ([]string, error) {
	args := strings.Fields(v)
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return nil, fmt.Errorf("%q is not an sbatch flag (flags start with -)", args[0])
	}
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(a, "=")
		if len(name) > 2 && name[1] != '-' {
			name = name[:2] // -c4
		}
		if setting, ok := reserved[name]; ok {
			if setting == "" {
				return nil, fmt.Errorf("%s is set by the executor itself", name)
			}
			if setting == "Timeout" {
				return nil, fmt.Errorf("%s comes from the step's timeout", name)
			}
			return nil, fmt.Errorf("%s: use the %s setting", name, setting)
		}
	}
	return args, nil
}

func notStarted(now time.Time) executor.Result {
	return executor.Result{Status: state.StatusFailed, ExitCode: -1, StartedAt: now, EndedAt: now}
}
