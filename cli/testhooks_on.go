//go:build mlformtest

package cli

import (
	"fmt"
	"os"
	"time"
)

// readTestHooks reads the MLFORM_TEST_* variables (see testHooks).
func readTestHooks(getenv func(string) string) (testHooks, error) {
	var h testHooks
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{
		{"MLFORM_TEST_HOLD_LOCK", &h.holdLock},
		{"MLFORM_TEST_FILE_DELAY", &h.fileDelay},
	} {
		v := getenv(d.name)
		if v == "" {
			continue
		}
		x, err := time.ParseDuration(v)
		if err != nil {
			return h, fmt.Errorf("%s=%q: %w", d.name, v, err)
		}
		*d.dst = x
	}
	h.events = getenv("MLFORM_TEST_EVENTS")
	return h, nil
}

// testEvent appends one line to the events file, if the test set one. A
// line is written with one write(2) on an O_APPEND file, so concurrent
// processes never interleave within a line.
func (g *Globals) testEvent(line string) {
	h, err := readTestHooks(g.Getenv)
	if err != nil || h.events == "" {
		return
	}
	f, err := os.OpenFile(h.events, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.Write([]byte(fmt.Sprintf("%d %s\n", os.Getpid(), line)))
}
