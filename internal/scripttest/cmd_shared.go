package scripttest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mlform/mlform/internal/cloudtest"
)

// cloudprefix VAR PREFIX: sets VAR to $CLOUD_URL (set by `cloud NAME`)
// under key prefix PREFIX, for a second backend in the same bucket.
func cmdCloudprefix(ts *testscript.TestScript, neg bool, args []string) {
	base := ts.Getenv("CLOUD_URL")
	if base == "" {
		ts.Fatalf("cloudprefix: $CLOUD_URL is not set (run cloud NAME first)")
	}
	ts.Setenv(args[0], cloudtest.WithPrefix(base, args[1]))
}

// sharedgc ROUNDS A B GATE: two workspaces A and B (directories with their
// own backends) share one store. Each round:
//
//  1. a new file goes into A/data/d, into A/scratch and into B/data/d (so
//     A's scratch shares chunks with B's data; a file only A/scratch has
//     makes its snapshot A's alone); A applies and then forgets
//     dataset.scratch, making its snapshot garbage;
//  2. B's apply starts in the background with GATE/hold present: its
//     trainer (see the scripts) creates GATE/in-training and waits for
//     GATE/release, so B is in the middle of an apply (its snapshot
//     recorded, its artifacts not yet written) when the script waits for
//     GATE/in-training;
//  3. `gc -lock-timeout=0` in A must fail naming B's apply as the holder
//     of the store lock; then `gc -lock-timeout=5m` starts in A, GATE/release
//     is created, and both B's apply and A's gc must succeed, gc having
//     deleted something (A's forgotten scratch);
//  4. `gc -check -read-data` passes in both (every object each state
//     references is present and every chunk re-hashes).
//
// After the last round the current snapshot and every version of both
// workspaces are pulled.
func cmdSharedgc(ts *testscript.TestScript, neg bool, args []string) {
	rounds, err := strconv.Atoi(args[0])
	ts.Check(err)
	a, b, gate := ts.MkAbs(args[1]), ts.MkAbs(args[2]), ts.MkAbs(args[3])
	ts.Check(os.MkdirAll(gate, 0o755))
	deleted := regexp.MustCompile(`deleted [1-9][0-9]* manifests?`)
	start := time.Now()
	for r := 1; r <= rounds; r++ {
		content := []byte(fmt.Sprintf("id,round\n%d,%d\n", r, r*r))
		name := fmt.Sprintf("r%03d.csv", r)
		for _, p := range []string{filepath.Join(a, "data/d", name), filepath.Join(a, "scratch", name), filepath.Join(b, "data/d", name)} {
			ts.Check(os.MkdirAll(filepath.Dir(p), 0o755))
			ts.Check(os.WriteFile(p, content, 0o644))
		}
		// One file only A's scratch has: its snapshot is A's alone.
		ts.Check(os.WriteFile(filepath.Join(a, "scratch", "mine.csv"), []byte(fmt.Sprintf("scratch\n%d\n", r)), 0o644))
		mustRun(ts, a, "apply", "-auto-approve")
		mustRun(ts, a, "state", "rm", "dataset.scratch")

		hold, inTraining, release := filepath.Join(gate, "hold"), filepath.Join(gate, "in-training"), filepath.Join(gate, "release")
		ts.Check(os.WriteFile(hold, nil, 0o644))
		applyB := startMLForm(ts, b, "apply", "-auto-approve")
		waitForFile(ts, inTraining, applyB, 2*time.Minute)

		out := runMLForm(ts, a, "gc", "-lock-timeout=0")
		if out.code != 1 || !strings.Contains(out.stderr, "store is locked") || !strings.Contains(out.stderr, `for "apply"`) {
			ts.Fatalf("round %d: gc while B applies: want exit 1 naming B's apply as the store lock holder, got exit %d\nstdout: %s\nstderr: %s", r, out.code, out.stdout, out.stderr)
		}
		gc := startMLForm(ts, a, "gc", "-lock-timeout=5m")
		ts.Check(os.WriteFile(release, nil, 0o644))
		if res := applyB.wait(); res.code != 0 {
			ts.Fatalf("round %d: apply in B failed (exit %d)\nstdout: %s\nstderr: %s", r, res.code, res.stdout, res.stderr)
		}
		res := gc.wait()
		if res.code != 0 || !deleted.MatchString(res.stdout) {
			ts.Fatalf("round %d: gc in A: want success deleting A's forgotten scratch snapshot, got exit %d\nstdout: %s\nstderr: %s", r, res.code, res.stdout, res.stderr)
		}
		for _, p := range []string{hold, inTraining, release} {
			ts.Check(os.Remove(p))
		}
		for _, dir := range []string{a, b} {
			mustRun(ts, dir, "gc", "-check", "-read-data")
		}
	}
	for _, dir := range []string{a, b} {
		mustRun(ts, dir, "pull", "dataset.d", filepath.Join(dir, "pulled-final", "d"))
		got, err := os.ReadDir(filepath.Join(dir, "pulled-final", "d"))
		ts.Check(err)
		if len(got) != rounds {
			ts.Fatalf("%s: pulled dataset.d has %d files, want %d", filepath.Base(dir), len(got), rounds)
		}
		for v := 1; v <= rounds; v++ {
			out := filepath.Join(dir, "pulled-final", fmt.Sprintf("v%d", v))
			mustRun(ts, dir, "pull", fmt.Sprintf("model.m@%d", v), out)
			got, err := os.ReadFile(filepath.Join(out, "model.txt"))
			ts.Check(err)
			if want := fmt.Sprintf("files=%d", v); !strings.Contains(string(got), want) {
				ts.Fatalf("%s model.m@%d: model.txt %q does not say %q", filepath.Base(dir), v, got, want)
			}
		}
	}
	ts.Logf("sharedgc: %d rounds in %s", rounds, time.Since(start).Round(time.Millisecond))
}

type mlformResult struct {
	code           int
	stdout, stderr string
}

type mlformProc struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan struct{}
	res            mlformResult
}

// startMLForm starts `mlform ARGS` in dir with the script's environment.
func startMLForm(ts *testscript.TestScript, dir string, args ...string) *mlformProc {
	p := &mlformProc{done: make(chan struct{})}
	p.cmd = exec.Command("mlform", args...)
	if path, err := lookPath("mlform", ts.Getenv("PATH")); err == nil {
		p.cmd.Path = path
	}
	p.cmd.Dir = dir
	p.cmd.Env = scriptEnv(ts)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	ts.Check(p.cmd.Start())
	go func() {
		err := p.cmd.Wait()
		p.res = mlformResult{code: exitCode(err), stdout: p.stdout.String(), stderr: p.stderr.String()}
		close(p.done)
	}()
	return p
}

func (p *mlformProc) wait() mlformResult {
	<-p.done
	return p.res
}

func runMLForm(ts *testscript.TestScript, dir string, args ...string) mlformResult {
	return startMLForm(ts, dir, args...).wait()
}

func mustRun(ts *testscript.TestScript, dir string, args ...string) {
	if res := runMLForm(ts, dir, args...); res.code != 0 {
		ts.Fatalf("in %s: mlform %s: exit %d\nstdout: %s\nstderr: %s", filepath.Base(dir), strings.Join(args, " "), res.code, res.stdout, res.stderr)
	}
}

// waitForFile waits until path exists, failing early when p ends first
// (its output says why) and after timeout.
func waitForFile(ts *testscript.TestScript, path string, p *mlformProc, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		select {
		case <-p.done:
			ts.Fatalf("mlform %s ended (exit %d) before %s appeared\nstdout: %s\nstderr: %s", strings.Join(p.cmd.Args[1:], " "), p.res.code, path, p.res.stdout, p.res.stderr)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not appear within %s", path, timeout)
		}
	}
}
