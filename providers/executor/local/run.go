//go:build unix

package local

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/state"
)

// Run implements executor.Executor.
func (e *Executor) Run(ctx context.Context, t executor.Task) (executor.Result, error) {
	res := executor.Result{Status: state.StatusFailed, ExitCode: -1, Host: e.host}
	if err := t.Validate(); err != nil {
		return res, err
	}
	res.StartedAt = e.opts.Now()
	if ctx.Err() != nil {
		res.Status, res.EndedAt = state.StatusCancelled, res.StartedAt
		return res, nil
	}
	// fail reports a command that never started: no exit code, no duration.
	fail := func(err error) (executor.Result, error) {
		res.EndedAt = res.StartedAt
		return res, err
	}
	env := executor.BuildEnv(e.opts.Getenv, t.Env)
	dir := t.Dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return fail(fmt.Errorf("%s %s: working directory: %w", t.Step, t.Label(), err))
		}
		dir = wd
	}
	path, err := executor.ResolveCommand(t.Command[0], dir, executor.EnvValue(env, "PATH"))
	if err != nil {
		return fail(fmt.Errorf("%s %s: command: %w", t.Step, t.Label(), err))
	}

	outR, outW, err := os.Pipe()
	if err != nil {
		return fail(fmt.Errorf("%s %s: %w", t.Step, t.Label(), err))
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return fail(fmt.Errorf("%s %s: %w", t.Step, t.Label(), err))
	}
	cmd := &exec.Cmd{
		Path:        path,
		Args:        t.Command,
		Dir:         dir,
		Env:         env,
		Stdout:      outW,
		Stderr:      errW,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	var sup *supervised
	if e.opts.Supervisor != "" {
		if sup, err = superviseCmd(cmd, e.opts.Supervisor, path); err != nil {
			outR.Close()
			errR.Close()
			outW.Close()
			errW.Close()
			return fail(fmt.Errorf("%s %s: %w", t.Step, t.Label(), err))
		}
		defer sup.close()
	}
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if sup != nil {
		sup.afterStart()
		if err != nil {
			err = fmt.Errorf("the step supervisor %s: %w", e.opts.Supervisor, err)
		} else if serr := sup.readStarted(); serr != nil {
			_ = cmd.Wait()
			err = serr
		}
	}
	if err != nil {
		outR.Close()
		errR.Close()
		return fail(fmt.Errorf("%s %s: start %s: %w", t.Step, t.Label(), t.Command[0], err))
	}
	res.StartedAt = e.opts.Now()
	pgid := cmd.Process.Pid

	var mu sync.Mutex // one lock for both streams: they may share a writer
	var pumps sync.WaitGroup
	pumps.Add(2)
	go pump(&pumps, outR, t.Stdout, &mu)
	go pump(&pumps, errR, t.Stderr, &mu)

	// exited receives when the command has exited: the leader itself, or
	// the command a supervisor (the leader, still alive) reports.
	exited := make(chan error, 1)
	reported, reportedCode := false, 0
	go func() {
		if sup != nil {
			if code, ok := sup.readExit(); ok {
				reported, reportedCode = true, code
				exited <- nil
				return
			}
		}
		exited <- waitLeader(cmd)
	}()

	var timeout <-chan time.Time
	if t.Timeout > 0 {
		timer := time.NewTimer(t.Timeout)
		defer timer.Stop()
		timeout = timer.C
	}
	grace := t.Grace
	if grace == 0 {
		grace = e.opts.Grace
	}
	if grace == 0 {
		grace = executor.DefaultGrace
	}

	stopped := ""
	var leaderErr error
	select {
	case leaderErr = <-exited:
	case <-timeout:
		stopped = state.StatusTimedOut
	case <-ctx.Done():
		stopped = state.StatusCancelled
	}
	if stopped != "" {
		select {
		case leaderErr = <-exited: // it finished as the deadline fell: keep its result
			stopped = ""
		default:
			leaderErr = stopGroup(pgid, grace, exited)
		}
	}
	// Whatever the leader left running in its group goes with it.
	signalGroup(pgid, syscall.SIGKILL)
	var waitErr error
	if reported {
		// The supervisor was alive (its pid holding the group id) until
		// the SIGKILL above; reap it. The channel receive orders the read
		// of reportedCode after the goroutine's write.
		_ = cmd.Wait()
	} else {
		waitErr = reap(cmd, leaderErr)
	}
	drain(&pumps, e.opts.DrainTimeout, outR, errR)
	res.EndedAt = e.opts.Now()

	res.ExitCode = exitCode(cmd, waitErr)
	if reported {
		res.ExitCode = reportedCode
	}
	switch {
	case stopped != "":
		res.Status = stopped
	case res.ExitCode == 0:
		res.Status = state.StatusSucceeded
	default:
		res.Status = state.StatusFailed
	}
	return res, nil
}

// stopGroup asks the group to stop, waits up to grace for the leader, then
// kills the group and waits for the leader.
func stopGroup(pgid int, grace time.Duration, exited <-chan error) error {
	signalGroup(pgid, syscall.SIGTERM)
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case err := <-exited:
		return err
	case <-timer.C:
		signalGroup(pgid, syscall.SIGKILL)
		return <-exited
	}
}

// signalGroup signals every process in the group; a group already gone is
// not an error worth reporting.
func signalGroup(pgid int, sig syscall.Signal) {
	_ = syscall.Kill(-pgid, sig)
}

// exitCode is the leader's exit code, 128+N for death by signal N.
func exitCode(cmd *exec.Cmd, waitErr error) int {
	ps := cmd.ProcessState
	if ps == nil {
		return -1
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	var ee *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &ee) {
		return -1
	}
	return ps.ExitCode()
}

// pump copies one stream to w in whole lines, byte for byte, except that a
// final line without a newline gets one. A line longer than the buffer is
// passed on in buffer-sized writes. After a write error it keeps reading (so
// the command never blocks on a full pipe) and discards.
func pump(wg *sync.WaitGroup, r *os.File, w io.Writer, mu *sync.Mutex) {
	defer wg.Done()
	if w == nil {
		w = io.Discard
	}
	br := bufio.NewReaderSize(r, 64<<10)
	failed := false
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 && !failed {
			if err != nil && err != bufio.ErrBufferFull && line[len(line)-1] != '\n' {
				line = append(append([]byte{}, line...), '\n')
			}
			mu.Lock()
			_, werr := w.Write(line)
			mu.Unlock()
			failed = werr != nil
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

// drain waits for both pumps to see EOF. A process that escaped the group
// (setsid) may hold the pipes open forever, so after d the read ends are
// closed to stop the pumps.
func drain(wg *sync.WaitGroup, d time.Duration, readers ...*os.File) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		for _, r := range readers {
			r.Close()
		}
		<-done
	}
	for _, r := range readers {
		r.Close()
	}
}
