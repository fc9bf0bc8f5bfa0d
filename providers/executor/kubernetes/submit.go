package kubernetes

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"

	"github.com/mlform/mlform/providers/executor"
)

// apiTimeout bounds one API call that is not a watch or a log stream.
const apiTimeout = 30 * time.Second

// Submit creates the task's Job and returns its name, for the caller to
// record before waiting (Attach), so that a later process can collect a
// Job that outlived the one that created it. Whether the command exists
// is only known once the pod starts in its image: a command that cannot
// start is reported by Attach.
//
// The task's environment goes in a Secret (EnvSecretName), created first
// and then owned by the Job (the garbage collector deletes it with the
// Job); the Job's container reads it with envFrom. A Submit killed in
// between leaves the Secret unowned: Find settles it.
func (e *Executor) Submit(ctx context.Context, t executor.Task) (string, error) {
	if err := t.Validate(); err != nil {
		return "", err
	}
	client, ns, err := e.connect()
	if err != nil {
		return "", fmt.Errorf("%s task for %s: %w", t.Step, t.Label(), err)
	}
	// Not cancelled with ctx: a create cut off mid-way may leave a Job
	// whose name nobody learnt. Run deletes what it created.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), apiTimeout)
	defer cancel()
	if err := e.checkServiceAccount(cctx, client, ns, t); err != nil {
		return "", err
	}
	for try := 0; ; try++ {
		name := JobPrefix(t) + randomSuffix()
		job, err := BuildJob(t, e.opts, ns, name)
		if err != nil {
			return "", err
		}
		created, err := e.create(cctx, client, ns, t, job)
		if apierrors.IsAlreadyExists(err) && try < 3 {
			continue // a name taken by chance
		}
		if err != nil {
			werr := fmt.Errorf("%s task for %s: create job in namespace %s: %w", t.Step, t.Label(), ns, err)
			if isRefusal(err) {
				// create left nothing behind: no Job exists.
				return "", &executor.RefusedError{Settings: e.opts.refusedSettings(err), Err: werr}
			}
			return "", werr
		}
		return created.Name, nil
	}
}

// checkServiceAccount refuses a service_account that does not exist before
// any Job is made. The API server accepts such a Job; only its pod is
// refused (the Job controller's FailedCreate), so the attempt would be
// numbered, wait StuckAfter and fail. An identity that may not read
// service accounts (the permission is optional, docs/executors.md), or
// any other answer, leaves it to that later failure. A namespace that does
// not exist answers NotFound too, so the refusal names both settings.
func (e *Executor) checkServiceAccount(ctx context.Context, client kubernetes.Interface, ns string, t executor.Task) error {
	name := e.opts.ServiceAccount
	if name == "" {
		return nil
	}
	_, err := client.CoreV1().ServiceAccounts(ns).Get(ctx, name, metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		return nil
	}
	settings := []string{"service_account"}
	if e.opts.Namespace != "" {
		settings = append(settings, "namespace")
	}
	return &executor.RefusedError{Settings: settings,
		Err: fmt.Errorf("%s task for %s: service account %q not found in namespace %s", t.Step, t.Label(), name, ns)}
}

// create creates the Job's env Secret, the Job, then makes the Job the
// Secret's owner; when a step fails nothing is left behind.
func (e *Executor) create(ctx context.Context, client kubernetes.Interface, ns string, t executor.Task, job *batchv1.Job) (*batchv1.Job, error) {
	secret := BuildEnvSecret(t, e.opts, ns, EnvSecretName(t, job.Name))
	secrets := client.CoreV1().Secrets(ns)
	if secret != nil {
		var err error
		if secret, err = secrets.Create(ctx, secret, metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("secret for the step's environment: %w", err)
		}
	}
	created, err := client.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{})
	if err != nil {
		if secret != nil {
			_ = secrets.Delete(ctx, secret.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &secret.UID}})
		}
		return nil, err
	}
	if secret != nil {
		secret.OwnerReferences = []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: created.Name, UID: created.UID}}
		if _, err := secrets.Update(ctx, secret, metav1.UpdateOptions{}); err != nil {
			// A Secret nothing would delete: undo both, the step has not
			// got far (its pod waited for nothing else).
			fg := metav1.DeletePropagationForeground
			_ = client.BatchV1().Jobs(ns).Delete(ctx, created.Name, metav1.DeleteOptions{PropagationPolicy: &fg})
			_ = secrets.Delete(ctx, secret.Name, metav1.DeleteOptions{})
			return nil, fmt.Errorf("make job %s the owner of its environment's secret: %w", created.Name, err)
		}
	}
	return created, nil
}

// nameChars are the characters Kubernetes' generateName draws from (no
// vowels: no words).
const nameChars = "bcdfghjklmnpqrstvwxz2456789"

// randomSuffix is five random characters ending a Job's name.
func randomSuffix() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = nameChars[int(b[i])%len(nameChars)]
	}
	return string(b[:])
}

// Find lists the names of the Jobs the namespace holds for a task (by
// its LabelTask), oldest first, running or finished and not yet removed
// by their TTL. It closes the gap between Submit returning and the caller
// recording the name: a caller killed in between finds the Job it created
// instead of creating a second one (and tidySecret settles its Secret).
func (e *Executor) Find(ctx context.Context, t executor.Task) ([]string, error) {
	client, ns, err := e.connect()
	if err != nil {
		return nil, err
	}
	sel := labels.Set{LabelTask: TaskID(t)}.String()
	cctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	list, err := client.BatchV1().Jobs(ns).List(cctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, fmt.Errorf("find kubernetes jobs for %s %s in namespace %s: %w", t.Label(), t.Step, ns, err)
	}
	items := list.Items
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i].CreationTimestamp, items[j].CreationTimestamp
		if !a.Equal(&b) {
			return a.Before(&b)
		}
		return items[i].Name < items[j].Name
	})
	names := make([]string, 0, len(items))
	for _, j := range items {
		if j.DeletionTimestamp == nil {
			names = append(names, j.Name)
		}
	}
	if attemptPart(t.Attempt) != "" {
		tidySecret(cctx, client, ns, t, items)
	}
	return names, nil
}

// tidySecret settles the environment Secret of an attempt whose submitter
// stopped between creating it and making its Job the owner: the Jobs
// found for the attempt become its owners (it goes with them), or, with
// no Job, it is deleted (nothing will read it). Best effort: a Secret it
// cannot read or change (no get or update permission) stays.
func tidySecret(ctx context.Context, client kubernetes.Interface, ns string, t executor.Task, jobs []batchv1.Job) {
	secrets := client.CoreV1().Secrets(ns)
	s, err := secrets.Get(ctx, EnvSecretName(t, ""), metav1.GetOptions{})
	if err != nil || len(s.OwnerReferences) > 0 || s.Labels[LabelTask] != TaskID(t) {
		return
	}
	if len(jobs) == 0 {
		_ = secrets.Delete(ctx, s.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &s.UID}})
		return
	}
	for _, j := range jobs {
		s.OwnerReferences = append(s.OwnerReferences, metav1.OwnerReference{APIVersion: "batch/v1", Kind: "Job", Name: j.Name, UID: j.UID})
	}
	_, _ = secrets.Update(ctx, s, metav1.UpdateOptions{})
}

// isRefusal reports whether the API server refused to create the Job or
// its Secret for good (the namespace does not exist, the identity may not
// create there, an object it finds invalid), as opposed to not answering.
func isRefusal(err error) bool {
	return apierrors.IsNotFound(err) || apierrors.IsForbidden(err) || apierrors.IsInvalid(err) || apierrors.IsBadRequest(err)
}

// refusedSettings names the settings, among those set, that the API
// server's refusal err is about: the namespace for one that does not
// exist or where creating is forbidden, and for an invalid object the
// settings behind the fields it names.
func (o Options) refusedSettings(err error) []string {
	var out []string
	add := func(name string, set bool) {
		if set && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
		add("namespace", o.Namespace != "")
		return out
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil {
		return out
	}
	for _, c := range status.Status().Details.Causes {
		f := c.Field
		switch {
		case strings.Contains(f, "nodeSelector"):
			add("node_selector", len(o.NodeSelector) > 0)
		case strings.Contains(f, "tolerations"):
			add("tolerations", len(o.Tolerations) > 0)
		case strings.Contains(f, "serviceAccountName"):
			add("service_account", o.ServiceAccount != "")
		case strings.Contains(f, "labels"):
			add("labels", len(o.Labels) > 0)
		case strings.Contains(f, "resources"):
			add("cpu", o.CPU != "")
			add("memory", o.Memory != "")
			add("gpus", o.GPUs > 0)
		case strings.Contains(f, "initContainers") && strings.HasSuffix(f, ".image"):
			add("init_image", o.InitImage != "")
		}
	}
	return out
}
