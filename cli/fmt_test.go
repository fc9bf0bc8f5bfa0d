package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

// mlform fmt - reading a pipe that never ends stops when the command's
// context is cancelled (the first Ctrl-C or SIGTERM), like state push -.
func TestFmtStdinInterrupted(t *testing.T) {
	stdin, w := io.Pipe()
	defer w.Close()
	var out, errb bytes.Buffer
	g := &Globals{Stdin: stdin, Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	root := NewRootCommand(g)
	root.SetArgs([]string{"fmt", "-"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	if _, err := w.Write([]byte("locals {\n")); err != nil { // fmt is reading
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("fmt - returned %v; want the cancellation", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("fmt - still reading standard input a minute after the interrupt")
	}
}
