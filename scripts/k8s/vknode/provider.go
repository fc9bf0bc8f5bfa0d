package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	corev1listers "k8s.io/client-go/listers/core/v1"
)

// provider runs pods as local processes. How it differs from a kubelet
// with a container runtime:
//
//   - The image is ignored: a container's command (and args) run from this
//     machine's file system, as the node's user, in the container's
//     workingDir ("/" when unset). A container without a command cannot
//     start (CreateContainerError): an image's entrypoint is not known.
//   - A container is a process group in its own session: when its main
//     process ends, whatever it left running in the group is killed, as a
//     runtime tears down the container's PID namespace. Other volumes, ports,
//     probes, resource limits and security contexts are not applied; a
//     container cannot be OOM-killed. emptyDir and hostPath volumes are
//     emulated by rewriting paths in the command and working directory
//     (volumes.go).
//   - A container's imageID is reported only for a digest-pinned image
//     reference (nothing is pulled, so no tag is resolved).
//   - Containers never restart (Jobs run with restartPolicy Never); init
//     containers run in order before the others, which run together.
//   - Env is resolved as a kubelet does: value with $(VAR) references,
//     valueFrom secretKeyRef, configMapKeyRef and fieldRef, and envFrom,
//     read through the API; a Secret or key that is missing leaves the
//     container waiting with reason CreateContainerConfigError. The
//     process environment is only that, with a PATH and HOSTNAME as a
//     runtime adds: nothing of the node's own environment leaks in.
//   - A command that cannot be executed is a container terminated with
//     exit code 128 and reason StartError, as containerd reports it.
//   - Deleting a pod sends SIGTERM to each container's process group,
//     then SIGKILL after the pod's grace period.
type provider struct {
	nodeName, hostIP string
	client           kubernetes.Interface
	logDir           string
	// api is the node's view of its pods in the API, for the conditions
	// others set on them.
	api corev1listers.PodLister

	mu     sync.Mutex
	pods   map[string]*podRun
	notify func(*corev1.Pod)
}

func newProvider(nodeName, hostIP string, client kubernetes.Interface, logDir string, api corev1listers.PodLister) *provider {
	return &provider{nodeName: nodeName, hostIP: hostIP, client: client, logDir: logDir, api: api,
		pods: map[string]*podRun{}, notify: func(*corev1.Pod) {}}
}

// podRun is one pod on the node.
type podRun struct {
	key string
	dir string // log files

	// pod is the spec as created, with the status the node reports.
	// Guarded by provider.mu.
	pod      *corev1.Pod
	ctrs     map[string]*ctr
	deleting bool
	// nmu orders the status notifications of this pod.
	nmu sync.Mutex
	// deleted is closed once DeletePod's work is done.
	deleteOnce sync.Once
}

// ctr is a container's process.
type ctr struct {
	name string
	cmd  *exec.Cmd
	logs *logFiles
	// done is closed once the process group is gone and its output
	// copied; exitCode is valid then.
	done     chan struct{}
	exitCode int
	started  time.Time
}

func podKey(ns, name string) string { return ns + "/" + name }

// NotifyPods implements node.PodNotifier.
func (p *provider) NotifyPods(_ context.Context, f func(*corev1.Pod)) {
	p.mu.Lock()
	p.notify = f
	p.mu.Unlock()
}

// CreatePod implements node.PodLifecycleHandler: it records the pod as
// pending and starts its containers in the background.
func (p *provider) CreatePod(ctx context.Context, pod *corev1.Pod) error {
	key := podKey(pod.Namespace, pod.Name)
	p.mu.Lock()
	if _, ok := p.pods[key]; ok {
		p.mu.Unlock()
		return nil
	}
	pr := &podRun{key: key, pod: pod.DeepCopy(), ctrs: map[string]*ctr{},
		dir: filepath.Join(p.logDir, fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID))}
	now := metav1.Now()
	st := &pr.pod.Status
	st.Phase = corev1.PodPending
	st.HostIP, st.PodIP = p.hostIP, p.hostIP
	st.HostIPs = []corev1.HostIP{{IP: p.hostIP}}
	st.PodIPs = []corev1.PodIP{{IP: p.hostIP}}
	st.StartTime = &now
	st.Conditions = []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.PodInitialized, Status: corev1.ConditionFalse, LastTransitionTime: now},
		{Type: corev1.PodReady, Status: corev1.ConditionFalse, LastTransitionTime: now},
		{Type: corev1.ContainersReady, Status: corev1.ConditionFalse, LastTransitionTime: now},
	}
	st.InitContainerStatuses = waitingStatuses(pod.Spec.InitContainers, "PodInitializing")
	st.ContainerStatuses = waitingStatuses(pod.Spec.Containers, "ContainerCreating")
	p.pods[key] = pr
	p.mu.Unlock()
	if err := os.MkdirAll(pr.dir, 0o700); err != nil {
		return fmt.Errorf("pod %s: log directory: %w", key, err)
	}
	p.publish(pr)
	go p.runPod(context.WithoutCancel(ctx), pr)
	return nil
}

func waitingStatuses(cs []corev1.Container, reason string) []corev1.ContainerStatus {
	out := make([]corev1.ContainerStatus, len(cs))
	for i, c := range cs {
		out[i] = corev1.ContainerStatus{Name: c.Name, Image: c.Image,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}
	}
	return out
}

// runPod runs the init containers one after another, then the others
// together, and reports the pod's end.
func (p *provider) runPod(ctx context.Context, pr *podRun) {
	pod := pr.pod.DeepCopy() // the spec never changes
	for i, c := range pod.Spec.InitContainers {
		k, ok := p.startContainer(ctx, pr, c, true, i)
		if !ok {
			return
		}
		<-k.done
		if k.exitCode != 0 {
			p.finishPod(pr)
			return
		}
	}
	p.update(pr, func(st *corev1.PodStatus) { setCondition(st, corev1.PodInitialized, corev1.ConditionTrue) })
	var started []*ctr
	for i, c := range pod.Spec.Containers {
		k, ok := p.startContainer(ctx, pr, c, false, i)
		if !ok {
			if k == nil && len(started) == 0 {
				return // waiting (config error) or deleted
			}
			continue
		}
		started = append(started, k)
	}
	for _, k := range started {
		<-k.done
	}
	p.finishPod(pr)
}

// startContainer starts container c (index i of the init or regular
// containers). ok is false when it did not start; k is then the
// container when it was created but could not run (StartError), nil when
// it is waiting or the pod is being deleted.
func (p *provider) startContainer(ctx context.Context, pr *podRun, c corev1.Container, init bool, i int) (k *ctr, ok bool) {
	status := func(st *corev1.PodStatus) *corev1.ContainerStatus {
		if init {
			return &st.InitContainerStatuses[i]
		}
		return &st.ContainerStatuses[i]
	}
	env, err := p.resolveEnv(ctx, pr.pod, c)
	if err != nil {
		p.update(pr, func(st *corev1.PodStatus) {
			status(st).State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CreateContainerConfigError", Message: err.Error()}}
		})
		return nil, false
	}
	argv := append(append([]string{}, c.Command...), c.Args...)
	if len(c.Command) == 0 {
		p.update(pr, func(st *corev1.PodStatus) {
			status(st).State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CreateContainerError",
				Message: "the container has no command: this test node ignores images, so it cannot run an image's entrypoint"}}
		})
		return nil, false
	}
	mnt, err := volumeMounts(pr.pod, c, pr.dir)
	if err != nil {
		p.update(pr, func(st *corev1.PodStatus) {
			status(st).State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CreateContainerConfigError", Message: err.Error()}}
		})
		return nil, false
	}
	argv = mnt.args(expandAll(argv, env))
	workDir := c.WorkingDir
	if workDir != "" {
		workDir = mnt.path(workDir)
	}
	logs, err := openLogFiles(filepath.Join(pr.dir, c.Name))
	if err != nil {
		p.update(pr, func(st *corev1.PodStatus) {
			status(st).State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CreateContainerError", Message: err.Error()}}
		})
		return nil, false
	}
	k = &ctr{name: c.Name, logs: logs, done: make(chan struct{})}
	p.mu.Lock()
	if pr.deleting {
		p.mu.Unlock()
		logs.closeWriters()
		return nil, false
	}
	pr.ctrs[c.Name] = k
	startErr := k.start(argv, workDir, env)
	k.started = time.Now()
	p.mu.Unlock()
	if startErr != nil {
		logs.closeWriters()
		k.exitCode = 128
		close(k.done)
		at := metav1.NewTime(k.started)
		p.update(pr, func(st *corev1.PodStatus) {
			status(st).State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 128,
				Reason: "StartError", Message: startErr.Error(), StartedAt: at, FinishedAt: at}}
		})
		return k, false
	}
	at := metav1.NewTime(k.started)
	p.update(pr, func(st *corev1.PodStatus) {
		cs := status(st)
		cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: at}}
		cs.Started = ptrTo(true)
		cs.ImageID = imageID(c.Image)
		if !init {
			cs.Ready = true
			cs.ContainerID = fmt.Sprintf("vknode://%d", k.cmd.Process.Pid)
			st.Phase = corev1.PodRunning
			setCondition(st, corev1.PodReady, corev1.ConditionTrue)
			setCondition(st, corev1.ContainersReady, corev1.ConditionTrue)
		}
	})
	go func() {
		k.wait()
		end := metav1.Now()
		p.update(pr, func(st *corev1.PodStatus) {
			cs := status(st)
			reason := "Completed"
			if k.exitCode != 0 {
				reason = "Error"
			}
			cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: int32(k.exitCode),
				Reason: reason, StartedAt: at, FinishedAt: end, ContainerID: cs.ContainerID}}
			cs.Ready = false
			cs.Started = ptrTo(false)
		})
		// done closes only once the terminated state is recorded: runPod
		// decides the pod's phase from the container states as soon as
		// done closes, and a state still "running" then made a pod whose
		// containers all exited 0 Failed.
		close(k.done)
	}()
	return k, true
}

func ptrTo[T any](v T) *T { return &v }

// start starts the container's process in its own session, its output
// going to the log files. It gets SIGKILL if the node dies, so a node
// killed outright leaves no container running.
func (k *ctr) start(argv []string, dir string, env []string) error {
	if dir == "" {
		dir = "/"
	}
	prog, err := lookPath(argv[0], envValue(env, "PATH"))
	if err != nil {
		return err
	}
	cmd := &exec.Cmd{Path: prog, Args: argv, Dir: dir, Env: env,
		SysProcAttr: &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL}}
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = k.logs.outW, k.logs.errW
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("exec %q: %w", argv[0], err)
	}
	k.logs.closeWriters() // the child holds its own copies
	k.cmd = cmd
	return nil
}

// wait waits for the main process, then ends the rest of its group (a
// container's processes die with it) and lets the output drain. The
// caller closes done once it has recorded the container's end.
func (k *ctr) wait() {
	err := k.cmd.Wait()
	k.exitCode = exitCode(k.cmd.ProcessState, err)
	_ = syscall.Kill(-k.cmd.Process.Pid, syscall.SIGKILL)
	k.logs.waitDrained(5 * time.Second)
}

func exitCode(ps *os.ProcessState, err error) int {
	if ps == nil {
		return 128
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	if code := ps.ExitCode(); code >= 0 {
		return code
	}
	if err != nil {
		return 128
	}
	return 0
}

// finishPod sets the pod's phase once no container runs.
func (p *provider) finishPod(pr *podRun) {
	p.update(pr, func(st *corev1.PodStatus) {
		ok := true
		for _, list := range [][]corev1.ContainerStatus{st.InitContainerStatuses, st.ContainerStatuses} {
			for i := range list {
				t := list[i].State.Terminated
				if t == nil || t.ExitCode != 0 {
					ok = false
				}
				if t == nil {
					// Never ran (an init container failed first).
					list[i].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "ContainerStatusUnknown",
						Message: "the container never started", FinishedAt: metav1.Now()}}
				}
			}
		}
		if ok {
			st.Phase = corev1.PodSucceeded
		} else {
			st.Phase = corev1.PodFailed
		}
		setCondition(st, corev1.PodReady, corev1.ConditionFalse)
		setCondition(st, corev1.ContainersReady, corev1.ConditionFalse)
	})
}

func setCondition(st *corev1.PodStatus, t corev1.PodConditionType, s corev1.ConditionStatus) {
	for i := range st.Conditions {
		if st.Conditions[i].Type == t {
			if st.Conditions[i].Status != s {
				st.Conditions[i].Status = s
				st.Conditions[i].LastTransitionTime = metav1.Now()
			}
			return
		}
	}
	st.Conditions = append(st.Conditions, corev1.PodCondition{Type: t, Status: s, LastTransitionTime: metav1.Now()})
}

// update changes the pod's status and tells the node about it, in order.
func (p *provider) update(pr *podRun, f func(*corev1.PodStatus)) {
	pr.nmu.Lock()
	defer pr.nmu.Unlock()
	p.mu.Lock()
	f(&pr.pod.Status)
	p.mu.Unlock()
	p.publishLocked(pr)
}

func (p *provider) publish(pr *podRun) {
	pr.nmu.Lock()
	defer pr.nmu.Unlock()
	p.publishLocked(pr)
}

func (p *provider) publishLocked(pr *podRun) {
	p.mu.Lock()
	pod, notify := pr.pod.DeepCopy(), p.notify
	p.mu.Unlock()
	p.keepOthersConditions(pod)
	notify(pod)
}

// kubeletConditions are the pod conditions a kubelet owns; the others
// (DisruptionTarget set by an eviction or preemption, PodScheduled,
// readiness gates) belong to whoever set them, and a kubelet's status
// update keeps them, as the status this node reports must.
var kubeletConditions = map[corev1.PodConditionType]bool{
	corev1.PodInitialized: true, corev1.PodReady: true, corev1.ContainersReady: true,
	corev1.PodReadyToStartContainers: true, corev1.PodScheduled: true,
}

func (p *provider) keepOthersConditions(pod *corev1.Pod) {
	if p.api == nil {
		return
	}
	cur, err := p.api.Pods(pod.Namespace).Get(pod.Name)
	if err != nil {
		return
	}
	have := map[corev1.PodConditionType]bool{}
	for _, c := range pod.Status.Conditions {
		have[c.Type] = true
	}
	for _, c := range cur.Status.Conditions {
		if !kubeletConditions[c.Type] && !have[c.Type] {
			pod.Status.Conditions = append(pod.Status.Conditions, c)
		}
	}
}

// UpdatePod implements node.PodLifecycleHandler. Nothing a running pod
// may change (image, labels, deadline) matters to local processes.
func (p *provider) UpdatePod(context.Context, *corev1.Pod) error { return nil }

// DeletePod implements node.PodLifecycleHandler: SIGTERM to every
// container, SIGKILL after the grace period, then a terminal status. It
// returns at once; the work goes on in the background.
func (p *provider) DeletePod(ctx context.Context, pod *corev1.Pod) error {
	key := podKey(pod.Namespace, pod.Name)
	p.mu.Lock()
	pr, ok := p.pods[key]
	if !ok {
		p.mu.Unlock()
		return errdefs.NotFoundf("pod %s is not on this node", key)
	}
	pr.deleting = true
	ctrs := make([]*ctr, 0, len(pr.ctrs))
	for _, k := range pr.ctrs {
		ctrs = append(ctrs, k)
	}
	p.mu.Unlock()
	grace := 30 * time.Second
	if s := pod.DeletionGracePeriodSeconds; s != nil {
		grace = time.Duration(*s) * time.Second
	} else if s := pod.Spec.TerminationGracePeriodSeconds; s != nil {
		grace = time.Duration(*s) * time.Second
	}
	pr.deleteOnce.Do(func() {
		go p.terminate(pr, ctrs, grace)
	})
	return nil
}

func (p *provider) terminate(pr *podRun, ctrs []*ctr, grace time.Duration) {
	for _, k := range ctrs {
		if k.cmd != nil {
			_ = syscall.Kill(-k.cmd.Process.Pid, syscall.SIGTERM)
		}
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	for _, k := range ctrs {
		select {
		case <-k.done:
		case <-timer.C:
			for _, k := range ctrs {
				if k.cmd != nil {
					_ = syscall.Kill(-k.cmd.Process.Pid, syscall.SIGKILL)
				}
			}
			<-k.done
		}
	}
	for _, k := range ctrs {
		<-k.done
	}
	p.update(pr, func(st *corev1.PodStatus) {
		for _, list := range [][]corev1.ContainerStatus{st.InitContainerStatuses, st.ContainerStatuses} {
			for i := range list {
				if list[i].State.Terminated == nil {
					list[i].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137,
						Reason: "ContainerStatusUnknown", Message: "the pod was deleted before the container ran", FinishedAt: metav1.Now()}}
				}
			}
		}
		if st.Phase != corev1.PodSucceeded {
			st.Phase = corev1.PodFailed
		}
	})
	p.removeFromAPI(pr)
	p.mu.Lock()
	delete(p.pods, pr.key)
	p.mu.Unlock()
	_ = os.RemoveAll(pr.dir)
}

// removeFromAPI does what a kubelet does once a deleted pod's containers
// are gone: it writes the pod's final status and deletes the pod with no
// further grace, so the pod (and a Job being deleted in the foreground)
// is gone as soon as its processes are, not when the grace period ends.
func (p *provider) removeFromAPI(pr *podRun) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p.mu.Lock()
	final := pr.pod.DeepCopy()
	p.mu.Unlock()
	pods := p.client.CoreV1().Pods(final.Namespace)
	for attempt := 0; attempt < 3; attempt++ {
		cur, err := pods.Get(ctx, final.Name, metav1.GetOptions{})
		if err != nil || cur.UID != final.UID {
			return // gone already, or another pod of that name
		}
		if cur.Status.Phase == corev1.PodSucceeded || cur.Status.Phase == corev1.PodFailed {
			break
		}
		st := final.DeepCopy()
		st.ObjectMeta = cur.ObjectMeta
		p.keepOthersConditions(st)
		if _, err := pods.UpdateStatus(ctx, st, metav1.UpdateOptions{}); err == nil || !apierrors.IsConflict(err) {
			break
		}
	}
	zero := int64(0)
	_ = pods.Delete(ctx, final.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero,
		Preconditions: &metav1.Preconditions{UID: &final.UID}})
}

// killAll ends every container when the node stops.
func (p *provider) killAll(wait time.Duration) {
	if p == nil {
		return
	}
	p.mu.Lock()
	var ctrs []*ctr
	for _, pr := range p.pods {
		pr.deleting = true
		for _, k := range pr.ctrs {
			if k.cmd != nil {
				_ = syscall.Kill(-k.cmd.Process.Pid, syscall.SIGKILL)
			}
			ctrs = append(ctrs, k)
		}
	}
	p.mu.Unlock()
	deadline := time.After(wait)
	for _, k := range ctrs {
		select {
		case <-k.done:
		case <-deadline:
			return
		}
	}
}

// GetPod implements node.PodLifecycleHandler.
func (p *provider) GetPod(_ context.Context, namespace, name string) (*corev1.Pod, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, ok := p.pods[podKey(namespace, name)]
	if !ok {
		return nil, errdefs.NotFoundf("pod %s/%s is not on this node", namespace, name)
	}
	return pr.pod.DeepCopy(), nil
}

// GetPodStatus implements node.PodLifecycleHandler.
func (p *provider) GetPodStatus(ctx context.Context, namespace, name string) (*corev1.PodStatus, error) {
	pod, err := p.GetPod(ctx, namespace, name)
	if err != nil {
		return nil, err
	}
	return &pod.Status, nil
}

// GetPods implements node.PodLifecycleHandler.
func (p *provider) GetPods(context.Context) ([]*corev1.Pod, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*corev1.Pod, 0, len(p.pods))
	for _, pr := range p.pods {
		out = append(out, pr.pod.DeepCopy())
	}
	return out, nil
}

// container returns a container's process, for its logs.
func (p *provider) container(namespace, pod, name string) (*ctr, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, ok := p.pods[podKey(namespace, pod)]
	if !ok {
		return nil, fmt.Errorf("pod %s/%s is not on this node", namespace, pod)
	}
	k, ok := pr.ctrs[name]
	if !ok {
		return nil, fmt.Errorf("container %s of pod %s/%s has not started", name, namespace, pod)
	}
	return k, nil
}

var errNotFound = errors.New("not found")

// lookPath finds a command as a runtime does: a name with a slash as is
// (relative to the working directory), otherwise in the container's PATH.
func lookPath(name, path string) (string, error) {
	if filepath.Base(name) != name {
		return name, nil
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		f := filepath.Join(dir, name)
		if info, err := os.Stat(f); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return f, nil
		}
	}
	return "", fmt.Errorf("exec: %q: executable file not found in $PATH: %w", name, errNotFound)
}
