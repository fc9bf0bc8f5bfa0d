// Package clusterscript tests the scripts that bring up a private test
// cluster (scripts/slurm, scripts/k8s): start.sh DIR starts a cluster of
// its own in DIR, next to any other, and stop.sh DIR ends exactly the
// processes it started and removes DIR. Both kinds are checked the same
// way, so the checks live here once.
package clusterscript

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/procid"
	"github.com/mlform/mlform/internal/raceflag"
)

// Cluster is one started by Start.
type Cluster struct {
	t       testing.TB
	scripts string
	// Dir is the cluster's directory, given to start.sh and stop.sh.
	Dir     string
	stopped bool
}

// Start runs start.sh dir from the directory scripts (scripts/slurm or
// scripts/k8s) with env added to the environment and fails t when it
// fails. Unless Stop ran, stop.sh runs when the test ends, so a failing
// test leaves no cluster behind.
//
// Under -race it skips t: what it tests is shell scripts and daemons the
// detector cannot see, and make test runs it in the pass without -race.
func Start(t testing.TB, scripts, dir string, env ...string) *Cluster {
	t.Helper()
	if raceflag.Enabled {
		t.Skip("tests cluster scripts the race detector cannot see; run without -race")
	}
	start := exec.Command(filepath.Join(scripts, "start.sh"), dir)
	start.Env = append(os.Environ(), env...)
	if out, err := start.CombinedOutput(); err != nil {
		t.Fatalf("start.sh: %v\n%s", err, out)
	}
	c := &Cluster{t: t, scripts: scripts, Dir: dir}
	t.Cleanup(func() {
		if !c.stopped {
			_ = exec.Command(filepath.Join(scripts, "stop.sh"), dir).Run()
		}
	})
	return c
}

// Stop runs stop.sh and fails t unless it succeeds, every process in pids
// has ended (one left running is killed, so it does not outlive the test)
// and the cluster's directory is gone.
func (c *Cluster) Stop(pids []int) {
	c.t.Helper()
	if out, err := exec.Command(filepath.Join(c.scripts, "stop.sh"), c.Dir).CombinedOutput(); err != nil {
		c.t.Fatalf("stop.sh: %v\n%s", err, out)
	}
	c.stopped = true
	for _, pid := range pids {
		if Alive(pid) {
			c.t.Errorf("process %d is still running after stop.sh", pid)
			_ = exec.Command("kill", "-9", strconv.Itoa(pid)).Run()
		}
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		c.t.Errorf("stop.sh left %s behind (%v)", c.Dir, err)
	}
}

// Running returns the pids in dir's NAME.pid files, one per name, and
// fails t unless each names a live process.
func Running(t testing.TB, dir string, names ...string) []int {
	t.Helper()
	var pids []int
	for _, name := range names {
		file := filepath.Join(dir, name+".pid")
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || !Alive(pid) {
			t.Fatalf("%s: pid %q not running (%v)", file, data, err)
		}
		pids = append(pids, pid)
	}
	return pids
}

// Alive reports whether pid is a live process (a zombie is not: its
// parent may never reap it).
func Alive(pid int) bool { return !procid.Exited(pid) }
