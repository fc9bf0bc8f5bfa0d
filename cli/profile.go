package cli

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startCPUProfile writes a CPU profile of this run to the file named by
// MLFORM_CPUPROFILE, for diagnosing slow plans and applies in the field
// (`go tool pprof bin/mlform FILE`). It returns the function that stops it.
func startCPUProfile(g *Globals) func() {
	path := g.Getenv("MLFORM_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(g.Stderr, "Warning: MLFORM_CPUPROFILE: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(g.Stderr, "Warning: MLFORM_CPUPROFILE: %v\n", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
