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
	"strconv"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/mlform/mlform/providers/executor"
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
func Register(r *executor.Registry) { r.Add(Name, Spec()) }

// Spec declares the Kubernetes executor and its `kubernetes { ... }`
// block: each setting is a string in kubectl's own notation (ParseOptions
// says which), gpus a whole number. Like Slurm's, every setting is
// placement, not part of a version's fingerprint.
func Spec() executor.Spec {
	decls := make([]executor.Setting, 0, len(settingNames)-1)
	for _, name := range settingNames[1:] { // image is the environment's own argument
		typ := executor.String
		if name == "gpus" {
			typ = executor.Int
		}
		decls = append(decls, executor.Setting{Name: name, Type: typ, Doc: settingDocs[name],
			Check:    func(v any) error { _, err := ParseOptions(map[string]string{name: settingString(v)}); return err },
			Required: name == "init_image"}) // every step mlform runs is `mlform step run` (RemoteBinary)
	}
	return executor.Spec{Factory: FromSettings, Honours: []string{"image"}, Requires: []string{"image"}, Settings: decls}
}

// FromSettings builds a Kubernetes executor from its decoded settings
// block; the image comes with each task (executor.Task.Image).
func FromSettings(s executor.Settings) (executor.Executor, error) {
	opts := make(map[string]string, len(s))
	for k, v := range s {
		opts[k] = settingString(v)
	}
	return Factory(opts)
}

// settingString is a decoded setting in ParseOptions' notation.
func settingString(v any) string {
	if n, ok := v.(int); ok {
		return strconv.Itoa(n)
	}
	s, _ := v.(string)
	return s
}

// settingDocs is the one-line reference of each setting.
var settingDocs = map[string]string{
	"namespace":          "namespace the step's Job runs in",
	"service_account":    "service account of the step's pod",
	"cpu":                `CPU request and limit ("2", "500m")`,
	"memory":             `memory request and limit ("4Gi")`,
	"gpus":               "nvidia.com/gpu limit",
	"node_selector":      `node labels the pod must match ("disktype=ssd,zone=a")`,
	"tolerations":        `taints the pod tolerates ("gpu=true:NoSchedule,spot:NoExecute")`,
	"labels":             `labels on the Job and pod ("team=ml")`,
	"secret_env":         `variables read from Secrets by the kubelet, never by mlform ("DB_PASSWORD=db-creds/password")`,
	"ttl_after_finished": `how long a finished Job is kept ("24h")`,
	"kubeconfig":         "kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)",
	"context":            "kubeconfig context (default: the current one)",
	"init_image":         "image holding mlform, run as an init container that gives each step the mlform binary (the repository's Dockerfile)",
	"init_binary":        `mlform's path inside init_image (default "/usr/local/bin/mlform")`,
}

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
	return executor.RunBatch(ctx, e, t, e.opts.Now)
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
