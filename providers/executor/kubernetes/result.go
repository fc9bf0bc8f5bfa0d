package kubernetes

import (
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/state"
)

// outcome is what the watch last saw of a Job, for classify.
type outcome struct {
	Job     string
	Cond    *batchv1.JobCondition // Complete or Failed; nil if neither was seen
	Pod     *corev1.Pod           // the newest pod, as last seen; nil if none
	Cause   stopCause
	Stuck   string // why the executor ended a stuck pod
	Gone    bool   // deleted, by the executor or someone else
	PodGone bool   // Pod was deleted while watched (its last state)
	Timeout time.Duration
	Memory  string // the memory limit, for OOMKilled
}

// result turns what the watch saw into a Result. A command that could not
// start in its container is an error, as it is for the local executor.
func (w *watch) result() (executor.Result, error) {
	o := outcome{Job: w.name, Pod: w.pod, Cause: w.cause, Stuck: w.stuck, Gone: w.gone,
		Timeout: w.task.Timeout, Memory: w.e.opts.Memory, PodGone: w.podGone(w.pod)}
	if w.job != nil {
		o.Cond = finishedCondition(w.job)
	}
	r := executor.Result{ExitCode: -1}
	if w.pod != nil {
		r.Host = w.pod.Spec.NodeName
		if w.pod.Status.StartTime != nil {
			r.StartedAt = w.pod.Status.StartTime.Time
		}
	}
	if cs := containerStatus(w.pod); cs != nil {
		switch {
		case cs.State.Terminated != nil:
			t := cs.State.Terminated
			r.ExitCode = int(t.ExitCode)
			r.StartedAt, r.EndedAt = t.StartedAt.Time, t.FinishedAt.Time
			if startFailed(t) {
				r.ExitCode = -1
			}
		case cs.State.Running != nil:
			r.StartedAt = cs.State.Running.StartedAt.Time
		}
	}
	if r.StartedAt.IsZero() && w.job != nil {
		r.StartedAt = w.job.CreationTimestamp.Time
	}
	if r.EndedAt.IsZero() || r.EndedAt.Before(r.StartedAt) {
		r.EndedAt = w.e.opts.Now()
	}
	if r.StartedAt.IsZero() || r.StartedAt.After(r.EndedAt) {
		r.StartedAt = r.EndedAt
	}
	r.Status, r.Reason = classify(o)
	r.Detail, r.ImageDigest = detail(w.pod)
	if cs := containerStatus(w.pod); cs != nil && cs.State.Terminated != nil && startFailed(cs.State.Terminated) && o.Cause == notStopped {
		cmd := ""
		if len(w.task.Command) > 0 {
			cmd = w.task.Command[0]
		}
		return r, fmt.Errorf("%s task for %s: command %q could not start in pod %s: %s", w.task.Step, w.task.Label(), cmd, w.pod.Name, cs.State.Terminated.Message)
	}
	if w.pod == nil && w.createFail != "" && o.Cause != stoppedStuck && r.Status != state.StatusSucceeded {
		// A Job that ended (its deadline, deleted) without ever having a
		// pod: the Job controller's last refusal says why.
		r.Reason += " (no pod was created; last " + w.createFail + ")"
	}
	w.logMu.Lock()
	notes := w.logNotes
	w.logMu.Unlock()
	if len(notes) > 0 && r.Status != state.StatusSucceeded {
		r.Reason += " (" + notes[0] + ")"
	}
	return r, nil
}

// classify maps what was seen to a status and, unless the step
// succeeded, the cluster's reason. A Job the executor stopped is timed out
// or cancelled whatever state the stop left it in (a command may exit 0 on
// SIGTERM); a Job deleted by someone else is a failure: mlform did not
// ask for it.
func classify(o outcome) (string, string) {
	where := "kubernetes job " + o.Job
	if o.Pod != nil {
		where += " pod " + o.Pod.Name
		if o.Pod.Spec.NodeName != "" {
			where += " on " + o.Pod.Spec.NodeName
		}
	}
	switch o.Cause {
	case stoppedTimeout:
		return state.StatusTimedOut, fmt.Sprintf("%s stopped: timeout %s reached", where, o.Timeout)
	case stoppedCancel:
		return state.StatusCancelled, where + " cancelled by mlform"
	case stoppedStuck:
		return state.StatusFailed, fmt.Sprintf("kubernetes job %s could not start: %s", o.Job, o.Stuck)
	}
	var term *corev1.ContainerStateTerminated
	if cs := containerStatus(o.Pod); cs != nil {
		term = cs.State.Terminated
	}
	// What happened to the pod, in the cluster's words, when it was more
	// than its command exiting.
	podWhy := ""
	if o.Pod != nil {
		for _, c := range o.Pod.Status.Conditions {
			if c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue {
				podWhy = oneLine(c.Reason, c.Message)
			}
		}
		if o.Pod.Status.Reason != "" {
			podWhy = oneLine(o.Pod.Status.Reason, o.Pod.Status.Message)
		}
	}
	if o.Cond != nil && o.Cond.Type == batchv1.JobComplete {
		if term == nil || term.ExitCode == 0 {
			return state.StatusSucceeded, ""
		}
	}
	if o.Cond != nil && o.Cond.Type == batchv1.JobFailed && o.Cond.Reason == batchv1.JobReasonDeadlineExceeded {
		return state.StatusTimedOut, fmt.Sprintf("%s: %s (activeDeadlineSeconds)", where, oneLine(o.Cond.Reason, o.Cond.Message))
	}
	if term != nil && term.Reason == "OOMKilled" {
		limit := ""
		if o.Memory != "" {
			limit = " of " + o.Memory
		}
		return state.StatusFailed, fmt.Sprintf("%s: container OOMKilled (exit code %d): it used more than its memory limit%s", where, term.ExitCode, limit)
	}
	if podWhy != "" {
		return state.StatusFailed, fmt.Sprintf("%s: %s", where, podWhy)
	}
	if why := initFailed(o.Pod); why != "" {
		return state.StatusFailed, fmt.Sprintf("%s: %s", where, why)
	}
	if o.Cond == nil && o.Gone {
		return state.StatusFailed, where + " was deleted outside mlform before it finished"
	}
	// mlform deletes the Job, never its pod: a pod deleted while its Job
	// had not finished was deleted by someone (kubectl delete pod). A
	// forced delete (--grace-period=0 --force) removes it before the
	// kubelet reports its container ended, so no exit code is known.
	podDeleted := o.Pod != nil && (o.Pod.DeletionTimestamp != nil || o.PodGone)
	if term != nil && term.ExitCode != 0 {
		why := ""
		if term.Reason != "" && term.Reason != "Error" {
			why = " (" + term.Reason + ")"
		}
		if podDeleted {
			// mlform deletes the Job, never its pod: someone deleted the
			// pod (kubectl delete pod), and the kubelet stopped the step.
			return state.StatusFailed, fmt.Sprintf("%s was deleted outside mlform before it finished: container exited with code %d%s", where, term.ExitCode, why)
		}
		return state.StatusFailed, fmt.Sprintf("%s: container exited with code %d%s", where, term.ExitCode, why)
	}
	if podDeleted && term == nil {
		return state.StatusFailed, where + " was deleted outside mlform before it finished"
	}
	if o.Cond != nil {
		return state.StatusFailed, fmt.Sprintf("%s: %s", where, oneLine(o.Cond.Reason, o.Cond.Message))
	}
	return state.StatusFailed, where + " ended without a result"
}

// initFailed says why an init container (the one installing mlform)
// ended the pod before the step could run; "" when none did.
func initFailed(p *corev1.Pod) string {
	if p == nil {
		return ""
	}
	for _, cs := range p.Status.InitContainerStatuses {
		if t := cs.State.Terminated; t != nil && t.ExitCode != 0 {
			why := fmt.Sprintf("init container %s (image %s) exited with code %d", cs.Name, cs.Image, t.ExitCode)
			if msg := oneLine(t.Reason, t.Message); msg != "" && msg != "Error" {
				why += ": " + msg
			}
			return why
		}
	}
	return ""
}

// detail is what lineage records of where a step ran beyond its node:
// the pod, and the image as the cluster resolved it (containerStatuses'
// imageID: a digest-pinned reference, or the runtime's image id), with
// that digest alone as the second result ("" when the cluster gave none).
func detail(p *corev1.Pod) (string, string) {
	if p == nil {
		return "", ""
	}
	d := "pod " + p.Name
	cs := containerStatus(p)
	if cs == nil {
		return d, ""
	}
	image := cs.Image
	if image == "" {
		for _, c := range p.Spec.Containers {
			if c.Name == ContainerName {
				image = c.Image
			}
		}
	}
	id := strings.TrimPrefix(cs.ImageID, "docker-pullable://")
	switch {
	case id != "" && id != image:
		d += ", image " + image + " (" + id + ")"
	case image != "":
		d += ", image " + image
	}
	return d, imageDigest(id)
}

// imageDigest is the content digest in an imageID ("repo@sha256:..." or
// "sha256:..."); "" when it holds none.
func imageDigest(id string) string {
	if _, dg, ok := strings.Cut(id, "@"); ok {
		id = dg
	}
	alg, hex, ok := strings.Cut(id, ":")
	if !ok || alg == "" || len(hex) < 32 || strings.ContainsAny(alg, "/ ") {
		return ""
	}
	return id
}
