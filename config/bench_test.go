package config

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/fleetgen"
)

// BenchmarkLoadDesign loads testdata/design, the full language example: the cost every command
// pays before doing anything.
func BenchmarkLoadDesign(b *testing.B) {
	for b.Loop() {
		if _, diags := Load("testdata/design", LoadOptions{Getenv: noEnv}); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}

// BenchmarkLoadLarge loads a workspace of 200 datasets, 200 models, 200
// policies and 200 promotions in one file, to keep evaluation linear
// enough for big monorepos.
func BenchmarkLoadLarge(b *testing.B) {
	var src strings.Builder
	for i := range 200 {
		fmt.Fprintf(&src, `
dataset "d%d" {
  source  = "data/%d"
  include = ["**/*.csv"]
}
model "m%d" {
  datasets = [dataset.d%d]
  train {
    command = ["train", "%d"]
    params  = { lr = 0.01, i = %d }
  }
}
retrain_policy "p%d" {
  models    = [model.m%d]
  on_change = ["data"]
}
promotion "pr%d" {
  model = model.m%d
  alias = "production"
  gate { condition = candidate.metrics.acc > 0.5 }
}
`, i, i, i, i, i, i, i, i, i, i)
	}
	dir := b.TempDir()
	if err := writeFile(dir, "main.mlf.hcl", src.String()); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, diags := Load(dir, LoadOptions{Getenv: noEnv}); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}

// BenchmarkLoadFleet loads the generated fleet workspace `make bench`
// measures (internal/fleetgen) at 100 and 1,000 models: the time per model
// must stay flat (validate is linear in the number of objects).
func BenchmarkLoadFleet(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := b.TempDir()
			if err := fleetgen.Write(dir, n); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, diags := Load(dir, LoadOptions{Getenv: noEnv}); diags.HasErrors() {
					b.Fatal(diags)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/model")
		})
	}
}

// BenchmarkEvalGateFleet evaluates every promotion gate of the 1,000-model
// fleet once, as apply does after each train: a gate's context holds what
// its condition names, so the time per gate does not grow with the fleet.
func BenchmarkEvalGateFleet(b *testing.B) {
	dir := b.TempDir()
	if err := fleetgen.Write(dir, 1000); err != nil {
		b.Fatal(err)
	}
	cfg, diags := Load(dir, LoadOptions{Getenv: noEnv})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	candidate := map[string]float64{"accuracy": 0.9}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range cfg.Promotions {
			if ok, diags := cfg.EvalGate(p.Gates[0], candidate, nil); !ok || diags.HasErrors() {
				b.Fatal(ok, diags)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(len(cfg.Promotions)), "µs/gate")
}

// BenchmarkLoadModuleFleet loads the fleet declared as one module called
// with for_each (fleetgen.WriteModules) and reports the heap the loaded
// Config keeps per instance: plan and apply hold it to the end, so it is
// what a large fleet's peak memory grows with.
func BenchmarkLoadModuleFleet(b *testing.B) {
	const n = 1000
	dir := b.TempDir()
	if err := fleetgen.WriteModules(dir, n); err != nil {
		b.Fatal(err)
	}
	var kept uint64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		cfg, diags := Load(dir, LoadOptions{Getenv: noEnv})
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(cfg)
		kept = after.HeapAlloc - min(before.HeapAlloc, after.HeapAlloc)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/n, "µs/instance")
	b.ReportMetric(float64(kept)/n, "kept-B/instance")
}
