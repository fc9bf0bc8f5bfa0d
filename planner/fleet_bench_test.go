package planner

import (
	"context"
	"fmt"
	"testing"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/fleetgen"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/internal/plannertest"
	"github.com/mlform/mlform/state"
)

// BenchmarkPlanFleet plans the generated fleet workspace `make bench`
// measures (internal/fleetgen: N datasets, models, retrain policies and
// gated promotions) with nothing applied yet: observing every dataset,
// hashing every model's inputs and deciding every train and promotion.
// µs/model must stay flat from 100 to 1,000 models (planning is linear).
//
//	go test ./planner -run '^$' -bench PlanFleet
func BenchmarkPlanFleet(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := b.TempDir()
			if err := fleetgen.Write(dir, n); err != nil {
				b.Fatal(err)
			}
			cfg, diags := config.Load(dir, config.LoadOptions{Getenv: func(string) string { return "" }})
			if diags.HasErrors() {
				b.Fatal(diags)
			}
			ws, err := engine.NewWorkspace(cfg, dir, testNow)
			if err != nil {
				b.Fatal(err)
			}
			ws.Executors = plannertest.LocalExecutors()
			b.Cleanup(func() { ws.Close() })
			st := state.New()
			for b.Loop() {
				p, err := Plan(context.Background(), ws, st, engine.PlanOptions{Refresh: true})
				if err != nil {
					b.Fatal(err)
				}
				if len(p.Actions) != 3*n {
					b.Fatalf("%d actions, want %d", len(p.Actions), 3*n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/model")
		})
	}
}
