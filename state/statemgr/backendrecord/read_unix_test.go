//go:build unix

package backendrecord

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadRefusesFIFO: a named pipe in the record's place is refused at
// once. Reading it with os.ReadFile waited for a writer forever (every
// command that checks the backend hung, and SIGTERM could not stop it).
func TestReadRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, Path)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	type result struct {
		r   *Record
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := Read(dir)
		done <- result{r, err}
	}()
	select {
	case res := <-done:
		if res.r != nil || res.err == nil || !strings.Contains(res.err.Error(), "not a regular file") {
			t.Fatalf("Read of a FIFO: %+v, %v; want an error saying it is not a regular file", res.r, res.err)
		}
	case <-time.After(30 * time.Second):
		// Let the blocked Read go before failing.
		if w, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
			w.Close()
		}
		t.Fatal("Read of a FIFO is still waiting for a writer")
	}
}
