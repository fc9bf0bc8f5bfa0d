package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/mlform/mlform/providers/executor"
)

// Describe implements executor.Batch: the Job's state now. While it runs
// that is its newest pod's ("Pending" with why, "Running" on a node);
// once it ended, the Job's condition ("Complete", "Failed" with the
// cluster's reason). A Job the namespace does not hold is ErrUnknownJob.
func (e *Executor) Describe(ctx context.Context, name string) (executor.Progress, error) {
	client, ns, err := e.connect()
	if err != nil {
		return executor.Progress{}, err
	}
	cctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	job, err := client.BatchV1().Jobs(ns).Get(cctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return executor.Progress{}, fmt.Errorf("kubernetes job %s in namespace %s: %w", name, ns, ErrUnknownJob)
	}
	if err != nil {
		return executor.Progress{}, fmt.Errorf("kubernetes job %s in namespace %s: %w", name, ns, err)
	}
	list, err := client.CoreV1().Pods(ns).List(cctx, metav1.ListOptions{LabelSelector: labels.Set{jobNameLabel: name}.String()})
	if err != nil {
		return executor.Progress{}, fmt.Errorf("pods of kubernetes job %s in namespace %s: %w", name, ns, err)
	}
	var pods []*corev1.Pod
	for i := range list.Items {
		if p := &list.Items[i]; ownedBy(p, job) {
			pods = append(pods, p)
		}
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].CreationTimestamp.Before(&pods[j].CreationTimestamp) })
	pr := executor.Progress{JobID: name, State: "Pending", Reason: "no pod yet", Since: job.CreationTimestamp.Time}
	if len(pods) > 0 {
		p := pods[len(pods)-1]
		pr.Host = p.Spec.NodeName
		if pp := podProgress(name, p); pp.State != "" {
			pr = pp
		}
	}
	switch c := finishedCondition(job); {
	case c != nil:
		pr.State, pr.Reason, pr.Since = string(c.Type), oneLine(c.Reason, c.Message), c.LastTransitionTime.Time
	case job.DeletionTimestamp != nil:
		pr.State, pr.Reason, pr.Since = "Deleting", "", job.DeletionTimestamp.Time
	}
	return pr, nil
}

// RemoteBinary implements executor.Batch: where a step's pod has mlform,
// BinaryPath, put there by the init container from Options.InitImage. It
// cannot be checked from here (the binary is in an image); without an
// init image there is none.
func (e *Executor) RemoteBinary() (string, error) {
	if e.opts.InitImage == "" {
		return "", errors.New("the kubernetes executor runs each step as `mlform step run` in its pod and needs mlform there: " +
			"set init_image in the environment's kubernetes block to an image holding mlform (the repository's Dockerfile builds one)")
	}
	return BinaryPath, nil
}

var _ executor.Batch = (*Executor)(nil)
