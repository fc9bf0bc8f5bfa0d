package cli

import (
	"sort"

	"github.com/hashicorp/hcl/v2"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/planner"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/local"
	"github.com/mlform/mlform/providers/executor/slurm"
)

// executors returns the executors this build of mlform has. It is the one
// place a concrete executor is named: validate checks environments
// against it and the workspace runs steps through it. supervisor is this
// mlform binary (Globals.Supervisor; "" in in-process tests), which local
// steps run under so they die with mlform.
func executors(supervisor string) *executor.Registry {
	reg := executor.NewRegistry()
	ls := local.Spec()
	ls.Factory = func(s executor.Settings) (executor.Executor, error) {
		e, err := local.Factory(s)
		if err != nil {
			return nil, err
		}
		return e.(*local.Executor).WithSupervisor(supervisor), nil
	}
	reg.Add(local.Name, ls)
	// Slurm batch jobs; nodes must share the workspace's file system
	// (docs/executors.md).
	slurm.Register(reg)
	return reg
}

// loadChecked loads the configuration and, when it is otherwise valid,
// checks it against this build's executors, so validate, plan and apply
// report the same diagnostics.
func loadChecked(g *Globals, vf *varFlags) (*config.Config, hcl.Diagnostics) {
	cfg, diags := config.Load(".", vf.loadOptions(g))
	if !diags.HasErrors() {
		diags = append(diags, planner.CheckExecutors(cfg, executors(g.Supervisor))...)
		// Keep config's order: by file, then position.
		sort.SliceStable(diags, func(i, j int) bool {
			a, b := diags[i].Subject, diags[j].Subject
			if a == nil || b == nil {
				return a != nil
			}
			if a.Filename != b.Filename {
				return a.Filename < b.Filename
			}
			return a.Start.Byte < b.Start.Byte
		})
	}
	return cfg, diags
}
