package readfile

import (
	"context"
	"errors"
	"io"
	"os"
	"testing"
)

// TestInterruptible: what r gives is read as it is; a Read blocked on a
// pipe nobody writes to or closes returns once ctx is cancelled.
func TestInterruptible(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	if _, err := pw.Write([]byte("state")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := Interruptible(ctx, pr)
	buf := make([]byte, 5)
	if _, err := io.ReadFull(r, buf); err != nil || string(buf) != "state" {
		t.Fatalf("read %q, %v", buf, err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := r.Read(buf) // blocks: nothing more is written
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("blocked read after cancel: %v, want context.Canceled", err)
	}
	if _, err := r.Read(buf); !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %v", err)
	}
}
