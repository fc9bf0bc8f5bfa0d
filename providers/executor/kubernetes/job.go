package kubernetes

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/remote"
)

// Labels and annotations mlform puts on its Jobs and their pods.
const (
	// LabelTask holds TaskID: Find selects a task's Jobs by it.
	LabelTask = "mlform.dev/task"
	// LabelModel, LabelVersion and LabelStep say what runs, for kubectl
	// users (LabelModel only when the model's name is a valid label value).
	LabelModel   = "mlform.dev/model"
	LabelVersion = "mlform.dev/version"
	LabelStep    = "mlform.dev/step"
	// AnnotationTask is the task's label ("model.churn v3 train"), exact.
	AnnotationTask = "mlform.dev/task"
	labelManagedBy = "app.kubernetes.io/managed-by"
	// jobNameLabel is the label the Job controller puts on a Job's pods.
	jobNameLabel = "batch.kubernetes.io/job-name"
)

// ContainerName is the name of the container that runs the step;
// InitContainerName the one that installs mlform (Options.InitImage).
const (
	ContainerName     = "step"
	InitContainerName = "mlform-install"
)

// The volume the init container puts mlform on: BinaryPath is where the
// step's container finds it (its RemoteBinary).
const (
	binVolume = "mlform-bin"
	binDir    = "/mlform/bin"
	// BinaryPath is the mlform binary in a step's pod.
	BinaryPath = binDir + "/mlform"
	// DefaultInitBinary is mlform's path in the init image
	// (the repository's Dockerfile puts it there).
	DefaultInitBinary = "/usr/local/bin/mlform"
)

// TaskID identifies a task's Jobs: a hash of model, version, step and
// attempt (when set), as a label value.
func TaskID(t executor.Task) string {
	key := fmt.Sprintf("%s\x00%d\x00%s", t.Model, t.Version, t.Step)
	if t.Attempt != "" {
		key += "\x00" + t.Attempt
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])[:40]
}

// JobPrefix is the start of a task's Job names, "mlform-churn-v3-train-",
// with the task's Attempt when set ("mlform-churn-v3-train-1a2b3c4d5e6f-");
// Submit adds five random characters (EnvSecretName adds "env"). The model's name is lower-cased
// with anything but letters, digits and '-' replaced by '-', shortened so
// the name stays within the 63 characters a Job name may have.
func JobPrefix(t executor.Task) string {
	var b strings.Builder
	for _, r := range strings.ToLower(t.Model) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	model := strings.Trim(b.String(), "-")
	suffix := "-" + t.Step + "-"
	if t.Version > 0 {
		suffix = fmt.Sprintf("-v%d-%s-", t.Version, t.Step)
	}
	if a := attemptPart(t.Attempt); a != "" {
		suffix += a + "-"
	}
	const max = 63 - 5 // generateName's random part
	if room := max - len("mlform-") - len(suffix); len(model) > room {
		model = strings.TrimRight(model[:room], "-")
	}
	if model == "" {
		return "mlform" + suffix
	}
	return "mlform-" + model + suffix
}

// attemptPart is an attempt id as it may stand in a Job name: lower-case
// letters and digits, at most 12 ("" if nothing is left).
func attemptPart(a string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(a) {
		if b.Len() < 12 && ((r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// escape makes s reach the container verbatim: Kubernetes expands
// $(VAR) in env values, commands and args, and $$ is a literal $.
func escape(s string) string { return strings.ReplaceAll(s, "$", "$$") }

// taskLabels are the labels of a task's Job, its pod and its env Secret.
func taskLabels(t executor.Task, o Options) map[string]string {
	labels := map[string]string{}
	for k, v := range o.Labels {
		labels[k] = v
	}
	labels[LabelTask] = TaskID(t)
	labels[LabelStep] = t.Step
	labels[LabelVersion] = strconv.Itoa(t.Version)
	labels[labelManagedBy] = "mlform"
	if len(validation.IsValidLabelValue(t.Model)) == 0 {
		labels[LabelModel] = t.Model
	}
	return labels
}

// EnvSecretName is the name of the Secret holding task t's environment
// for its Job named job. With an Attempt it is fixed by the task
// (JobPrefix + "env", "mlform-churn-v3-train-1a2b3c4d5e6f-env"), so a
// process that finds the attempt's Jobs (Find) also finds the Secret of a
// Submit killed before it made a Job its owner; without one, the Job's
// name.
func EnvSecretName(t executor.Task, job string) string {
	if attemptPart(t.Attempt) != "" {
		return JobPrefix(t) + "env"
	}
	return job
}

// BuildEnvSecret is the Secret named name that holds task t's
// environment (store URLs, credentials, the environment block's values):
// the Job's container reads it with envFrom, so none of it is written in
// the Job or pod objects. nil when the task has no environment. Submit
// makes the Job its owner, so it goes with the Job.
func BuildEnvSecret(t executor.Task, o Options, ns, name string) *corev1.Secret {
	if len(t.Env) == 0 {
		return nil
	}
	data := make(map[string][]byte, len(t.Env))
	for k, v := range t.Env {
		data[k] = []byte(v)
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: taskLabels(t, o),
			Annotations: map[string]string{AnnotationTask: t.Label() + " " + t.Step}},
		Type: corev1.SecretTypeOpaque, Data: data,
	}
}

// BuildJob is the Job named name that runs task t in namespace ns: one pod
// (backoffLimit 0: a failed step is mlform's to retry, not the
// cluster's), restartPolicy Never, activeDeadlineSeconds from the task's
// timeout (plus Options.DeadlineSlack), ttlSecondsAfterFinished, and a grace period from the task's.
// The command runs as the container's command (the image's entrypoint is
// not used), in t.Dir when set, with t.Env (from the Secret named
// EnvSecretName, BuildEnvSecret) and the secret_env variables. With
// Options.InitImage an init container first copies mlform from that
// image to BinaryPath, on a volume the step's container mounts read-only.
func BuildJob(t executor.Task, o Options, ns, name string) (*batchv1.Job, error) {
	if t.Image != "" {
		o.Image = t.Image
	}
	if o.Image == "" {
		return nil, fmt.Errorf("%s task for %s: the kubernetes executor needs an image (the environment's image setting)", t.Step, t.Label())
	}
	labels := taskLabels(t, o)
	annotations := map[string]string{AnnotationTask: t.Label() + " " + t.Step}

	c := corev1.Container{Name: ContainerName, Image: o.Image, ImagePullPolicy: corev1.PullIfNotPresent,
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError}
	for _, a := range t.Command {
		c.Command = append(c.Command, escape(a))
	}
	if t.Dir != "" {
		dir, err := filepath.Abs(t.Dir)
		if err != nil {
			return nil, fmt.Errorf("%s task for %s: working directory: %w", t.Step, t.Label(), err)
		}
		c.WorkingDir = dir
	}
	keys := slices.Sorted(maps.Keys(t.Env))
	secret := map[string]bool{}
	for _, s := range o.SecretEnv {
		secret[s.Name] = true
	}
	for _, k := range keys {
		if secret[k] {
			return nil, fmt.Errorf("%s task for %s: environment variable %s is also in secret_env; set it in one place", t.Step, t.Label(), k)
		}
		if k == remote.EnvPass {
			return nil, fmt.Errorf("%s task for %s: environment variable %s is the executor's own", t.Step, t.Label(), k)
		}
	}
	if len(t.Env) > 0 {
		// envFrom values are taken as they are ($(VAR) is not expanded).
		c.EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: EnvSecretName(t, name)}}}}
	}
	if len(o.SecretEnv) > 0 {
		// The runner of a remote step passes these on to the command and
		// redacts their values (remote.EnvPass).
		names := make([]string, len(o.SecretEnv))
		for i, s := range o.SecretEnv {
			names[i] = s.Name
		}
		c.Env = append(c.Env, corev1.EnvVar{Name: remote.EnvPass, Value: escape(strings.Join(names, ","))})
	}
	for _, s := range o.SecretEnv {
		c.Env = append(c.Env, corev1.EnvVar{Name: s.Name, ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: s.Secret}, Key: s.Key}}})
	}
	var initCtrs []corev1.Container
	var volumes []corev1.Volume
	if o.InitImage != "" {
		bin := o.InitBinary
		if bin == "" {
			bin = DefaultInitBinary
		}
		mount := corev1.VolumeMount{Name: binVolume, MountPath: binDir}
		initCtrs = []corev1.Container{{Name: InitContainerName, Image: o.InitImage, ImagePullPolicy: corev1.PullIfNotPresent,
			Command:                  []string{escape(bin), "step", "install", BinaryPath},
			VolumeMounts:             []corev1.VolumeMount{mount},
			TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError}}
		mount.ReadOnly = true
		c.VolumeMounts = append(c.VolumeMounts, mount)
		volumes = []corev1.Volume{{Name: binVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	}
	res := corev1.ResourceList{}
	for name, v := range map[corev1.ResourceName]string{corev1.ResourceCPU: o.CPU, corev1.ResourceMemory: o.Memory} {
		if v == "" {
			continue
		}
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return nil, fmt.Errorf("kubernetes %s %q: %w", name, v, err)
		}
		res[name] = q
	}
	if o.GPUs > 0 {
		res["nvidia.com/gpu"] = *resource.NewQuantity(int64(o.GPUs), resource.DecimalSI)
	}
	if len(res) > 0 {
		// Requests equal to limits: the step gets what it asked for and
		// cannot take more (GPUs may only be limits; Kubernetes copies
		// them to requests).
		c.Resources.Limits = res
		c.Resources.Requests = res.DeepCopy()
		delete(c.Resources.Requests, "nvidia.com/gpu")
	}

	grace := t.Grace
	if grace == 0 {
		grace = o.Grace
	}
	if grace == 0 {
		grace = executor.DefaultGrace
	}
	ttl := o.TTLAfterFinished
	if ttl == 0 {
		ttl = defaultTTL
	}
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels, Annotations: annotations},
		Spec: batchv1.JobSpec{
			BackoffLimit:            ptr(int32(0)),
			TTLSecondsAfterFinished: ptr(int32(ttl / time.Second)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: annotations},
				Spec: corev1.PodSpec{
					RestartPolicy:                 corev1.RestartPolicyNever,
					ServiceAccountName:            o.ServiceAccount,
					NodeSelector:                  o.NodeSelector,
					Tolerations:                   o.Tolerations,
					TerminationGracePeriodSeconds: ptr(ceilSeconds(grace)),
					// The step's environment is what mlform gives it, not
					// the namespace's services.
					EnableServiceLinks: ptr(false),
					InitContainers:     initCtrs,
					Containers:         []corev1.Container{c},
					Volumes:            volumes,
				},
			},
		},
	}
	if t.Timeout > 0 {
		slack := o.DeadlineSlack
		if slack == 0 {
			slack = defaultDeadlineSlack
		}
		job.Spec.ActiveDeadlineSeconds = ptr(ceilSeconds(t.Timeout + max(slack, 0)))
	}
	return job, nil
}

// defaultDeadlineSlack: see Options.DeadlineSlack.
const defaultDeadlineSlack = time.Minute

// ceilSeconds rounds d up to whole seconds, at least one.
func ceilSeconds(d time.Duration) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

func ptr[T any](v T) *T { return &v }
