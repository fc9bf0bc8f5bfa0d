package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// interruptContext is the context every command runs under: the first
// SIGINT/SIGTERM cancels it, so a command holding the state lock (gc,
// state push, init, ...) stops, releases the lock and exits instead of being
// killed with the lock left behind. The handler is then removed, so a
// second Ctrl-C kills a command that does not stop. apply has its own
// two-stage handling (interrupts) and runs on a context detached from this
// one.
func interruptContext(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			signal.Stop(sigs)
			cancel()
		case <-done:
		}
	}()
	return ctx, func() {
		close(done)
		signal.Stop(sigs)
		cancel()
	}
}
