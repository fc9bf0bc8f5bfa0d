//go:build linux

package k8stest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/clusterscript"
)

// TestScriptsStartStop: scripts/k8s/start.sh brings up a plane of its own
// next to the one the tests use, and stop.sh ends exactly the daemons it
// started and removes its directory, leaving the other plane running.
func TestScriptsStartStop(t *testing.T) {
	other := Need(t) // the binaries are built and a plane runs
	scripts, err := filepath.Abs("../../../../scripts/k8s")
	if err != nil {
		t.Fatal(err)
	}
	c := clusterscript.Start(t, scripts, filepath.Join(t.TempDir(), "plane"), RequireEnv+"=1")
	env, err := os.ReadFile(filepath.Join(c.Dir, "env"))
	if err != nil || !strings.Contains(string(env), "MLFORM_TEST_KUBECONFIG="+c.Dir) {
		t.Fatalf("env file %q (%v): want the new plane's kubeconfig", env, err)
	}
	c.Stop(clusterscript.Running(t, c.Dir, "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "vknode"))
	if _, err := os.Stat(other); err != nil {
		t.Errorf("the other plane's kubeconfig is gone: %v", err)
	}
	// The other plane still runs.
	clusterscript.Running(t, filepath.Dir(other), "kube-apiserver", "vknode")
}
