package planner

import (
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/local"
)

// testExecutors is what cli registers: the local executor.
func testExecutors() *executor.Registry {
	reg := executor.NewRegistry()
	local.Register(reg)
	return reg
}
