package cli

import (
	"sort"

	"github.com/hashicorp/hcl/v2"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/planner"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/local"
)

// executors returns the executors this build of mlform has. It is the one
// place a concrete executor is named: validate checks environments
// against it and the workspace runs steps through it.
func executors() *executor.Registry {
	reg := executor.NewRegistry()
	local.Register(reg)
	return reg
}

// loadChecked loads the configuration and, when it is otherwise valid,
// checks it against this build's executors, so validate, plan and apply
// report the same diagnostics.
func loadChecked(g *Globals, vf *varFlags) (*config.Config, hcl.Diagnostics) {
	cfg, diags := config.Load(".", vf.loadOptions(g))
	if !diags.HasErrors() {
		diags = append(diags, planner.CheckExecutors(cfg, executors())...)
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
