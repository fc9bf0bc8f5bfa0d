//go:build unix

package executortest

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/procid"
	"github.com/mlform/mlform/internal/syncbuf"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/state"
)

// Cases about stopping a command: timeouts, cancellation, orphans.

// testTimeoutKillsTree: the leader and its child both ignore SIGTERM, so
// only a SIGKILL of the whole group after the grace period stops them.
// As in testTimeoutGraceful, a helper that was not ready by the first
// deadline (a loaded machine, a slow scheduler) is tried again with a
// longer one; whatever it had started by then must be gone all the same.
func (s *suite) testTimeoutKillsTree(t *testing.T) {
	for _, timeout := range []time.Duration{1500 * time.Millisecond, 5 * time.Second, 15 * time.Second} {
		pidfile := filepath.Join(t.TempDir(), "pids")
		task := s.task("tree", pidfile)
		task.Timeout, task.Grace = timeout, 200*time.Millisecond
		start := time.Now()
		res := s.run(t, context.Background(), s.newExecutor(t), task)
		if res.Status != state.StatusTimedOut {
			t.Errorf("status %q, want %q", res.Status, state.StatusTimedOut)
		}
		if d := time.Since(start); d > timeout+15*time.Second {
			t.Errorf("Run took %s for a %s timeout and 200ms grace", d, timeout)
		}
		// The helper writes its child's pid, then its own: two pids mean
		// both were running when the deadline came.
		if pids, _ := readPids(pidfile); len(pids) < 2 && timeout < 15*time.Second {
			t.Logf("the helper was not ready within %s; trying a longer timeout", timeout)
			if len(pids) > 0 {
				requireGone(t, pidfile, len(pids))
			}
			continue
		}
		requireGone(t, pidfile, 2)
		return
	}
}

// testTimeoutGraceful: a command that exits 0 on SIGTERM still timed out,
// and Run returns when it exits, not after the grace period. The helper
// can only answer SIGTERM once its handler is installed (it then prints
// "ready"); on a loaded machine or a slow cluster it may not be by the
// first deadline, and then a longer one is tried: how soon a command
// starts is the machine's business, what happens at the deadline is the
// executor's.
func (s *suite) testTimeoutGraceful(t *testing.T) {
	for _, timeout := range []time.Duration{500 * time.Millisecond, 3 * time.Second, 20 * time.Second} {
		var out syncbuf.Buffer
		task := s.task("graceful")
		task.Stdout = &out
		task.Timeout, task.Grace = timeout, time.Minute
		start := time.Now()
		res := s.run(t, context.Background(), s.newExecutor(t), task)
		if !strings.Contains(out.String(), "ready") && timeout < 20*time.Second {
			t.Logf("the helper was not ready within %s (status %q); trying a longer timeout", timeout, res.Status)
			continue
		}
		if res.Status != state.StatusTimedOut {
			t.Errorf("status %q, want %q even though it exited 0 on SIGTERM", res.Status, state.StatusTimedOut)
		}
		if !strings.Contains(out.String(), "got TERM") {
			t.Errorf("the command was not sent SIGTERM first; output %q", out.String())
		}
		if d := time.Since(start); d > timeout+30*time.Second {
			t.Errorf("Run waited %s: it must return as soon as the command exits, not after the grace period", d)
		}
		return
	}
}

func (s *suite) testCancel(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pids")
	task := s.task("tree", pidfile)
	task.Grace = 200 * time.Millisecond
	ready := syncbuf.NewLineWaiter("ready")
	task.Stdout = ready
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan executor.Result, 1)
	e := s.newExecutor(t)
	go func() { done <- s.run(t, ctx, e, task) }()
	select {
	case <-ready.Seen():
	case res := <-done:
		t.Fatalf("helper ended before it was ready: %+v", res)
	case <-time.After(30 * time.Second):
		t.Fatal("helper never became ready")
	}
	cancel()
	select {
	case res := <-done:
		if res.Status != state.StatusCancelled {
			t.Errorf("status %q, want %q", res.Status, state.StatusCancelled)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after cancellation")
	}
	requireGone(t, pidfile, 2)
}

func (s *suite) testCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	marker := filepath.Join(t.TempDir(), "pids")
	res, err := s.newExecutor(t).Run(ctx, s.task("child", marker))
	if err != nil {
		t.Fatalf("Run: %v (a cancelled context is a result, not an error)", err)
	}
	if res.Status != state.StatusCancelled {
		t.Errorf("status %q, want %q", res.Status, state.StatusCancelled)
	}
	if pids, _ := readPids(marker); len(pids) > 0 {
		for _, p := range pids {
			_ = killPid(p)
		}
		t.Error("the command ran although the context was already cancelled")
	}
}

func (s *suite) testNoOrphans(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pids")
	task := s.task("orphan", pidfile)
	start := time.Now()
	res := s.run(t, context.Background(), s.newExecutor(t), task)
	if res.Status != state.StatusSucceeded {
		t.Errorf("status %q (%s), want %q", res.Status, res.Reason, state.StatusSucceeded)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("Run took %s: a child left behind must not hold it up", d)
	}
	requireGone(t, pidfile, 1)
}

// requireGone checks that the want pids in pidfile have all stopped,
// allowing a loaded machine or cluster ten seconds to deliver SIGKILL and
// reap. Survivors are killed so a failing test leaves nothing behind.
func requireGone(t *testing.T, pidfile string, want int) {
	t.Helper()
	pids, err := readPids(pidfile)
	if err != nil || len(pids) < want {
		t.Fatalf("helper wrote %d pids (%v), want %d: it did not start in time", len(pids), err, want)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for !procid.Exited(pid) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !procid.Exited(pid) {
			_ = killPid(pid)
			t.Errorf("process %d is still running", pid)
		}
	}
}

// killPid cleans up after a failing test.
func killPid(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }
