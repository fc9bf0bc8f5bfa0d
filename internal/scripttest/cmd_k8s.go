package scripttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8s "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/mlform/mlform/providers/executor/kubernetes/k8stest"
)

// k8sCondition answers [k8s]: whether the Kubernetes test control plane
// is up. Under MLFORM_REQUIRE_K8S_TESTS=1 a missing plane is an error,
// never a skip.
func k8sCondition() (bool, error) {
	return clusterCondition(k8stest.Unavailable(), k8stest.RequireEnv)
}

// k8senv gives the script what a user of the plane has: KUBECONFIG (the
// admin's), the node's name as $K8S_NODE, and $MLFORM_BIN, the mlform the
// script runs: the test node ignores images, so a kubernetes block's
// init_binary names this local file for the init container to install;
// and $K8S_RUN, a random label value for the script's Jobs.
func cmdK8senv(ts *testscript.TestScript, neg bool, args []string) {
	if reason := k8stest.Unavailable(); reason != "" {
		ts.Fatalf("%s (guard the script with [!k8s] skip)", reason)
	}
	ts.Setenv("KUBECONFIG", k8stest.Kubeconfig())
	ts.Setenv("K8S_NODE", k8stest.Node())
	bin, err := lookPathIn("mlform", ts.Getenv("PATH"))
	ts.Check(err)
	ts.Setenv("MLFORM_BIN", bin)
	// Jobs outlive a script (ttl_after_finished): a script labels its own
	// with run=$K8S_RUN to tell them from an earlier run's on the same plane.
	var b [6]byte
	_, err = rand.Read(b[:])
	ts.Check(err)
	ts.Setenv("K8S_RUN", hex.EncodeToString(b[:]))
}

// lookPathIn finds name in the directories of path.
func lookPathIn(name, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() {
			return filepath.Abs(p)
		}
	}
	return exec.LookPath(name)
}

// kube jobs SELECTOR [NAMESPACE] | kube wait-running SELECTOR |
// kube delete-job NAME | kube secret NAME KEY VALUE |
// kube limit-cpu NAMESPACE MAX: what a user does with kubectl, in the
// default namespace of the plane unless one is named (k8senv first): list
// the names of the Jobs a label selector matches, one a line on stdout;
// wait until the API shows a pod the selector matches running (kubectl
// wait); delete a Job as `kubectl delete job` does (background
// propagation); create (or replace) a Secret with one key; create a
// namespace whose LimitRange allows a container at most MAX CPUs (deleted
// when the script ends), once its default service account is in place.
// waitRunning bounds `kube wait-running`: a script that gives up while
// its background apply waits for the job hangs until the test's timeout
// (the interrupt it sends lets running jobs finish), so it waits long.
const waitRunning = 2 * time.Minute

func cmdKube(ts *testscript.TestScript, neg bool, args []string) {
	cfg, err := clientcmd.BuildConfigFromFlags("", ts.Getenv("KUBECONFIG"))
	ts.Check(err)
	c, err := k8s.NewForConfig(cfg)
	ts.Check(err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const ns = "default"
	out := ts.Stdout() // set even when nothing is printed: no Jobs is an empty stdout
	switch {
	case args[0] == "jobs" && (len(args) == 2 || len(args) == 3):
		in := ns
		if len(args) == 3 {
			in = args[2]
		}
		list, err := c.BatchV1().Jobs(in).List(ctx, metav1.ListOptions{LabelSelector: args[1]})
		ts.Check(err)
		for _, j := range list.Items {
			fmt.Fprintln(out, j.Name)
		}
	case args[0] == "wait-running" && len(args) == 2:
		// The API learns a pod's state from its node a moment after the
		// container started (longer on a loaded machine): wait for it,
		// by a watch.
		wctx, wcancel := context.WithTimeout(context.Background(), waitRunning)
		defer wcancel()
		w, err := c.CoreV1().Pods(ns).Watch(wctx, metav1.ListOptions{LabelSelector: args[1]})
		ts.Check(err)
		defer w.Stop()
		for ev := range w.ResultChan() {
			if p, ok := ev.Object.(*corev1.Pod); ok && p.Status.Phase == corev1.PodRunning {
				return
			}
		}
		ts.Fatalf("kube wait-running: no pod matching %s ran within %s", args[1], waitRunning)
	case args[0] == "delete-job" && len(args) == 2:
		bg := metav1.DeletePropagationBackground
		ts.Check(c.BatchV1().Jobs(ns).Delete(ctx, args[1], metav1.DeleteOptions{PropagationPolicy: &bg}))
	case args[0] == "secret" && len(args) == 4:
		sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: args[1]}, StringData: map[string]string{args[2]: args[3]}}
		_, err := c.CoreV1().Secrets(ns).Create(ctx, sec, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) { // a script run again on the same plane
			_, err = c.CoreV1().Secrets(ns).Update(ctx, sec, metav1.UpdateOptions{})
		}
		ts.Check(err)
	case args[0] == "limit-cpu" && len(args) == 3:
		limitedNamespace(ts, ctx, c, args[1], args[2])
	default:
		ts.Fatalf("usage: %s", kubeUsage)
	}
}

const kubeUsage = "kube jobs SELECTOR [NAMESPACE] | kube wait-running SELECTOR | kube delete-job NAME | kube secret NAME KEY VALUE | kube limit-cpu NAMESPACE MAX"

// limitedNamespace is kube limit-cpu. A pod needs its namespace's default
// service account, which the controller manager makes a moment after the
// namespace: it waits for it, by a watch.
func limitedNamespace(ts *testscript.TestScript, ctx context.Context, c k8s.Interface, ns, maxCPU string) {
	q, err := resource.ParseQuantity(maxCPU)
	ts.Check(err)
	_, err = c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	ts.Check(err)
	ts.Defer(func() { _ = c.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
	lr := &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "cpu"}, Spec: corev1.LimitRangeSpec{
		Limits: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer, Max: corev1.ResourceList{corev1.ResourceCPU: q}}}}}
	_, err = c.CoreV1().LimitRanges(ns).Create(ctx, lr, metav1.CreateOptions{})
	ts.Check(err)
	w, err := c.CoreV1().ServiceAccounts(ns).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=default"})
	ts.Check(err)
	defer w.Stop()
	if _, err := c.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{}); err == nil {
		return
	}
	for ev := range w.ResultChan() {
		if _, ok := ev.Object.(*corev1.ServiceAccount); ok {
			return
		}
	}
	ts.Fatalf("kube limit-cpu: namespace %s got no default service account: %v", ns, ctx.Err())
}
