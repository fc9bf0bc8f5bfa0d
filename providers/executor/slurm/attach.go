package slurm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/state"
)

// stopCause is why the executor itself stopped a job.
type stopCause int

const (
	notStopped stopCause = iota
	stoppedCancel
	stoppedTimeout
)

// maxQueryFailures is how many queries in a row may fail before Attach
// reports the error.
const maxQueryFailures = 8

// endAfter is how long after SIGKILL a job that is still running is
// cancelled outright.
const endAfter = 10 * time.Second

// settleTimeout bounds how long a job stopped by the executor may take to
// leave the queue after SIGKILL before Attach gives up on it.
const settleTimeout = 2 * time.Minute

// Attach follows job id until it ends and returns its result, streaming
// its output to t.Stdout and t.Stderr and its queue states to t.Progress.
// It is how Run waits, and how a caller that recorded the id collects a
// job that outlived the process that submitted it (the output is then
// streamed again from its start).
//
// t is the task the job was submitted for. Its Timeout is enforced from
// the job's start (so time in the queue does not count), to the second,
// whatever Slurm's whole-minute limit says: SIGTERM, then SIGKILL after
// the grace period. A cancelled ctx stops the job the same way and the
// result is cancelled; use a context that is never cancelled to wait
// without stopping the job on the way out.
//
// An error means the job could not be followed (Slurm did not answer, or
// does not know the id); the job itself may still be running.
func (e *Executor) Attach(ctx context.Context, id string, t executor.Task) (executor.Result, error) {
	grace := t.Grace
	if grace == 0 {
		grace = e.opts.Grace
	}
	if grace == 0 {
		grace = executor.DefaultGrace
	}
	w := &watch{e: e, id: id, task: t, grace: grace, delay: e.opts.PollMin, clock: executor.JobClock{Timeout: t.Timeout}}
	info, err := w.follow(ctx)
	if err != nil {
		return executor.Result{Status: state.StatusFailed, ExitCode: -1}, err
	}
	return w.result(info), nil
}

// watch is one Attach in progress.
type watch struct {
	e     *Executor
	id    string
	task  executor.Task
	grace time.Duration

	out, err *tailer
	last     JobInfo
	seen     bool              // a query answered
	clock    executor.JobClock // from when this watch first saw it run
	delay    time.Duration
	cause    stopCause
	// termAt is when SIGTERM was sent; killed when SIGKILL was.
	termAt time.Time
	killed bool
	// ended is when a plain scancel was sent after SIGKILL.
	ended bool
}

// follow polls Slurm until the job is over (or, once it was stopped and
// killed, until it leaves the queue), tailing its output meanwhile.
func (w *watch) follow(ctx context.Context) (JobInfo, error) {
	bg := context.WithoutCancel(ctx)
	nextQuery := time.Time{}
	fileDelay := w.e.opts.PollMin
	failures := 0
	for {
		now := time.Now()
		if !now.Before(nextQuery) {
			info, err := w.e.Query(bg, w.id)
			if err != nil {
				// A busy controller times out now and then; a job it
				// does not know is final.
				failures++
				if errors.Is(err, ErrUnknownJob) || failures >= maxQueryFailures {
					return JobInfo{}, err
				}
				nextQuery = time.Now().Add(w.delay)
				w.delay = min(w.delay*2, w.e.opts.PollMax)
				continue
			}
			failures = 0
			w.observe(info)
			if info.Terminal() {
				w.drain()
				return info, nil
			}
			nextQuery = time.Now().Add(w.delay)
			w.delay = min(w.delay*2, w.e.opts.PollMax)
		}
		if w.pollFiles() {
			fileDelay = w.e.opts.PollMin
		} else {
			fileDelay = min(fileDelay*2, time.Second)
		}

		if w.cause == notStopped {
			switch {
			case ctx.Err() != nil:
				w.stop(bg, stoppedCancel)
				nextQuery = time.Now()
				continue
			case w.clock.Expired():
				w.stop(bg, stoppedTimeout)
				nextQuery = time.Now()
				continue
			}
		} else {
			if !w.killed && time.Since(w.termAt) >= w.grace {
				w.kill(bg)
				nextQuery = time.Now()
				continue
			}
			if w.killed && !w.ended && time.Since(w.termAt) >= w.grace+endAfter {
				// Still there: end the job (its other steps too) the
				// cluster's way, with its own KillWait.
				w.ended = true
				w.scancel(bg)
			}
			if w.killed && time.Since(w.termAt) >= w.grace+settleTimeout {
				return JobInfo{}, fmt.Errorf("slurm job %s: still %s %s after scancel", w.id, w.last.State, settleTimeout)
			}
		}

		wake := min(time.Until(nextQuery), fileDelay)
		if d, ok := w.clock.Left(); ok && w.cause == notStopped {
			wake = min(wake, d)
		}
		if w.cause != notStopped && !w.killed {
			wake = min(wake, time.Until(w.termAt.Add(w.grace)))
		}
		timer := time.NewTimer(max(wake, time.Millisecond))
		var done <-chan struct{}
		if w.cause == notStopped {
			done = ctx.Done()
		}
		select {
		case <-timer.C:
		case <-done:
			timer.Stop()
		}
	}
}

// observe records a query's answer: output paths, progress, start time.
func (w *watch) observe(info JobInfo) {
	if !w.seen {
		w.out = newTailer(info.Stdout, w.task.Stdout)
		w.err = newTailer(info.Stderr, w.task.Stderr)
	}
	changed := !w.seen || info.State != w.last.State || info.Reason != w.last.Reason || info.Node != w.last.Node
	if info.State == "RUNNING" {
		w.clock.Running(info.Start, !w.seen)
	}
	w.seen = true
	w.last = info
	if changed {
		w.delay = w.e.opts.PollMin
		if w.task.Progress != nil && !info.Terminal() {
			since := info.Submit
			if info.State == "RUNNING" && !info.Start.IsZero() {
				since = info.Start
			}
			w.task.Progress(executor.Progress{JobID: info.ID, State: info.State, Reason: info.Reason, Host: info.Node, Since: since})
		}
	}
}

func (w *watch) pollFiles() bool {
	if w.out == nil {
		return false
	}
	a, _ := w.out.poll()
	b, _ := w.err.poll()
	return a || b
}

// drain writes the rest of the output and removes the job's scratch
// directory, which only ever holds its two output files.
func (w *watch) drain() {
	if w.out == nil {
		return
	}
	_ = w.out.finish()
	_ = w.err.finish()
	for _, p := range []string{w.last.Stdout, w.last.Stderr} {
		if d := filepath.Dir(p); filepath.IsAbs(p) && strings.HasPrefix(filepath.Base(d), scratchPrefix) {
			_ = os.RemoveAll(d)
		}
	}
}

// stop begins stopping the job: a job still queued is simply removed; a
// running one gets SIGTERM (all its processes, the batch script's
// included) and, after the grace period, SIGKILL.
func (w *watch) stop(ctx context.Context, cause stopCause) {
	w.cause = cause
	w.termAt = time.Now()
	if w.last.State == "PENDING" || w.last.State == "" {
		w.killed = true
		w.scancel(ctx)
		return
	}
	w.scancel(ctx, "--signal=TERM", "--full")
}

// kill sends SIGKILL to the batch step's processes. It is not
// `scancel --signal=KILL --full`: slurmctld turns a SIGKILL for the whole
// job into an ordinary cancellation, which signals SIGTERM again and waits
// the cluster's KillWait (30s by default) before killing.
func (w *watch) kill(ctx context.Context) {
	w.killed = true
	w.scancel(ctx, "--signal=KILL", "--batch")
}

// scancel's errors are not the step's: a job that ended meanwhile
// ("already completing or completed") is the common one, and the next
// query says what happened.
func (w *watch) scancel(ctx context.Context, args ...string) {
	_, _ = w.e.command(ctx, nil, nil, "scancel", append(args, w.id)...)
}

// result turns Slurm's last word on the job into a Result.
func (w *watch) result(info JobInfo) executor.Result {
	r := executor.Result{ExitCode: info.ExitCode, Host: info.Node, StartedAt: info.Start, EndedAt: info.End}
	if r.StartedAt.IsZero() {
		r.StartedAt = info.Submit
	}
	if r.EndedAt.IsZero() || r.EndedAt.Before(r.StartedAt) {
		r.EndedAt = w.e.opts.Now()
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = r.EndedAt
	}
	if info.Node == "" {
		// Never ran (Slurm stamps a StartTime even on a job cancelled
		// while queued, but no node).
		r.ExitCode = -1
		r.StartedAt = info.Submit
	}
	r.Status, r.Reason = classify(info, w.cause, w.task.Timeout)
	return r
}

// classify maps a finished job's state to a status and, unless it
// succeeded, the cluster's reason. A job the executor stopped is timed out
// or cancelled whatever state the stop left it in (a command may exit 0 on
// SIGTERM). A job cancelled by someone else (scancel, an administrator) is
// a failure: mlform did not ask for it.
func classify(info JobInfo, cause stopCause, timeout time.Duration) (string, string) {
	where := ""
	if info.Node != "" {
		where = " on " + info.Node
	}
	why := ""
	if info.Reason != "" && info.Reason != "NonZeroExitCode" {
		why = " (" + info.Reason + ")"
	}
	switch cause {
	case stoppedTimeout:
		return state.StatusTimedOut, fmt.Sprintf("slurm job %s%s stopped: timeout %s reached", info.ID, where, timeout)
	case stoppedCancel:
		return state.StatusCancelled, fmt.Sprintf("slurm job %s%s cancelled by mlform", info.ID, where)
	}
	switch info.State {
	case "COMPLETED":
		if info.ExitCode == 0 {
			return state.StatusSucceeded, ""
		}
		return state.StatusFailed, fmt.Sprintf("slurm job %s%s COMPLETED with exit code %d", info.ID, where, info.ExitCode)
	case "TIMEOUT":
		return state.StatusTimedOut, fmt.Sprintf("slurm job %s%s TIMEOUT: Slurm's time limit was reached%s", info.ID, where, why)
	case "CANCELLED":
		return state.StatusFailed, fmt.Sprintf("slurm job %s%s CANCELLED outside mlform (scancel or an administrator)%s", info.ID, where, why)
	case "FAILED":
		return state.StatusFailed, fmt.Sprintf("slurm job %s%s FAILED with exit code %d%s", info.ID, where, info.ExitCode, why)
	case "NODE_FAIL":
		return state.StatusFailed, fmt.Sprintf("slurm job %s%s NODE_FAIL: the node failed%s", info.ID, where, why)
	case "PREEMPTED":
		return state.StatusFailed, fmt.Sprintf("slurm job %s%s PREEMPTED by a higher-priority job%s", info.ID, where, why)
	case "OUT_OF_MEMORY":
		return state.StatusFailed, fmt.Sprintf("slurm job %s%s OUT_OF_MEMORY: it used more than its memory limit%s", info.ID, where, why)
	}
	return state.StatusFailed, fmt.Sprintf("slurm job %s%s ended %s%s", info.ID, where, info.State, why)
}
