//go:build unix

package kubernetes_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	k8s "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/mlform/mlform/internal/procid"
	"github.com/mlform/mlform/internal/syncbuf"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/executortest"
	"github.com/mlform/mlform/providers/executor/kubernetes"
	"github.com/mlform/mlform/providers/executor/kubernetes/k8stest"
	"github.com/mlform/mlform/state"
)

// Cluster behaviour beyond the conformance suite: Secrets, progress,
// Jobs ended by someone else or by the cluster's deadline, re-attaching.

// helperTask runs the test binary as executortest's helper in mode, for a
// model named after the test so Find sees only its own Jobs.
func helperTask(t *testing.T, mode string, args ...string) executor.Task {
	t.Helper()
	return executortest.HelperTask(t, "t-"+randHex(t), 1, mode, args...)
}

func randHex(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// client is an API client for the test plane, to act as another user
// would (kubectl): create Secrets, delete Jobs, evict pods.
func client(t *testing.T) k8s.Interface {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", k8stest.Need(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := k8s.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runAsync runs task and delivers its result.
func runAsync(e *kubernetes.Executor, ctx context.Context, task executor.Task) <-chan result {
	ch := make(chan result, 1)
	go func() {
		r, err := e.Run(ctx, task)
		ch <- result{r, err}
	}()
	return ch
}

type result struct {
	executor.Result
	err error
}

// waitReady waits for the helper's "ready" line, failing if the run ends
// first.
func waitReady(t *testing.T, w *syncbuf.LineWaiter, done <-chan result) {
	t.Helper()
	select {
	case <-w.Seen():
	case r := <-done:
		t.Fatalf("the step ended before it was ready: %+v %v\noutput: %s", r.Result, r.err, w.String())
	case <-time.After(2 * time.Minute):
		t.Fatal("the step never became ready")
	}
}

// requireGone checks that every pid in pidfile has ended (or ends soon).
func requireGone(t *testing.T, pidfile string) {
	t.Helper()
	data, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Fields(string(data)) {
		var pid int
		if err := json.Unmarshal([]byte(f), &pid); err != nil {
			t.Fatal(err)
		}
		// The kubelet stops a pod's processes after the Job ends, in its
		// own time: wait for that, bounded.
		for deadline := time.Now().Add(30 * time.Second); !procid.Exited(pid); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Errorf("process %d of the step is still running 30 s after the Job ended", pid)
				break
			}
		}
	}
}

// TestSecretEnv: secret_env reaches the command from the Secret, and the
// value is in nothing mlform writes to the API (the Job and its pod hold
// only the reference).
func TestSecretEnv(t *testing.T) {
	c := client(t)
	secret, value := "mlform-test-"+randHex(t), "s3cr3t-"+randHex(t)
	ctx := context.Background()
	_, err := c.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: secret},
		StringData: map[string]string{"password": value}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.CoreV1().Secrets("default").Delete(context.Background(), secret, metav1.DeleteOptions{}) })
	e := newExecutor(t, func(o *kubernetes.Options) {
		o.SecretEnv = []kubernetes.SecretEnv{{Name: "DB_PASSWORD", Secret: secret, Key: "password"}}
	})
	task := helperTask(t, "env")
	var out bytes.Buffer
	task.Stdout = &out
	name, err := e.Submit(ctx, task)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Attach(ctx, name, task)
	if err != nil || res.Status != state.StatusSucceeded {
		t.Fatalf("result %+v, %v", res, err)
	}
	if !strings.Contains("\n"+out.String(), "\nDB_PASSWORD="+value+"\n") {
		t.Errorf("the command did not get DB_PASSWORD from the Secret (result %+v); its environment:\n%s", res, out.String())
	}
	job, err := c.BatchV1().Jobs("default").Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pods, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=" + name})
	if err != nil || len(pods.Items) != 1 {
		t.Fatalf("pods of %s: %v %v", name, pods, err)
	}
	for what, obj := range map[string]any{"job": job, "pod": pods.Items[0]} {
		data, _ := json.Marshal(obj)
		if bytes.Contains(data, []byte(value)) {
			t.Errorf("the secret's value is in the %s object", what)
		}
	}
}

// TestMissingSecret: a Secret that does not exist leaves the pod waiting
// (CreateContainerConfigError); once that has lasted StuckAfter (a kubelet
// may report it for a moment about a Secret just created) the executor
// ends the Job and says why instead of waiting forever.
func TestMissingSecret(t *testing.T) {
	const after = 2 * time.Second
	e := newExecutor(t, func(o *kubernetes.Options) {
		o.SecretEnv = []kubernetes.SecretEnv{{Name: "DB_PASSWORD", Secret: "no-such-secret", Key: "password"}}
		o.StuckAfter = after
	})
	task := helperTask(t, "exit", "0")
	start := time.Now()
	res, err := e.Run(context.Background(), task)
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < after {
		t.Errorf("ended after %s: a transient reason must last StuckAfter (%s) first", waited, after)
	}
	if res.Status != state.StatusFailed || !strings.Contains(res.Reason, "CreateContainerConfigError") || !strings.Contains(res.Reason, `"no-such-secret"`) {
		t.Errorf("result %q reason %q, want failed with CreateContainerConfigError naming the secret", res.Status, res.Reason)
	}
	names, err := e.Find(context.Background(), task)
	if err != nil || len(names) != 0 {
		t.Errorf("Find after the stuck Job was ended: %v %v, want none", names, err)
	}
}

// TestProgress: a pod no node can take is reported pending with the
// scheduler's reason; cancelling deletes its Job.
func TestProgress(t *testing.T) {
	e := newExecutor(t, func(o *kubernetes.Options) { o.NodeSelector = map[string]string{"pool": "none"} })
	task := helperTask(t, "exit", "0")
	pending := make(chan executor.Progress, 10)
	task.Progress = func(p executor.Progress) { pending <- p }
	ctx, cancel := context.WithCancel(context.Background())
	done := runAsync(e, ctx, task)
	var got executor.Progress
	for got.State != "Pending" || !strings.Contains(got.Reason, "Unschedulable") {
		select {
		case got = <-pending:
		case r := <-done:
			t.Fatalf("run ended: %+v %v", r.Result, r.err)
		case <-time.After(time.Minute):
			t.Fatalf("no pending progress with the scheduler's reason; last %+v", got)
		}
	}
	if !strings.Contains(got.Reason, "node(s) didn't match") || got.JobID == "" {
		t.Errorf("progress %+v: want the scheduler's message and the job", got)
	}
	cancel()
	r := <-done
	if r.err != nil || r.Status != state.StatusCancelled || r.ExitCode != -1 {
		t.Errorf("after cancel: %+v %v, want cancelled, exit -1", r.Result, r.err)
	}
	if names, _ := e.Find(context.Background(), task); len(names) != 0 {
		t.Errorf("jobs %v left after cancelling", names)
	}

	// A pod that runs is reported running on the node.
	e = newExecutor(t)
	task = helperTask(t, "tree", filepath.Join(t.TempDir(), "pids"))
	ready := syncbuf.NewLineWaiter("ready")
	task.Stdout = ready
	var mu sync.Mutex
	var states []executor.Progress
	task.Progress = func(p executor.Progress) { mu.Lock(); states = append(states, p); mu.Unlock() }
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	done = runAsync(e, ctx, task)
	waitReady(t, ready, done)
	mu.Lock()
	last := executor.Progress{}
	if len(states) > 0 {
		last = states[len(states)-1]
	}
	mu.Unlock()
	if last.State != "Running" || last.Host != k8stest.Node() || last.Since.IsZero() {
		t.Errorf("progress %+v once the command runs: want the last Running on %s", states, k8stest.Node())
	}
	cancel()
	if r := <-done; r.err != nil || r.Status != state.StatusCancelled || r.Host != k8stest.Node() {
		t.Errorf("after cancel: %+v %v", r.Result, r.err)
	}
}

// startTree runs the "tree" helper (a process and its child, pids in the
// returned file) as a Job and returns once it is running: the Job's name
// and where its result will arrive.
func startTree(t *testing.T) (job, pidfile string, done <-chan result) {
	t.Helper()
	e := newExecutor(t)
	pidfile = filepath.Join(t.TempDir(), "pids")
	task := helperTask(t, "tree", pidfile)
	ready := syncbuf.NewLineWaiter("ready")
	task.Stdout = ready
	done = runAsync(e, context.Background(), task)
	waitReady(t, ready, done)
	names, err := e.Find(context.Background(), task)
	if err != nil || len(names) != 1 {
		t.Fatalf("Find: %v %v", names, err)
	}
	return names[0], pidfile, done
}

// TestEndedOutside: a Job ended by someone else is a failed attempt whose
// reason says how, and its processes are gone: the Job deleted (kubectl
// delete job), or its pod evicted through the Eviction API (a node drain),
// which the cluster's reason names.
func TestEndedOutside(t *testing.T) {
	c := client(t)
	tests := []struct {
		name   string
		end    func(t *testing.T, job string)
		reason string
	}{
		{"deleted", func(t *testing.T, job string) {
			bg := metav1.DeletePropagationBackground // kubectl's default
			if err := c.BatchV1().Jobs("default").Delete(context.Background(), job, metav1.DeleteOptions{PropagationPolicy: &bg}); err != nil {
				t.Fatal(err)
			}
		}, "deleted outside mlform"},
		{"evicted", func(t *testing.T, job string) {
			pods, err := c.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=" + job})
			if err != nil || len(pods.Items) != 1 {
				t.Fatalf("pods: %v %v", pods, err)
			}
			if err := c.CoreV1().Pods("default").EvictV1(context.Background(), &policyv1.Eviction{
				ObjectMeta: metav1.ObjectMeta{Name: pods.Items[0].Name, Namespace: "default"}}); err != nil {
				t.Fatal(err)
			}
		}, "EvictionByEvictionAPI"},
		// kubectl delete pod, and with --grace-period=0 --force: the pod
		// is gone before the kubelet reports its container ended.
		{"pod deleted", func(t *testing.T, job string) { deleteJobPod(t, c, job, nil) }, "was deleted outside mlform before it finished"},
		{"pod force-deleted", func(t *testing.T, job string) {
			deleteJobPod(t, c, job, new(int64))
		}, "was deleted outside mlform before it finished"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job, pidfile, done := startTree(t)
			tt.end(t, job)
			r := <-done
			if r.err != nil || r.Status != state.StatusFailed || !strings.Contains(r.Reason, tt.reason) {
				t.Errorf("result %+v %v, want failed: %s", r.Result, r.err, tt.reason)
			}
			requireGone(t, pidfile)
		})
	}
}

// deleteJobPod deletes the Job's one pod as kubectl delete pod does
// (grace: --grace-period; 0 with --force).
func deleteJobPod(t *testing.T, c k8s.Interface, job string, grace *int64) {
	t.Helper()
	pods, err := c.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=" + job})
	if err != nil || len(pods.Items) != 1 {
		t.Fatalf("pods: %v %v", pods, err)
	}
	if err := c.CoreV1().Pods("default").Delete(context.Background(), pods.Items[0].Name, metav1.DeleteOptions{GracePeriodSeconds: grace}); err != nil {
		t.Fatal(err)
	}
}

// TestDeadlineWhileDetached: a Job nobody watches (apply was killed) is
// stopped by the cluster's activeDeadlineSeconds; attaching afterwards
// reports it timed out with the cluster's reason.
func TestDeadlineWhileDetached(t *testing.T) {
	c := client(t)
	e := newExecutor(t, func(o *kubernetes.Options) { o.DeadlineSlack = -1 })
	pidfile := filepath.Join(t.TempDir(), "pids")
	task := helperTask(t, "tree", pidfile)
	task.Timeout = 3 * time.Second
	ctx := context.Background()
	name, err := e.Submit(ctx, task)
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, c, name, func(j *batchv1.Job) bool {
		for _, cond := range j.Status.Conditions {
			if cond.Type == batchv1.JobFailed && cond.Status == corev1.ConditionTrue {
				return true
			}
		}
		return false
	})
	res, err := e.Attach(ctx, name, task)
	if err != nil || res.Status != state.StatusTimedOut || !strings.Contains(res.Reason, "DeadlineExceeded") {
		t.Errorf("result %+v %v, want timed out with DeadlineExceeded", res, err)
	}
	// On a loaded node the pod may not have started its command before
	// the deadline: then nothing of it can be left running.
	if _, err := os.Stat(pidfile); errors.Is(err, fs.ErrNotExist) {
		t.Logf("the step had not started within %s; no processes to check", task.Timeout)
		return
	}
	requireGone(t, pidfile)
}

// waitJob watches Job name until ok holds.
func waitJob(t *testing.T, c k8s.Interface, name string, ok func(*batchv1.Job) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, err := c.BatchV1().Jobs("default").Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String()})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		if j, isJob := ev.Object.(*batchv1.Job); isJob && ok(j) {
			return
		}
	}
	t.Fatalf("job %s never reached the expected state", name)
}

// TestReattach: a Job whose submitter went away (apply killed after
// Submit) is found again and collected once, output and all, without a
// second Job.
func TestReattach(t *testing.T) {
	c := client(t)
	e := newExecutor(t)
	task := helperTask(t, "exit", "0")
	ctx := context.Background()
	name, err := e.Submit(ctx, task)
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, c, name, func(j *batchv1.Job) bool { return j.Status.Succeeded == 1 })

	// A new process, a new executor.
	e2 := newExecutor(t)
	names, err := e2.Find(ctx, task)
	if err != nil || len(names) != 1 || names[0] != name {
		t.Fatalf("Find: %v %v, want [%s]", names, err, name)
	}
	var out bytes.Buffer
	task.Stdout = &out
	res, err := e2.Attach(ctx, name, task)
	if err != nil || res.Status != state.StatusSucceeded || res.ExitCode != 0 {
		t.Fatalf("Attach: %+v %v", res, err)
	}
	if out.String() != "to stdout\npartial\n" {
		t.Errorf("re-attached output %q", out.String())
	}
	if names, _ := e2.Find(ctx, task); len(names) != 1 {
		t.Errorf("jobs after collecting: %v, want the one", names)
	}
	if _, err := e2.Attach(ctx, "mlform-no-such-job", task); !errors.Is(err, kubernetes.ErrUnknownJob) {
		t.Errorf("Attach to a missing job: %v, want ErrUnknownJob", err)
	}
}

// TestSecretOfKilledSubmit: a Submit killed after creating the env Secret
// leaves it unowned; Find, which the next apply calls for an attempt
// whose Job name was not recorded, deletes it when no Job was created and
// makes the Job its owner when one was (it then goes with the Job).
func TestSecretOfKilledSubmit(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	task := helperTask(t, "exit", "0")
	task.Attempt = randHex(t) + randHex(t)
	opts := kubernetes.Options{Image: testImage, Namespace: "default"}
	secrets := c.CoreV1().Secrets("default")
	name := kubernetes.EnvSecretName(task, "")
	if _, err := secrets.Create(ctx, kubernetes.BuildEnvSecret(task, opts, "default", name), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	e := newExecutor(t)
	if names, err := e.Find(ctx, task); err != nil || len(names) != 0 {
		t.Fatalf("Find: %v %v, want no Job", names, err)
	}
	if _, err := secrets.Get(ctx, name, metav1.GetOptions{}); err == nil {
		t.Fatal("the Secret of a Submit that created no Job is still there after Find")
	}

	// Killed after creating the Job, before making it the Secret's owner.
	if _, err := secrets.Create(ctx, kubernetes.BuildEnvSecret(task, opts, "default", name), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	job, err := kubernetes.BuildJob(task, opts, "default", kubernetes.JobPrefix(task)+"bcdfg")
	if err != nil {
		t.Fatal(err)
	}
	job.Spec.Suspend = new(bool)
	*job.Spec.Suspend = true // nothing needs to run
	created, err := c.BatchV1().Jobs("default").Create(ctx, job, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		bg := metav1.DeletePropagationBackground
		_ = c.BatchV1().Jobs("default").Delete(context.Background(), created.Name, metav1.DeleteOptions{PropagationPolicy: &bg})
		_ = secrets.Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	if names, err := e.Find(ctx, task); err != nil || len(names) != 1 || names[0] != created.Name {
		t.Fatalf("Find: %v %v, want [%s]", names, err, created.Name)
	}
	s, err := secrets.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the Secret of the found Job is gone: %v", err)
	}
	if len(s.OwnerReferences) != 1 || s.OwnerReferences[0].UID != created.UID {
		t.Errorf("Secret owners %+v, want the Job %s", s.OwnerReferences, created.Name)
	}
}
