package cli

import (
	"fmt"
	"os"
	"runtime"
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

// writeMemProfile writes a heap profile (allocations over the whole run and
// what is still live at its end) to the file named by MLFORM_MEMPROFILE,
// for diagnosing memory use on large datasets
// (`go tool pprof -sample_index=alloc_space bin/mlform FILE`).
func writeMemProfile(g *Globals) {
	path := g.Getenv("MLFORM_MEMPROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(g.Stderr, "Warning: MLFORM_MEMPROFILE: %v\n", err)
		return
	}
	defer f.Close()
	// The profile is as of the last collection: collect now so that it
	// covers the whole run.
	runtime.GC()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		fmt.Fprintf(g.Stderr, "Warning: MLFORM_MEMPROFILE: %v\n", err)
	}
}
