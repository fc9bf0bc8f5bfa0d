//go:build linux

package slurmtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/clusterscript"
)

// TestScriptsStartStop: scripts/slurm/start.sh brings up a cluster of its
// own next to any other, and stop.sh ends exactly what it started (the
// daemons and a running job that ignores SIGTERM) and removes its
// directory, leaving the other cluster running.
func TestScriptsStartStop(t *testing.T) {
	scripts, err := filepath.Abs("../../../../scripts/slurm")
	if err != nil {
		t.Fatal(err)
	}
	path := os.Getenv("PATH") + ":/usr/sbin:/sbin"
	for _, prog := range []string{"slurmctld", "slurmd", "munged", "sbatch"} {
		if _, err := lookPath(prog, path); err != nil {
			reason := "slurm tests: slurm-wlm/munge not installed (scripts/slurm/install.sh installs them)"
			if os.Getenv(RequireEnv) == "1" {
				t.Fatalf("%s (%s=1)", reason, RequireEnv)
			}
			t.Skip(reason)
		}
	}
	c := clusterscript.Start(t, scripts, filepath.Join(t.TempDir(), "cluster"), "PATH="+path, RequireEnv+"=1")
	conf := filepath.Join(c.Dir, "slurm.conf")
	slurm := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "SLURM_CONF="+conf, "PATH="+path)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if got := slurm("sinfo", "-h", "-o", "%T"); got != "idle" {
		t.Fatalf("sinfo says the node is %q, want idle", got)
	}

	pidfile := filepath.Join(t.TempDir(), "pids")
	id := slurm("sbatch", "--parsable", "-o", "/dev/null", "--wrap",
		"trap '' TERM; sleep 600 & echo $$ $! > "+pidfile+"; wait")
	var pids []int
	for deadline := time.Now().Add(time.Minute); len(pids) < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("job %s never wrote its pids: %s", id, slurm("scontrol", "show", "job", "-o", id))
		}
		data, _ := os.ReadFile(pidfile)
		if bytes.HasSuffix(data, []byte("\n")) {
			for _, f := range strings.Fields(string(data)) {
				n, err := strconv.Atoi(f)
				if err != nil {
					t.Fatal(err)
				}
				pids = append(pids, n)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	daemons := clusterscript.Running(t, c.Dir, "munged", "slurmctld", "slurmd")
	c.Stop(append(daemons, pids...))
	if other := os.Getenv("SLURM_CONF"); other != "" && other != conf {
		ping := exec.Command("scontrol", "ping")
		ping.Env = append(os.Environ(), "SLURM_CONF="+other)
		if out, err := ping.CombinedOutput(); err != nil || !bytes.Contains(out, []byte("UP")) {
			t.Errorf("the other cluster (%s) stopped answering: %v\n%s", other, err, out)
		}
	}
}

func lookPath(prog, path string) (string, error) {
	for _, d := range filepath.SplitList(path) {
		p := filepath.Join(d, prog)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}
