//go:build unix

package kubernetes_test

import (
	"testing"
	"time"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/executortest"
	"github.com/mlform/mlform/providers/executor/kubernetes"
	"github.com/mlform/mlform/providers/executor/kubernetes/k8stest"
)

func TestMain(m *testing.M) { executortest.Main(m) }

// testImage is the image the tests' Jobs name. The test plane's node
// (scripts/k8s/vknode) ignores images and runs the command from this
// machine, so it need not exist.
const testImage = "registry.invalid/mlform-test:ignored"

// newExecutor is a Kubernetes executor for the test plane.
func newExecutor(t *testing.T, edit ...func(*kubernetes.Options)) *kubernetes.Executor {
	t.Helper()
	o := kubernetes.Options{Image: testImage, Kubeconfig: k8stest.Need(t), Namespace: "default", TTLAfterFinished: time.Hour}
	for _, f := range edit {
		f(&o)
	}
	return kubernetes.New(o)
}

// TestConformance runs the executor suite, unchanged, against the test
// control plane: the real API server, scheduler, Job controller and
// garbage collector, with pods run as local processes by the node.
func TestConformance(t *testing.T) {
	k8stest.Need(t)
	executortest.RunConformance(t, func(t *testing.T) executor.Executor { return newExecutor(t) })
}
