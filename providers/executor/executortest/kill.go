package executortest

import "syscall"

// killPid cleans up after a failing test.
func killPid(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }
