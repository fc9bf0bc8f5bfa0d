package planner

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/testtree"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/local"
	"github.com/mlform/mlform/providers/executor/slurm"
	"github.com/mlform/mlform/providers/executor/slurm/slurmtest"
	"github.com/mlform/mlform/state"
)

// BenchmarkStepOverhead measures the per-step overhead of each executor,
// submit to recorded result: one iteration plans and applies a forced
// retrain (-replace) of a model whose trainer only writes its metrics, so
// nearly all the time is mlform's and the executor's (materialising the
// snapshot, starting the step, following it, storing outputs and logs,
// recording the version). The slurm case needs the test cluster
// (scripts/slurm/with-slurm.sh) and skips without it; its time minus the
// local case's is what going through Slurm costs. make bench runs it.
//
//	scripts/slurm/with-slurm.sh go test ./planner -run '^$' -bench StepOverhead -benchtime 10x
func BenchmarkStepOverhead(b *testing.B) {
	for _, name := range []string{local.Name, slurm.Name} {
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			env := `environment "e" {
  executor = "` + name + `"
}
`
			if name == slurm.Name {
				slurmtest.Need(b)
				// Jobs run `mlform step run`: this test binary is not
				// mlform, so build the one they run.
				bin := filepath.Join(dir, "mlform")
				if out, err := exec.Command("go", "build", "-o", bin, "github.com/mlform/mlform/cmd/mlform").CombinedOutput(); err != nil {
					b.Fatalf("build mlform: %v\n%s", err, out)
				}
				env = `environment "e" {
  executor = "slurm"
  slurm {
    binary = "` + bin + `"
  }
}
`
			}
			files := map[string]string{
				"main.mlf.hcl": env + `

dataset "d" {
  source = "data"
}

model "m" {
  datasets    = [dataset.d]
  environment = environment.e
  train {
    command = ["sh", "-c", "echo '{\"accuracy\": 1}' > \"$MLFORM_OUTPUT_DIR/metrics.json\""]
  }
}
`,
				"data/a.csv": "a\n1\n",
			}
			testtree.Write(b, dir, files)
			cfg, diags := config.Load(dir, config.LoadOptions{})
			if diags.HasErrors() {
				b.Fatal(diags)
			}
			ws, err := engine.NewWorkspace(cfg, dir, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			defer ws.Close()
			reg := executor.NewRegistry()
			local.Register(reg)
			slurm.Register(reg)
			ws.Executors = reg
			st := state.New()
			planAndApply(b, ws, st)
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p, err := Plan(ctx, ws, st, engine.PlanOptions{Refresh: true, Replace: []string{"model.m"}})
				if err != nil {
					b.Fatal(err)
				}
				res, err := Apply(ctx, ws, nil, p, st, &memWriter{}, ApplyOptions{})
				if err != nil || res.Failed() {
					b.Fatalf("apply: %v %v", err, res.Errors())
				}
			}
			b.StopTimer()
			if n := len(st.Models["m"].Versions); n != b.N+1 {
				b.Fatalf("%d versions recorded, want %d", n, b.N+1)
			}
		})
	}
}
