//go:build linux

package k8stest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/procid"
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
	dir := filepath.Join(t.TempDir(), "plane")
	start := exec.Command(filepath.Join(scripts, "start.sh"), dir)
	start.Env = append(os.Environ(), RequireEnv+"=1")
	if out, err := start.CombinedOutput(); err != nil {
		t.Fatalf("start.sh: %v\n%s", err, out)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = exec.Command(filepath.Join(scripts, "stop.sh"), dir).Run()
		}
	})
	env, err := os.ReadFile(filepath.Join(dir, "env"))
	if err != nil || !strings.Contains(string(env), "MLFORM_TEST_KUBECONFIG="+dir) {
		t.Fatalf("env file %q (%v): want the new plane's kubeconfig", env, err)
	}
	var pids []int
	for _, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "vknode"} {
		data, err := os.ReadFile(filepath.Join(dir, name+".pid"))
		if err != nil {
			t.Fatal(err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || !alive(pid) {
			t.Fatalf("%s: pid %q not running (%v)", name, data, err)
		}
		pids = append(pids, pid)
	}
	if out, err := exec.Command(filepath.Join(scripts, "stop.sh"), dir).CombinedOutput(); err != nil {
		t.Fatalf("stop.sh: %v\n%s", err, out)
	}
	stopped = true
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("process %d is still running after stop.sh", pid)
			_ = exec.Command("kill", "-9", strconv.Itoa(pid)).Run()
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("stop.sh left %s behind (%v)", dir, err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("the other plane's kubeconfig is gone: %v", err)
	}
	for _, f := range []string{"kube-apiserver.pid", "vknode.pid"} {
		data, err := os.ReadFile(filepath.Join(filepath.Dir(other), f))
		if err != nil {
			t.Fatal(err)
		}
		if pid, _ := strconv.Atoi(strings.TrimSpace(string(data))); !alive(pid) {
			t.Errorf("the other plane's %s (%d) stopped", f, pid)
		}
	}
}

// alive reports whether pid is a live process (a zombie is not: its
// parent may never reap it).
func alive(pid int) bool { return !procid.Exited(pid) }
