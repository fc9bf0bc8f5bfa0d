// Package kubernetes is the executor that runs a step as a Kubernetes
// batch/v1 Job: one pod, never retried by the cluster (backoffLimit 0),
// bounded by activeDeadlineSeconds, deleted by the cluster a while after
// it finishes (ttlSecondsAfterFinished). The executor watches the Job and
// its pod through the API (no polling), streams the container's logs, and
// stops a Job it must cancel or time out by deleting it with foreground
// propagation, so the pod's processes are gone when Run returns.
//
// As with Slurm, a Job outlives the process that created it: Submit
// returns the Job's name for the caller to record, Attach collects the Job
// later from the same or another process, Find lists a task's Jobs (for
// a caller killed before it recorded the name); Run is Submit then Attach.
//
// The container runs the task's command in the environment's image with
// the task's environment and working directory; docs/executors.md says
// what the image and cluster need.
package kubernetes

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/state"
)

// Name is the executor's name in `executor = "kubernetes"`.
const Name = "kubernetes"

// Executor runs tasks as Kubernetes Jobs. Safe for concurrent use.
type Executor struct {
	opts Options

	once   sync.Once
	client kubernetes.Interface
	ns     string
	err    error
}

// New returns a Kubernetes executor. It does not contact the cluster (nor
// read the kubeconfig): the first Submit, Attach or Find does.
func New(opts Options) *Executor {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Executor{opts: opts}
}

// Register adds the Kubernetes executor to r. It honours the environment's
// image setting: steps run in that image.
func Register(r *executor.Registry) { r.Register(Name, Factory, "image") }

// Factory builds a Kubernetes executor from an environment's settings
// (ParseOptions lists them). Any other key is an error naming it.
func Factory(opts map[string]string) (executor.Executor, error) {
	o, err := ParseOptions(opts)
	if err != nil {
		return nil, err
	}
	return New(o), nil
}

// Name implements executor.Executor.
func (e *Executor) Name() string { return Name }

// Run implements executor.Executor: it creates the Job and waits for it
// to end. A cancelled ctx or the task's timeout deletes the Job.
func (e *Executor) Run(ctx context.Context, t executor.Task) (executor.Result, error) {
	if err := ctx.Err(); err != nil {
		if verr := t.Validate(); verr != nil {
			return notStarted(e.opts.Now()), verr
		}
		now := e.opts.Now()
		return executor.Result{Status: state.StatusCancelled, ExitCode: -1, StartedAt: now, EndedAt: now}, nil
	}
	name, err := e.Submit(ctx, t)
	if err != nil {
		return notStarted(e.opts.Now()), err
	}
	return e.Attach(ctx, name, t)
}

// connect reads the kubeconfig (or the in-cluster configuration) once.
func (e *Executor) connect() (kubernetes.Interface, string, error) {
	e.once.Do(func() {
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		if e.opts.Kubeconfig != "" {
			rules.ExplicitPath = e.opts.Kubeconfig
		}
		overrides := &clientcmd.ConfigOverrides{CurrentContext: e.opts.Context}
		cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
		cfg, err := cc.ClientConfig()
		if err != nil {
			e.err = fmt.Errorf("kubernetes: no cluster configuration (kubeconfig or in-cluster service account): %w", err)
			return
		}
		cfg.UserAgent = "mlform"
		// Watches and log streams are long-lived; client-go's defaults
		// (5 QPS) would throttle parallel steps.
		cfg.QPS, cfg.Burst = 50, 100
		e.client, e.err = kubernetes.NewForConfig(cfg)
		if e.err != nil {
			e.err = fmt.Errorf("kubernetes: %w", e.err)
			return
		}
		e.ns = e.opts.Namespace
		if e.ns == "" {
			if ns, _, err := cc.Namespace(); err == nil && ns != "" {
				e.ns = ns
			} else {
				e.ns = "default"
			}
		}
	})
	return e.client, e.ns, e.err
}

// Namespace is where the executor's Jobs are, once the cluster
// configuration was read ("" before).
func (e *Executor) Namespace() string {
	_, ns, _ := e.connect()
	return ns
}

func notStarted(now time.Time) executor.Result {
	return executor.Result{Status: state.StatusFailed, ExitCode: -1, StartedAt: now, EndedAt: now}
}
