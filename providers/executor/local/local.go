// Package local is the executor that runs a step as a process group on this
// machine. It is the reference implementation of executor.Executor: the
// whole group is stopped on timeout or cancellation (SIGTERM, a grace
// period, then SIGKILL), and once the command exits any process it left
// behind in its group is killed, so no trainer outlives its attempt. With
// Options.Supervisor the group is also killed when the calling process
// dies, even by SIGKILL (supervise.go), so no trainer outlives mlform.
package local

import (
	"os"
	"time"

	"github.com/mlform/mlform/internal/whoami"

	"github.com/mlform/mlform/providers/executor"
)

// Name is the executor's name in `executor = "local"`.
const Name = "local"

// Options configure an Executor. The zero value is usable.
type Options struct {
	// Grace replaces executor.DefaultGrace for tasks that leave Grace zero.
	Grace time.Duration
	// Now stamps StartedAt and EndedAt; nil means time.Now.
	Now func() time.Time
	// Getenv reads the environment inherited by commands; nil means
	// os.Getenv.
	Getenv func(string) string
	// DrainTimeout bounds how long Run waits, after the group is gone, for
	// output still held open by a process that left the group; zero means
	// 2s.
	DrainTimeout time.Duration
	// Supervisor is the path of a binary that runs Supervise when its
	// first argument is SupervisorArg (mlform itself). When set, each step
	// runs under that supervisor, which kills the step's whole process
	// group if the calling process dies (even by SIGKILL). "" runs the
	// command directly: it then outlives a killed caller.
	Supervisor string
}

// Executor runs tasks as local process groups. Safe for concurrent use.
type Executor struct {
	opts Options
	host string
}

// New returns a local executor.
func New(opts Options) *Executor {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.DrainTimeout == 0 {
		opts.DrainTimeout = 2 * time.Second
	}
	return &Executor{opts: opts, host: whoami.Host()}
}

// Settings declares the local executor's settings block,
// `local { grace = "30s" }`.
var settings = []executor.Setting{
	{Name: "grace", Type: executor.Duration, Doc: "time between SIGTERM and SIGKILL when a step must stop (default 10s)"},
}

// Spec declares the local executor: its factory and its settings.
func Spec() executor.Spec {
	return executor.Spec{Factory: Factory, Settings: settings}
}

// Factory builds a local executor from its decoded settings (see Spec).
func Factory(s executor.Settings) (executor.Executor, error) {
	return New(Options{Grace: s.Duration("grace")}), nil
}

// WithSupervisor returns a copy of e that runs steps under supervisor
// (see Options.Supervisor; "" runs them directly).
func (e *Executor) WithSupervisor(supervisor string) *Executor {
	c := *e
	c.opts.Supervisor = supervisor
	return &c
}

// Register adds the local executor to r.
func Register(r *executor.Registry) { r.Add(Name, Spec()) }

// Name implements executor.Executor.
func (e *Executor) Name() string { return Name }
