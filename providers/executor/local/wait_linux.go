package local

import (
	"errors"
	"os/exec"

	"golang.org/x/sys/unix"
)

// waitLeader blocks until the group leader has exited without reaping it
// (WNOWAIT): while the zombie exists its pid, which is also the group id,
// cannot be reused, so the SIGKILL sent to the group afterwards can only
// reach the command's own processes.
func waitLeader(cmd *exec.Cmd) error {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, cmd.Process.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// reap collects the leader's exit status.
func reap(cmd *exec.Cmd, _ error) error { return cmd.Wait() }
