package cli

import (
	"os"
	"os/signal"
	"syscall"
)

// survivePipe keeps a closed stdout (mlform apply | head) from killing the
// process with SIGPIPE while it holds the state lock: the kill would leave
// a stale lock and cut an apply short between two actions. With a handler
// installed, writes to the closed pipe fail with EPIPE instead and the
// command finishes, saves state and releases the lock. A handler (not
// signal.Ignore) is used on purpose: ignored signals are inherited by the
// trainers apply starts, handlers are not. The returned func restores the
// default.
func survivePipe() func() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGPIPE)
	return func() { signal.Stop(ch) }
}
