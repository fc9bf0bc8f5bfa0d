package model

import (
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/local"
)

func testExecutors() *executor.Registry {
	reg := executor.NewRegistry()
	local.Register(reg)
	return reg
}
