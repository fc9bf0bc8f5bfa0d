//go:build unix && !linux

package local

import "os/exec"

// waitLeader reaps the leader: without waitid's WNOWAIT the group is killed
// just after, which leaves a tiny window for pid reuse.
func waitLeader(cmd *exec.Cmd) error { return cmd.Wait() }

// reap returns what waitLeader already collected.
func reap(_ *exec.Cmd, err error) error { return err }
