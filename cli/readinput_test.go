package cli

import (
	"context"
	"errors"
	"io"
	"testing"
)

// state push - reading a pipe nobody closes gives up when the command is
// interrupted, so Ctrl-C or SIGTERM ends the process.
func TestReadInputStdinCancelled(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := readInput(ctx, &Globals{Stdin: r}, "-")
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestReadInputStdin(t *testing.T) {
	r, w := io.Pipe()
	go func() {
		w.Write([]byte(`{"a":1}`))
		w.Close()
	}()
	b, err := readInput(context.Background(), &Globals{Stdin: r}, "-")
	if err != nil || string(b) != `{"a":1}` {
		t.Fatalf("readInput = %q, %v", b, err)
	}
}
