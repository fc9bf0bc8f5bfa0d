package kubernetes

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// settingNames are the keys Factory accepts: an environment's `image` and
// the keys of its `kubernetes { ... }` block.
var settingNames = [...]string{"image", "namespace", "service_account", "cpu", "memory", "gpus",
	"node_selector", "tolerations", "labels", "secret_env", "ttl_after_finished", "kubeconfig", "context",
	"init_image", "init_binary"}

// SecretEnv is an environment variable a step's container reads from a
// Kubernetes Secret: the kubelet resolves it, so the value never passes
// through mlform.
type SecretEnv struct {
	// Name is the variable, Secret the Secret's name in the Job's
	// namespace, Key the key in it.
	Name, Secret, Key string
}

// Options configure an Executor. Image is required to run anything.
type Options struct {
	// Image is the step container's image.
	Image string
	// Namespace is where Jobs are created; "" is the kubeconfig context's
	// namespace (the pod's own when running in a cluster), else "default".
	Namespace string
	// ServiceAccount is the pods' service account; "" is the namespace's
	// default.
	ServiceAccount string
	// CPU and Memory are the container's requests and limits, as
	// Kubernetes quantities ("2", "500m"; "4Gi"); "" sets none.
	CPU, Memory string
	// GPUs is the container's nvidia.com/gpu limit; zero requests none.
	GPUs int
	// NodeSelector and Tolerations place the pod; Labels are added to the
	// Job and its pods (mlform's own labels win).
	NodeSelector map[string]string
	Tolerations  []corev1.Toleration
	Labels       map[string]string
	// SecretEnv are variables the container reads from Secrets.
	SecretEnv []SecretEnv
	// TTLAfterFinished is how long a finished Job (and its pod and logs)
	// stays for inspection before Kubernetes deletes it; zero means a day.
	TTLAfterFinished time.Duration

	// DeadlineSlack is how much longer than a task's timeout Kubernetes
	// lets its Job run (activeDeadlineSeconds): the cluster counts from
	// the Job's creation, time pending (scheduling, pulling the image)
	// included, while mlform times a step from its container's start.
	// The deadline stops a Job nobody watches any more (apply was
	// killed). Zero means one minute; negative means none.
	DeadlineSlack time.Duration

	// InitImage is the image of the init container that puts the mlform
	// binary on a volume the step's container shares (the repository's Dockerfile
	// builds one), so the step image need not hold mlform; "" adds no
	// init container (then the executor runs only commands the step image
	// has, not remote steps). InitBinary is mlform's path inside it; ""
	// means DefaultInitBinary.
	InitImage, InitBinary string

	// Kubeconfig and Context choose the cluster: "" uses the usual
	// discovery (KUBECONFIG, ~/.kube/config, then the in-cluster service
	// account) and the current context.
	Kubeconfig, Context string
	// Grace replaces executor.DefaultGrace for tasks that leave Grace zero.
	Grace time.Duration
	// StuckAfter is how long a container may wait with a reason a
	// kubelet can leave by itself (CreateContainerConfigError,
	// CreateContainerError: a Secret created a moment before is not in
	// its cache yet, an API call timed out) before the step counts as
	// stuck, and how long the API server may refuse a Job's pod as
	// forbidden or invalid (the Job controller's FailedCreate: a service
	// account created a moment later) before it does; 0 means
	// DefaultStuckAfter.
	StuckAfter time.Duration
	// Now stamps results; nil means time.Now.
	Now func() time.Time
}

// defaultTTL keeps a finished Job a day: long enough to re-attach after a
// killed apply and to read its pod's logs.
const defaultTTL = 24 * time.Hour

// ParseOptions reads the settings Factory accepts into Options, naming
// every setting that is unknown or malformed. Maps and lists are written
// in one string each, as kubectl writes them:
//
//	node_selector       "disktype=ssd,zone=a"
//	labels              "team=ml,cost-center=42"
//	tolerations         "gpu=true:NoSchedule,spot:NoExecute,dedicated:Exists"
//	                    (key[=value][:effect]; a key without a value
//	                    tolerates any value)
//	secret_env          "DB_PASSWORD=db-creds/password,TOKEN=api/token"
//	                    (VARIABLE=SECRET/KEY)
//	ttl_after_finished  a Go duration ("1h"), whole seconds
func ParseOptions(opts map[string]string) (Options, error) {
	var o Options
	var errs []error
	bad := func(k, v, want string) {
		errs = append(errs, fmt.Errorf("setting %s = %q: want %s", k, v, want))
	}
	// kept is where the settings stored as written go, for the cases
	// that check two settings alike.
	kept := map[string]*string{
		"image": &o.Image, "init_image": &o.InitImage,
		"cpu": &o.CPU, "memory": &o.Memory,
		"kubeconfig": &o.Kubeconfig, "context": &o.Context,
	}
	for _, k := range slices.Sorted(maps.Keys(opts)) {
		v := opts[k]
		switch k {
		case "image", "init_image":
			if v == "" || strings.ContainsAny(v, " \t\n") {
				bad(k, v, "an image reference without spaces")
				continue
			}
			*kept[k] = v
		case "namespace":
			if msgs := validation.IsDNS1123Label(v); len(msgs) > 0 {
				bad(k, v, "a namespace name: "+strings.Join(msgs, "; "))
				continue
			}
			o.Namespace = v
		case "service_account":
			if msgs := validation.IsDNS1123Subdomain(v); len(msgs) > 0 {
				bad(k, v, "a service account name: "+strings.Join(msgs, "; "))
				continue
			}
			o.ServiceAccount = v
		case "cpu", "memory":
			q, err := resource.ParseQuantity(v)
			if err != nil || q.Sign() <= 0 {
				bad(k, v, `a positive Kubernetes quantity ("2", "500m", "4Gi")`)
				continue
			}
			*kept[k] = v
		case "gpus":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				bad(k, v, "a whole number of GPUs")
				continue
			}
			o.GPUs = n
		case "node_selector":
			parseInto(&errs, &o.NodeSelector, k, v, parseLabels)
		case "labels":
			parseInto(&errs, &o.Labels, k, v, parseJobLabels)
		case "tolerations":
			parseInto(&errs, &o.Tolerations, k, v, parseTolerations)
		case "secret_env":
			parseInto(&errs, &o.SecretEnv, k, v, parseSecretEnv)
		case "ttl_after_finished":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 || d%time.Second != 0 {
				bad(k, v, `a positive duration in whole seconds ("1h", "90s")`)
				continue
			}
			o.TTLAfterFinished = d
		case "init_binary":
			if !strings.HasPrefix(v, "/") || strings.ContainsAny(v, "\n\x00") {
				bad(k, v, "an absolute path inside the init image")
				continue
			}
			o.InitBinary = v
		case "kubeconfig", "context":
			if v == "" {
				bad(k, v, "a non-empty value")
				continue
			}
			*kept[k] = v
		default:
			errs = append(errs, fmt.Errorf("unknown setting %q (the kubernetes executor accepts: %s)", k, strings.Join(settingNames[:], ", ")))
		}
	}
	return o, errors.Join(errs...)
}

// parseInto sets *dst to what parse makes of v, the value of setting k,
// or adds parse's error, naming k, to errs: the list settings each have
// their own syntax but are reported alike.
func parseInto[T any](errs *[]error, dst *T, k, v string, parse func(string) (T, error)) {
	x, err := parse(v)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("setting %s: %w", k, err))
		return
	}
	*dst = x
}

// items splits a comma-separated list, ignoring spaces around items.
func items(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseLabels reads "k=v,k2=v2", each a valid label key and value.
func parseLabels(v string) (map[string]string, error) {
	m := map[string]string{}
	for _, it := range items(v) {
		k, val, ok := strings.Cut(it, "=")
		if !ok {
			return nil, fmt.Errorf("%q: want key=value", it)
		}
		if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
			return nil, fmt.Errorf("key %q: %s", k, strings.Join(msgs, "; "))
		}
		if msgs := validation.IsValidLabelValue(val); len(msgs) > 0 {
			return nil, fmt.Errorf("value %q of %s: %s", val, k, strings.Join(msgs, "; "))
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("key %q given twice", k)
		}
		m[k] = val
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("%q: want key=value pairs separated by commas", v)
	}
	return m, nil
}

// parseJobLabels reads the labels setting: as parseLabels, without the
// labels the Job controller puts on a Job's pods (batch.kubernetes.io/*,
// and the legacy controller-uid and job-name). The API server refuses a
// Job whose pod template sets them to anything else, so each such Job
// would fail at its creation.
func parseJobLabels(v string) (map[string]string, error) {
	m, err := parseLabels(v)
	if err != nil {
		return nil, err
	}
	keys := slices.Sorted(maps.Keys(m))
	for _, k := range keys {
		if strings.HasPrefix(k, "batch.kubernetes.io/") || k == "controller-uid" || k == "job-name" {
			return nil, fmt.Errorf("key %q: the Job controller sets this label on the pods itself, and the API server refuses a Job that sets it", k)
		}
	}
	return m, nil
}

var effects = map[string]corev1.TaintEffect{
	"NoSchedule": corev1.TaintEffectNoSchedule, "PreferNoSchedule": corev1.TaintEffectPreferNoSchedule,
	"NoExecute": corev1.TaintEffectNoExecute,
}

// parseTolerations reads kubectl's taint syntax: key[=value][:effect],
// with "Exists" as the effect part tolerating every effect of key.
func parseTolerations(v string) ([]corev1.Toleration, error) {
	var out []corev1.Toleration
	for _, it := range items(v) {
		kv, effect, hasEffect := strings.Cut(it, ":")
		key, val, hasVal := strings.Cut(kv, "=")
		switch {
		case key == "" && hasVal:
			return nil, fmt.Errorf("%q: an empty key tolerates every taint (\":Exists\", or \":NoSchedule\" for every taint of that effect) and takes no value", it)
		case key == "":
			// Kubernetes' own rule: an empty key with Exists matches
			// every key.
		default:
			if msgs := validation.IsQualifiedName(key); len(msgs) > 0 {
				return nil, fmt.Errorf("%q: key %q: %s", it, key, strings.Join(msgs, "; "))
			}
		}
		t := corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists}
		if hasVal {
			if msgs := validation.IsValidLabelValue(val); len(msgs) > 0 {
				return nil, fmt.Errorf("%q: value %q: %s", it, val, strings.Join(msgs, "; "))
			}
			t.Operator, t.Value = corev1.TolerationOpEqual, val
		}
		if hasEffect && effect != "Exists" {
			e, ok := effects[effect]
			if !ok {
				return nil, fmt.Errorf("%q: effect %q is not NoSchedule, PreferNoSchedule, NoExecute or Exists", it, effect)
			}
			t.Effect = e
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%q: want key[=value][:effect] separated by commas", v)
	}
	return out, nil
}

// parseSecretEnv reads "VAR=secret/key,...".
func parseSecretEnv(v string) ([]SecretEnv, error) {
	var out []SecretEnv
	seen := map[string]bool{}
	for _, it := range items(v) {
		name, ref, ok := strings.Cut(it, "=")
		secret, key, ok2 := strings.Cut(ref, "/")
		if !ok || !ok2 {
			return nil, fmt.Errorf("%q: want VARIABLE=SECRET/KEY", it)
		}
		if msgs := validation.IsEnvVarName(name); len(msgs) > 0 {
			return nil, fmt.Errorf("%q: variable %q: %s", it, name, strings.Join(msgs, "; "))
		}
		if strings.HasPrefix(name, "MLFORM_") {
			// The runner never passes these on to the command, and the
			// kubelet's value would replace the protocol's own
			// (MLFORM_STEP_STORES, MLFORM_STEP_PASS, ...).
			return nil, fmt.Errorf("%q: variable %q: MLFORM_* names belong to mlform (the training contract and the remote-step protocol)", it, name)
		}
		if msgs := validation.IsDNS1123Subdomain(secret); len(msgs) > 0 {
			return nil, fmt.Errorf("%q: secret name %q: %s", it, secret, strings.Join(msgs, "; "))
		}
		if msgs := validation.IsConfigMapKey(key); len(msgs) > 0 {
			return nil, fmt.Errorf("%q: key %q: %s", it, key, strings.Join(msgs, "; "))
		}
		if seen[name] {
			return nil, fmt.Errorf("variable %s given twice", name)
		}
		seen[name] = true
		out = append(out, SecretEnv{Name: name, Secret: secret, Key: key})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%q: want VARIABLE=SECRET/KEY separated by commas", v)
	}
	return out, nil
}
