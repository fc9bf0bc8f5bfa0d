// Package interrupt turns SIGINT and SIGTERM into apply's two stop levels,
// as Terraform does: the first interrupt asks that no new action start
// (running ones finish and state is saved), the second cancels the running
// ones. Before any action has started there is nothing to finish, so the
// first interrupt cancels at once.
package interrupt

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Handler watches for interrupts from Watch until Release.
type Handler struct {
	// Requested is closed by the first interrupt: no new action may start.
	Requested chan struct{}

	sigs chan os.Signal
	quit chan struct{}

	// mu orders an interrupt against Begin.
	mu      sync.Mutex
	started bool
	aborted bool
}

// Watch starts handling interrupts. Messages for the user go to stderr;
// event, when not nil, is told "interrupt N" for each one (test hooks);
// cancel cancels the running actions.
func Watch(stderr io.Writer, event func(string), cancel context.CancelFunc) *Handler {
	h := &Handler{Requested: make(chan struct{}), sigs: make(chan os.Signal, 2), quit: make(chan struct{})}
	signal.Notify(h.sigs, os.Interrupt, syscall.SIGTERM)
	go h.loop(stderr, event, cancel)
	return h
}

func (h *Handler) loop(stderr io.Writer, event func(string), cancel context.CancelFunc) {
	n := 0
	for {
		select {
		case <-h.quit:
			return
		case <-h.sigs:
		}
		n++
		if event != nil {
			event(fmt.Sprintf("interrupt %d", n))
		}
		h.mu.Lock()
		early := !h.started
		h.aborted = early
		h.mu.Unlock()
		switch {
		case early:
			fmt.Fprintln(stderr, "\nInterrupt received before any action started: stopping; nothing was changed.")
			close(h.Requested)
			cancel()
			return
		case n == 1:
			fmt.Fprintln(stderr, "\nInterrupt received: finishing running actions and saving state; no new action starts. Press Ctrl-C again to cancel the running ones.")
			close(h.Requested)
		default:
			fmt.Fprintln(stderr, "\nSecond interrupt: cancelling running actions.")
			cancel()
			return
		}
	}
}

// Begin marks the start of the actions; false means an interrupt came
// first and nothing may start.
func (h *Handler) Begin() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.started = !h.aborted
	return h.started
}

// AbortedEarly reports whether an interrupt stopped the command before any
// action started.
func (h *Handler) AbortedEarly() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.aborted
}

// Release stops handling interrupts.
func (h *Handler) Release() {
	signal.Stop(h.sigs)
	close(h.quit)
}
