package kubernetes

import (
	"context"
	"fmt"
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/mlform/mlform/providers/executor"
)

// apiTimeout bounds one API call that is not a watch or a log stream.
const apiTimeout = 30 * time.Second

// Submit creates the task's Job and returns its name, for the caller to
// record before waiting (Attach), so that a later process can collect a
// Job that outlived the one that created it. Whether the command exists
// is only known once the pod starts in its image: a command that cannot
// start is reported by Attach.
func (e *Executor) Submit(ctx context.Context, t executor.Task) (string, error) {
	if err := t.Validate(); err != nil {
		return "", err
	}
	client, ns, err := e.connect()
	if err != nil {
		return "", fmt.Errorf("%s task for %s: %w", t.Step, t.Label(), err)
	}
	job, err := BuildJob(t, e.opts, ns)
	if err != nil {
		return "", err
	}
	// Not cancelled with ctx: a create cut off mid-way may leave a Job
	// whose name nobody learnt. Run deletes what it created.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), apiTimeout)
	defer cancel()
	created, err := client.BatchV1().Jobs(ns).Create(cctx, job, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("%s task for %s: create job in namespace %s: %w", t.Step, t.Label(), ns, err)
	}
	return created.Name, nil
}

// Find lists the names of the Jobs the namespace holds for a task (by
// its LabelTask), oldest first, running or finished and not yet removed
// by their TTL. It closes the gap between Submit returning and the caller
// recording the name: a caller killed in between finds the Job it created
// instead of creating a second one.
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
	return names, nil
}
