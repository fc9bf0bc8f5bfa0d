//go:build unix

package local

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

// SupervisorArg is the first argument that turns a binary into the step
// supervisor (see Supervise). mlform's main recognises it before anything
// else; it is not a user command.
const SupervisorArg = "__mlform_supervise"

// Supervisor file descriptors, as passed by Run through ExtraFiles.
const (
	// supDeathFD is the read end of a pipe whose only write end the
	// executor holds: EOF means the process that called Run is gone
	// (the kernel closes every descriptor of a killed process).
	supDeathFD = 3
	// supStatusFD carries "started PID", "error MESSAGE" and
	// "exit CODE" lines back to Run.
	supStatusFD = 4
)

// Supervise is the step supervisor: a tiny process between the executor
// and the step's command, the leader of the step's process group. It
// starts the command (args[0] is its path, args[1:] its argv) in its own
// group, reports its exit, and then stays until the executor kills the
// group. When the executor's process dies first — even by SIGKILL, which
// no handler sees — the death pipe reads EOF and the supervisor kills the
// whole group, itself included, so no trainer outlives the mlform that
// started it.
//
// A pipe, not Linux's parent-death signal: it works on every Unix, fires
// only when the whole process is gone (PR_SET_PDEATHSIG fires when the
// creating OS *thread* exits, which in Go is not the process), and a
// supervisor killed by its own parent-death signal could not kill the
// group. Stop signals sent to the group (SIGTERM on timeout, SIGINT) are
// for the command: the supervisor catches and ignores them, so after exec
// the command has default handlers.
//
// It returns the exit status to use when it cannot run at all.
func Supervise(args []string) int {
	status := os.NewFile(supStatusFD, "status")
	death := os.NewFile(supDeathFD, "parent")
	if len(args) < 2 || status == nil || death == nil {
		fmt.Fprintf(os.Stderr, "%s is internal to mlform: it supervises a train or evaluate command\n", SupervisorArg)
		return 2
	}
	syscall.CloseOnExec(supStatusFD)
	syscall.CloseOnExec(supDeathFD)
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT)
	go func() {
		for range sigs {
		}
	}()
	gone := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, death)
		close(gone)
	}()
	cmd := &exec.Cmd{Path: args[0], Args: args[1:], Stdout: os.Stdout, Stderr: os.Stderr}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(status, "error %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		return 127
	}
	fmt.Fprintf(status, "started %d\n", cmd.Process.Pid)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-gone:
	case <-exited:
		fmt.Fprintf(status, "exit %d\n", statusCode(cmd.ProcessState))
		<-gone
	}
	_ = syscall.Kill(0, syscall.SIGKILL) // the whole group, this process included
	return 128 + int(syscall.SIGKILL)
}

// statusCode is a process's exit code, 128+N for death by signal N.
func statusCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// supervised is the executor's side of a supervised step.
type supervised struct {
	death  *os.File // write end, held until Run returns
	status *bufio.Reader
	closer io.Closer
	child  []*os.File // the supervisor's ends, closed here once it started
}

// readStarted reads the supervisor's first report: nil once the command
// runs, else why it could not start.
func (s *supervised) readStarted() error {
	line, err := s.status.ReadString('\n')
	line = strings.TrimSuffix(line, "\n")
	switch {
	case strings.HasPrefix(line, "started "):
		return nil
	case strings.HasPrefix(line, "error "):
		return fmt.Errorf("%s", strings.TrimPrefix(line, "error "))
	case err != nil:
		return fmt.Errorf("the step supervisor exited before starting the command")
	}
	return fmt.Errorf("the step supervisor reported %q", line)
}

// readExit waits for the command's exit code; ok is false when the
// supervisor died without reporting one (the group was killed).
func (s *supervised) readExit() (code int, ok bool) {
	line, err := s.status.ReadString('\n')
	if err != nil {
		return 0, false
	}
	v, found := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "exit ")
	if !found {
		return 0, false
	}
	code, err = strconv.Atoi(v)
	return code, err == nil
}

func (s *supervised) close() {
	s.afterStart()
	s.death.Close()
	s.closer.Close()
}

// superviseCmd turns cmd (the step's command, path resolved) into a
// supervisor running it: same group, directory and environment; the two
// pipes go in as descriptors 3 and 4.
func superviseCmd(cmd *exec.Cmd, supervisor, path string) (*supervised, error) {
	deathR, deathW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	statR, statW, err := os.Pipe()
	if err != nil {
		deathR.Close()
		deathW.Close()
		return nil, err
	}
	cmd.Args = append([]string{supervisor, SupervisorArg, path}, cmd.Args...)
	cmd.Path = supervisor
	cmd.ExtraFiles = []*os.File{deathR, statW} // fds 3 and 4
	return &supervised{death: deathW, status: bufio.NewReader(statR), closer: statR, child: []*os.File{deathR, statW}}, nil
}

// afterStart closes the child's ends of the pipes in this process, so the
// status pipe reads EOF once the supervisor is gone.
func (s *supervised) afterStart() {
	for _, f := range s.child {
		f.Close()
	}
	s.child = nil
}
