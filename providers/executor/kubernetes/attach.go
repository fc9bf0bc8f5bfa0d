package kubernetes

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/state"
)

// ErrUnknownJob is returned by Attach for a Job the namespace does not
// hold (never created, or removed after its TTL).
var ErrUnknownJob = fmt.Errorf("no such kubernetes job (%w)", executor.ErrJobGone)

// stopCause is why the executor itself ended a Job.
type stopCause int

const (
	notStopped stopCause = iota
	stoppedCancel
	stoppedTimeout
	// stoppedStuck: the pod cannot start and will not by itself (an image
	// that cannot be pulled, a missing Secret).
	stoppedStuck
)

// settleTimeout bounds how long a Job the executor deleted may take to go
// (its pod's grace period comes on top).
const settleTimeout = 2 * time.Minute

// logWait bounds how long Attach waits, once the Job ended, for the rest
// of the container's logs.
const logWait = 30 * time.Second

// Attach follows Job name until it ends and returns its result, streaming
// the container's output to t.Stdout and t.Stderr and the pod's states to
// t.Progress. It is how Run waits, and how a caller that recorded the
// name collects a Job that outlived the process that created it (the
// output is then streamed again from its start, while the pod exists).
//
// t is the task the Job was created for. Its Timeout is enforced from the
// container's start (time pending does not count), to the moment; a
// cancelled ctx stops the Job the same way and the result is cancelled.
// Both delete the Job with foreground propagation and wait until it is
// gone, so its pod and processes are too. Use a context that is never
// cancelled to wait without stopping the Job on the way out.
//
// An error means the Job could not be followed (the API did not answer,
// or the namespace holds no such Job: ErrUnknownJob) or its command
// could not start in the container; the Job may then still exist.
func (e *Executor) Attach(ctx context.Context, name string, t executor.Task) (executor.Result, error) {
	client, ns, err := e.connect()
	if err != nil {
		return executor.Result{Status: state.StatusFailed, ExitCode: -1}, err
	}
	w := &watch{e: e, client: client, ns: ns, name: name, task: t, clock: executor.JobClock{Timeout: t.Timeout}, changed: make(chan struct{}, 1), waiting: map[string]waitingSeen{}}
	res, err := w.follow(ctx)
	if err != nil {
		return executor.Result{Status: state.StatusFailed, ExitCode: -1, StartedAt: res.StartedAt, EndedAt: res.EndedAt, Host: res.Host, Reason: res.Reason}, err
	}
	return res, nil
}

// watch is one Attach in progress.
type watch struct {
	e      *Executor
	client kubernetes.Interface
	ns     string
	name   string
	task   executor.Task

	jobs, pods cache.Store
	// events are the Job's events (the Job controller's FailedCreate);
	// nil when they cannot be read, eventsErr then says why.
	events    cache.Store
	eventsErr string
	changed   chan struct{}

	job      *batchv1.Job // last seen
	pod      *corev1.Pod  // last seen, the newest of the Job's pods
	gone     bool         // the Job was seen, then deleted
	progress executor.Progress
	clock    executor.JobClock // from when the container started
	cause    stopCause
	stuck    string // why, for stoppedStuck
	stopAt   time.Time
	// waiting is when each container (pod/container) was first seen
	// waiting with its current reason; recheckAt when a transient one
	// becomes stuck (zero: none pending).
	waiting   map[string]waitingSeen
	recheckAt time.Time
	// While the Job has no pod: when this Attach first saw it so
	// (noPodSince), and since when the Job controller's last FailedCreate
	// has been one that will not pass by itself (createFailSince, zero:
	// none). noPodProgress: progress was last reported from that.
	noPodSince      time.Time
	createFailSince time.Time
	createFail      string
	noPodProgress   bool

	// gonePods are the pods deleted while watched, in their final state
	// (the store forgets them): what an eviction left on a pod is there.
	goneMu   sync.Mutex
	gonePods []*corev1.Pod

	logs     sync.WaitGroup
	logPod   string
	logStop  context.CancelFunc
	logsOpen chan struct{} // closed once both log streams are open
	logNotes []string
	logMu    sync.Mutex
}

type waitingSeen struct {
	reason string
	since  time.Time
}

// poke wakes the watch loop (coalesced).
func (w *watch) poke() {
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// informer starts a list-watch of one kind of object, poking the loop on
// every change.
func (w *watch) informer(ctx context.Context, rc cache.Getter, resource string, obj runtime.Object, opts func(*metav1.ListOptions)) (cache.Store, cache.Controller) {
	lw := cache.NewFilteredListWatchFromClient(rc, resource, w.ns, opts)
	poke := func(any) { w.poke() }
	deleted := func(obj any) {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		if p, ok := obj.(*corev1.Pod); ok {
			w.goneMu.Lock()
			w.gonePods = append(w.gonePods, p)
			w.goneMu.Unlock()
		}
		w.poke()
	}
	store, ctrl := cache.NewInformerWithOptions(cache.InformerOptions{ListerWatcher: lw, ObjectType: obj,
		Handler: cache.ResourceEventHandlerFuncs{AddFunc: poke, DeleteFunc: deleted, UpdateFunc: func(any, any) { w.poke() }}})
	go ctrl.RunWithContext(ctx)
	return store, ctrl
}

// follow watches the Job and its pods until the Job is over (or, once the
// executor deleted it, gone) and returns the result.
func (w *watch) follow(ctx context.Context) (executor.Result, error) {
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	defer w.stopLogs()
	var jc, pc cache.Controller
	w.jobs, jc = w.informer(wctx, w.client.BatchV1().RESTClient(), "jobs", &batchv1.Job{}, func(o *metav1.ListOptions) {
		o.FieldSelector = fields.OneTermEqualSelector("metadata.name", w.name).String()
	})
	w.pods, pc = w.informer(wctx, w.client.CoreV1().RESTClient(), "pods", &corev1.Pod{}, func(o *metav1.ListOptions) {
		o.LabelSelector = labels.Set{jobNameLabel: w.name}.String()
	})
	syncCtx, syncCancel := context.WithTimeout(wctx, apiTimeout)
	synced := cache.WaitForCacheSync(syncCtx.Done(), jc.HasSynced, pc.HasSynced)
	syncCancel()
	if !synced {
		return executor.Result{}, fmt.Errorf("kubernetes job %s in namespace %s: the API did not answer within %s", w.name, w.ns, apiTimeout)
	}
	w.watchEvents(wctx)
	for {
		done, err := w.observe()
		if err != nil {
			return executor.Result{}, err
		}
		if w.cause == notStopped && !w.gone && !done {
			switch {
			case ctx.Err() != nil:
				err = w.stop(stoppedCancel, "")
			case w.stuck != "":
				err = w.stop(stoppedStuck, w.stuck)
			case w.clock.Expired():
				err = w.stop(stoppedTimeout, "")
			}
			if err != nil {
				return executor.Result{}, err
			}
		}
		if done {
			break
		}
		var timeoutC, settleC <-chan time.Time
		var doneC <-chan struct{}
		var timers []*time.Timer
		if d, ok := w.clock.Left(); ok && w.cause == notStopped {
			t := time.NewTimer(max(d, 0))
			timers = append(timers, t)
			timeoutC = t.C
		}
		var recheckC <-chan time.Time
		if !w.recheckAt.IsZero() && w.cause == notStopped {
			t := time.NewTimer(max(time.Until(w.recheckAt), 0))
			timers = append(timers, t)
			recheckC = t.C
		}
		if w.cause == notStopped && !w.gone {
			doneC = ctx.Done()
		} else {
			t := time.NewTimer(time.Until(w.stopAt.Add(w.grace() + settleTimeout)))
			timers = append(timers, t)
			settleC = t.C
		}
		gaveUp := false
		select {
		case <-w.changed:
		case <-recheckC:
		case <-timeoutC:
		case <-doneC:
		case <-settleC:
			gaveUp = true
		}
		for _, t := range timers {
			t.Stop()
		}
		if gaveUp {
			return executor.Result{}, fmt.Errorf("kubernetes job %s in namespace %s: it or its pod still there %s after it was deleted", w.name, w.ns, w.grace()+settleTimeout)
		}
	}
	w.waitLogs()
	return w.result()
}

func (w *watch) grace() time.Duration {
	g := w.task.Grace
	if g == 0 {
		g = w.e.opts.Grace
	}
	if g == 0 {
		g = executor.DefaultGrace
	}
	return time.Duration(ceilSeconds(g)) * time.Second
}

// observe reads the latest Job and pods, reports progress, starts the log
// streams once the container runs, and says whether the watch is over:
// the Job finished with its pods settled, or (stopped or deleted by
// someone else) is gone.
func (w *watch) observe() (bool, error) {
	obj, ok, _ := w.jobs.GetByKey(w.ns + "/" + w.name)
	if !ok {
		if w.job == nil {
			return false, fmt.Errorf("kubernetes job %s in namespace %s: %w", w.name, w.ns, ErrUnknownJob)
		}
		if !w.gone {
			w.gone = true
			if w.cause == notStopped {
				w.stopAt = time.Now() // deleted by someone else
			}
		}
		// Its pods go after it (background propagation): done once they
		// have ended, so no process of the step outlives Attach.
		for _, p := range w.jobPods() {
			w.pod = p
			if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
				return false, nil
			}
		}
		if p := w.lastGonePod(); p != nil && len(w.jobPods()) == 0 {
			w.pod = p
		}
		return true, nil
	}
	w.job = obj.(*batchv1.Job)
	pods := w.jobPods()
	if len(pods) > 0 {
		w.pod = pods[len(pods)-1]
		w.observePod(w.pod)
	} else if p := w.lastGonePod(); p != nil {
		w.pod = p
	} else if w.cause == notStopped && finishedCondition(w.job) == nil {
		w.observeNoPod()
	}
	if w.cause != notStopped {
		return false, nil // wait until the deleted Job is gone
	}
	if finishedCondition(w.job) == nil {
		return false, nil
	}
	for _, p := range pods {
		if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			return false, nil
		}
	}
	return true, nil
}

// lastGonePod is the newest of the Job's pods deleted while watched, nil
// if none was.
func (w *watch) lastGonePod() *corev1.Pod {
	w.goneMu.Lock()
	defer w.goneMu.Unlock()
	var last *corev1.Pod
	for _, p := range w.gonePods {
		if !ownedBy(p, w.job) {
			continue
		}
		if last == nil || !p.CreationTimestamp.Before(&last.CreationTimestamp) {
			last = p
		}
	}
	return last
}

// podGone says whether p is one of the pods deleted while watched.
func (w *watch) podGone(p *corev1.Pod) bool {
	w.goneMu.Lock()
	defer w.goneMu.Unlock()
	for _, g := range w.gonePods {
		if g == p {
			return true
		}
	}
	return false
}

func ownedBy(p *corev1.Pod, j *batchv1.Job) bool {
	for _, ref := range p.OwnerReferences {
		if ref.UID == j.UID {
			return true
		}
	}
	return false
}

// jobPods are the Job's pods, oldest first. Only pods whose owner is this
// very Job count (a Job of the same name deleted and created again would
// share the label).
func (w *watch) jobPods() []*corev1.Pod {
	var out []*corev1.Pod
	for _, obj := range w.pods.List() {
		if p := obj.(*corev1.Pod); ownedBy(p, w.job) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].CreationTimestamp, out[j].CreationTimestamp
		if !a.Equal(&b) {
			return a.Before(&b)
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// finishedCondition is the Job's Complete or Failed condition, nil while
// it runs.
func finishedCondition(j *batchv1.Job) *batchv1.JobCondition {
	for i, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

// stuckReasons are container waiting reasons a pod does not leave by
// itself: the kubelet retries, but a batch step would wait forever (or
// until activeDeadlineSeconds). A true value marks a reason the kubelet
// may also report for a moment and then leave (transient): the pod is
// stuck only once it has lasted StuckAfter.
var stuckReasons = map[string]bool{
	"ImagePullBackOff": false, "InvalidImageName": false, "ErrImageNeverPull": false,
	"CreateContainerConfigError": true, "CreateContainerError": true,
}

// DefaultStuckAfter is Options.StuckAfter's default.
const DefaultStuckAfter = 30 * time.Second

func (w *watch) stuckAfter() time.Duration {
	if w.e.opts.StuckAfter > 0 {
		return w.e.opts.StuckAfter
	}
	return DefaultStuckAfter
}

// stuckFor says whether a container waiting with reason since first is
// stuck at now; for a transient reason not yet, it also says when to
// look again.
func stuckFor(reason string, first, now time.Time, after time.Duration) (stuck bool, recheck time.Time) {
	transient, known := stuckReasons[reason]
	switch {
	case !known:
		return false, time.Time{}
	case !transient || now.Sub(first) >= after:
		return true, time.Time{}
	}
	return false, first.Add(after)
}

// observePod reports progress, notes the container's start and a pod that
// is stuck, and starts the log streams.
func (w *watch) observePod(p *corev1.Pod) {
	cs := containerStatus(p)
	firstLook := w.progress.State == "" || w.noPodProgress
	if cs != nil {
		var started time.Time
		switch {
		case cs.State.Running != nil:
			started = cs.State.Running.StartedAt.Time
		case cs.State.Terminated != nil:
			started = cs.State.Terminated.StartedAt.Time
		}
		if !started.IsZero() {
			w.clock.Running(started, firstLook)
		}
	}
	w.recheckAt = time.Time{}
	for _, st := range append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		wt := st.State.Waiting
		key := p.Name + "/" + st.Name
		if wt == nil || w.stuck != "" {
			delete(w.waiting, key)
			continue
		}
		seen := w.waiting[key]
		if seen.reason != wt.Reason {
			seen = waitingSeen{reason: wt.Reason, since: time.Now()}
			w.waiting[key] = seen
		}
		stuck, recheck := stuckFor(wt.Reason, seen.since, time.Now(), w.stuckAfter())
		if !recheck.IsZero() && (w.recheckAt.IsZero() || recheck.Before(w.recheckAt)) {
			w.recheckAt = recheck
		}
		if stuck {
			what := ""
			if st.Name != ContainerName {
				what = "container " + st.Name + ": "
			}
			w.stuck = fmt.Sprintf("pod %s: %s%s: %s", p.Name, what, wt.Reason, wt.Message)
		}
	}
	// Progress first: a step's output never comes before its Running.
	pr := podProgress(w.name, p)
	if pr.State != "" && (pr.State != w.progress.State || pr.Reason != w.progress.Reason || pr.Host != w.progress.Host) {
		w.progress, w.noPodProgress = pr, false
		if w.task.Progress != nil {
			w.task.Progress(pr)
		}
	}
	if cs != nil && (cs.State.Running != nil || cs.State.Terminated != nil && !startFailed(cs.State.Terminated)) && w.logPod == "" {
		w.startLogs(p.Name)
	}
}

// watchEvents starts a list-watch of the Job's events, for the Job
// controller's FailedCreate: why a Job has no pod. Reading events needs
// list and watch on them; without (or when the first list fails) the
// watch goes on without them, and progress says a pod-less Job's events
// could not be read instead of why it has no pod.
func (w *watch) watchEvents(ctx context.Context) {
	sel := fields.Set{"involvedObject.kind": "Job", "involvedObject.name": w.name}.String()
	lctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	// One list first: a reflector without permission would retry, and
	// log each failure, for as long as the watch lasts.
	if _, err := w.client.CoreV1().Events(w.ns).List(lctx, metav1.ListOptions{FieldSelector: sel, Limit: 1}); err != nil {
		w.eventsErr = err.Error()
		if apierrors.IsForbidden(err) {
			w.eventsErr = "no permission to list events in namespace " + w.ns
		}
		return
	}
	w.events, _ = w.informer(ctx, w.client.CoreV1().RESTClient(), "events", &corev1.Event{}, func(o *metav1.ListOptions) {
		o.FieldSelector = sel
	})
}

// failedCreateReason is the Job controller's event reason for a pod it
// could not create (the API server refused it).
const failedCreateReason = "FailedCreate"

// lastFailedCreate is the newest FailedCreate event of this very Job,
// nil if none was seen.
func (w *watch) lastFailedCreate() *corev1.Event {
	if w.events == nil {
		return nil
	}
	var last *corev1.Event
	var lastAt time.Time
	for _, obj := range w.events.List() {
		ev := obj.(*corev1.Event)
		if ev.Reason != failedCreateReason || ev.InvolvedObject.UID != w.job.UID {
			continue
		}
		if at := eventTime(ev); last == nil || !at.Before(lastAt) {
			last, lastAt = ev, at
		}
	}
	return last
}

// eventTime is when an event was last seen, whichever API wrote it.
func eventTime(ev *corev1.Event) time.Time {
	t := ev.LastTimestamp.Time
	if ev.Series != nil && ev.Series.LastObservedTime.After(t) {
		t = ev.Series.LastObservedTime.Time
	}
	if ev.EventTime.After(t) {
		t = ev.EventTime.Time
	}
	return t
}

// createFailPermanent says whether a pod creation the API server refused
// (a FailedCreate message) will be refused again until someone changes
// something: an admission plugin or webhook forbade it (a service account
// that does not exist, a LimitRange, Pod Security, a policy) or the pod
// is invalid. An exceeded ResourceQuota is not: the quota frees up when
// other pods end, as an unschedulable pod waits for room. Anything else
// (the API server or a webhook not answering) may pass too.
func createFailPermanent(msg string) bool {
	switch {
	case strings.Contains(msg, "exceeded quota"):
		return false
	case strings.Contains(msg, " is forbidden: "), strings.Contains(msg, " is invalid: "),
		strings.Contains(msg, "denied the request"):
		return true
	}
	return false
}

// observeNoPod reports a Job that has no pod yet with why, from the Job
// controller's last FailedCreate event, and notes it stuck when that
// refusal is one that will not pass by itself and has lasted StuckAfter
// (someone may be creating the missing service account right now).
func (w *watch) observeNoPod() {
	now := time.Now()
	w.recheckAt = time.Time{}
	if w.noPodSince.IsZero() {
		w.noPodSince = now
	}
	pr := executor.Progress{JobID: w.name, State: "Pending", Since: w.job.CreationTimestamp.Time}
	if ev := w.lastFailedCreate(); ev != nil {
		msg := strings.Join(strings.Fields(strings.TrimPrefix(ev.Message, "Error creating: ")), " ")
		pr.Reason = oneLine(ev.Reason, msg)
		w.createFail = ev.Reason + ": " + msg
		if !createFailPermanent(msg) {
			w.createFailSince = time.Time{}
		} else {
			if w.createFailSince.IsZero() {
				w.createFailSince = now
			}
			if now.Sub(w.createFailSince) >= w.stuckAfter() {
				w.stuck = "the Job controller could not create its pod: " + w.createFail
			} else {
				w.recheckAt = w.createFailSince.Add(w.stuckAfter())
			}
		}
	} else if w.eventsErr != "" {
		// Most Jobs get their pod at once: only one that has none for a
		// while is worth a word.
		if now.Sub(w.noPodSince) >= w.stuckAfter() {
			pr.Reason = "no pod yet; why is in the Job's events, which mlform cannot read: " + w.eventsErr
		} else {
			w.recheckAt = w.noPodSince.Add(w.stuckAfter())
		}
	}
	if pr.Reason != "" && (pr.State != w.progress.State || pr.Reason != w.progress.Reason) {
		w.progress, w.noPodProgress = pr, true
		if w.task.Progress != nil {
			w.task.Progress(pr)
		}
	}
}

// containerStatus is the step container's status, nil before it has one.
func containerStatus(p *corev1.Pod) *corev1.ContainerStatus {
	if p == nil {
		return nil
	}
	for i, cs := range p.Status.ContainerStatuses {
		if cs.Name == ContainerName {
			return &p.Status.ContainerStatuses[i]
		}
	}
	return nil
}

// startFailed reports a container that never ran its command: the
// runtime could not start it (command not found, not executable).
func startFailed(t *corev1.ContainerStateTerminated) bool {
	return t.Reason == "StartError" || t.Reason == "ContainerCannotRun"
}

// podProgress is a pod's state as Progress: "Pending" with why (not
// scheduled, or the container waiting), or "Running" on a node; State is
// "" for a pod that has ended.
func podProgress(job string, p *corev1.Pod) executor.Progress {
	pr := executor.Progress{JobID: job, Host: p.Spec.NodeName, Since: p.CreationTimestamp.Time}
	switch p.Status.Phase {
	case corev1.PodPending, "":
		pr.State = "Pending"
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
				pr.Reason = oneLine(c.Reason, c.Message)
			}
		}
		if cs := containerStatus(p); pr.Reason == "" && cs != nil && cs.State.Waiting != nil {
			pr.Reason = oneLine(cs.State.Waiting.Reason, cs.State.Waiting.Message)
		}
	case corev1.PodRunning:
		pr.State = "Running"
		if cs := containerStatus(p); cs != nil && cs.State.Running != nil {
			pr.Since = cs.State.Running.StartedAt.Time
		}
	}
	return pr
}

// oneLine joins a reason and its message, shortened to one line.
func oneLine(reason, msg string) string {
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	if msg == "" {
		return reason
	}
	return reason + ": " + msg
}

// stop deletes the Job with foreground propagation: the Job stays, marked
// for deletion, until its pods are gone, which is what the watch then
// waits for. The pods get SIGTERM and, after their grace period (the
// task's), SIGKILL.
func (w *watch) stop(cause stopCause, why string) error {
	w.waitLogsOpen()
	w.cause, w.stuck, w.stopAt = cause, why, time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
	defer cancel()
	fg := metav1.DeletePropagationForeground
	err := w.client.BatchV1().Jobs(w.ns).Delete(ctx, w.name, metav1.DeleteOptions{PropagationPolicy: &fg,
		Preconditions: &metav1.Preconditions{UID: &w.job.UID}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("kubernetes job %s in namespace %s: delete: %w", w.name, w.ns, err)
	}
	w.poke()
	return nil
}
